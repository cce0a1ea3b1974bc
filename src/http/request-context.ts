import { randomUUID } from 'node:crypto';

import type { Context, Next } from 'koa';

import type { Logger } from '../logging/index.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Gives every request an id (X-Request-Id, echoed back), logs it once done, and turns an unexpected error into a JSON 500. */
export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } catch (error) {
      logger.error('unhandled error', { requestId, error });
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'an unexpected error occurred' };
    } finally {
      // The path only: query strings can carry values that must not reach the logs.
      logger.debug('request', {
        requestId,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  };
}
