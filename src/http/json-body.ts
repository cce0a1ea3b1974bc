import type { Context } from 'koa';

import { ApiError } from './api-error.js';
import { bodyTooLarge, MAX_BODY_BYTES } from './body-limit.js';
import { assertWithinDeadline } from './deadline.js';

/** The deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 32;

const JSON_MEDIA_TYPE = 'application/json';

/**
 * Reads a JSON request body, bounded before anything parses it: a media type the endpoint accepts
 * (415 otherwise, so that a cross-origin "simple" request cannot post here), at most
 * MAX_BODY_BYTES (413), nesting at most MAX_JSON_DEPTH deep. Syntax and depth problems are
 * reported through `invalid`, the endpoint's own error (invalid_client_metadata, ...).
 */
export async function readJsonBody(
  ctx: Context,
  invalid: (reason: string) => ApiError,
  mediaTypes: readonly string[] = [JSON_MEDIA_TYPE],
): Promise<unknown> {
  const mediaType = ctx.get('content-type').split(';')[0]!.trim().toLowerCase();
  if (!mediaTypes.includes(mediaType)) {
    throw new ApiError('invalid_request', `the body must be sent as ${mediaTypes.join(' or ')}`, 415, { Accept: mediaTypes.join(', ') });
  }
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of ctx.req) {
      received += (chunk as Buffer).length;
      if (received > MAX_BODY_BYTES) throw bodyTooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw invalid('the body could not be read');
  }
  assertWithinDeadline(ctx);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw invalid('the body is empty');
  if (nestingDepth(text) > MAX_JSON_DEPTH) throw invalid(`the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('the body is not valid JSON');
  }
}

/** The deepest nesting of [ and { in a JSON text, outside strings; counted without parsing. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c /* \ */) index += 1;
      else if (char === 0x22 /* " */) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b /* [ */ || char === 0x7b /* { */) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (char === 0x5d /* ] */ || char === 0x7d /* } */) {
      depth -= 1;
    }
  }
  return deepest;
}

/** The token of an `Authorization: Bearer` header, if any. */
export function bearerToken(ctx: Context): string | undefined {
  const match = /^Bearer\s+([^\s]+)\s*$/i.exec(ctx.get('authorization'));
  return match?.[1];
}

/** Whether the request carries a body at all. */
export function hasBody(ctx: Context): boolean {
  return Boolean(ctx.request.length) || Boolean(ctx.get('transfer-encoding'));
}
