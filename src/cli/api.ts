/** The admin API over HTTP: `<base URL>/admin/...` with `Authorization: Bearer <token>`. */

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** An error the API answered: `{"error": ..., "error_description": ...}`. */
export class AdminApiError extends Error {
  constructor(readonly error: string, readonly description: string | undefined, readonly status: number) {
    super(description === undefined ? error : `${error}: ${description}`);
    this.name = 'AdminApiError';
  }
}

/** No usable answer: the server could not be reached, timed out, or answered something that is not the admin API. */
export class RequestFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestFailed';
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  contentType?: string;
}

const TIMEOUT_MS = 30_000;

/** The URL without credentials, query or trailing slash: what messages may show. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, '');
}

/** A path segment (a client id may hold any printable character, "/" and "?" included). */
export const segment = (value: string): string => encodeURIComponent(value);

function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = error instanceof Error ? error.cause : undefined;
  const codeOf = (value: unknown): string | undefined => {
    if (value === null || typeof value !== 'object') return undefined;
    const { code } = value as { code?: unknown };
    return typeof code === 'string' ? code : undefined;
  };
  const nested = cause instanceof AggregateError ? cause.errors[0] : undefined;
  return codeOf(cause) ?? codeOf(nested) ?? (cause instanceof Error ? cause.message : undefined)
    ?? (error instanceof Error ? error.message : String(error));
}

export class AdminApi {
  readonly #base: URL;
  readonly #token: string;
  readonly #fetch: FetchLike;

  constructor(base: URL, token: string, fetchImpl: FetchLike) {
    this.#base = base;
    this.#token = token;
    this.#fetch = fetchImpl;
  }

  /** `path` is below /admin, e.g. "/clients". Answers the parsed JSON body, or undefined for 204. */
  async request(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<unknown> {
    const url = new URL(this.#base.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/admin${path}`;
    url.search = '';
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${this.#token}`, Accept: 'application/json' };
    const init: RequestInit = { method, headers, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) };
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      init.body = JSON.stringify(options.body);
    }

    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url.href, init);
      text = await response.text();
    } catch (error) {
      throw new RequestFailed(`cannot reach ${displayUrl(this.#base)}: ${networkReason(error)}`);
    }

    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      throw new RequestFailed(`${method} ${displayUrl(url)} was redirected (HTTP ${response.status})${location ? ` to ${location}` : ''}: give the final address with --url or ADMIN_URL`);
    }
    if (response.status === 204) return undefined;

    let body: unknown;
    let isJson = true;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      isJson = false;
    }
    if (response.ok) {
      if (!isJson || body === undefined) throw new RequestFailed(`unexpected answer to ${method} ${displayUrl(url)} (HTTP ${response.status}): not JSON; is ${displayUrl(this.#base)} the authorization server?`);
      return body;
    }
    if (isJson && body !== null && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
      const { error, error_description: description } = body as { error: string; error_description?: unknown };
      throw new AdminApiError(error, typeof description === 'string' ? description : undefined, response.status);
    }
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw new RequestFailed(`${method} ${displayUrl(url)} answered ${status}; is ${displayUrl(this.#base)} the authorization server?`);
  }
}
