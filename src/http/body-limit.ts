import type { Context } from 'koa';

import { ApiError } from './api-error.js';

/** The largest request body the server reads (oidc-provider's own limit is the same). */
export const MAX_BODY_BYTES = 56 * 1024;

export const bodyTooLarge = (): ApiError =>
  new ApiError('invalid_request', `the request body exceeds ${MAX_BODY_BYTES} bytes`, 413, { Connection: 'close' });

/** 413 from the declared Content-Length, before a byte of the body is read. */
export function assertDeclaredBodySize(ctx: Context): void {
  const declared = ctx.get('content-length');
  if (declared !== '' && (!/^\d+$/.test(declared) || Number(declared) > MAX_BODY_BYTES)) throw bodyTooLarge();
}
