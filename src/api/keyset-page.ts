import { ApiError } from '../http/api-error.js';

/** An opaque keyset cursor: the sort key of the last item of a page. */
export function encodeCursor(time: Date, id: string): string {
  return Buffer.from(JSON.stringify([time.getTime(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): { time: Date; id: string } {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof time === 'number' && Number.isFinite(time) && typeof id === 'string') return { time: new Date(time), id };
  } catch {
    // fall through
  }
  throw new ApiError('invalid_request', 'cursor: not a cursor this server issued');
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export function parseLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
    throw new ApiError('invalid_request', `limit: must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return value;
}

/** A query parameter given at most once. */
export function singleQueryValue(query: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new ApiError('invalid_request', `${name}: given more than once`);
  return value;
}

export const MAX_FILTER_LENGTH = 255;

/** A filter parameter: absent, or 1 to 255 characters (an empty filter is a mistake, not "match empty"). */
export function filterValue(query: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = singleQueryValue(query, name);
  if (value !== undefined && (value.length === 0 || value.length > MAX_FILTER_LENGTH)) {
    throw new ApiError('invalid_request', `${name}: must be 1 to ${MAX_FILTER_LENGTH} characters`);
  }
  return value;
}

/**
 * One keyset page: the query asked for limit + 1 items, so an extra item means there is a next
 * page, which the cursor (and a Link header, RFC 8288) points at, with the same filters.
 */
export function keysetPage<T>(
  fetched: T[],
  limit: number,
  sortKey: (item: T) => { time: Date; id: string },
  nextUrl: (query: URLSearchParams) => string,
  filters: Record<string, string | undefined>,
): { items: T[]; nextCursor: string | null; link: string | undefined } {
  const items = fetched.slice(0, limit);
  const last = items[items.length - 1];
  if (fetched.length <= limit || !last) return { items, nextCursor: null, link: undefined };
  const { time, id } = sortKey(last);
  const nextCursor = encodeCursor(time, id);
  const query = new URLSearchParams({ limit: String(limit), cursor: nextCursor });
  for (const [name, value] of Object.entries(filters)) if (value !== undefined) query.set(name, value);
  return { items, nextCursor, link: `<${nextUrl(query)}>; rel="next"` };
}
