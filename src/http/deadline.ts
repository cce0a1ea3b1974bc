import type { Context, Middleware, Next } from 'koa';

import { ApiError } from './api-error.js';
import { RETRY_AFTER_SECONDS } from './request-context.js';

/**
 * Every request is answered within deadlineMs: past it, 503 temporarily_unavailable with
 * Retry-After, whatever the work below is still waiting for (it finishes or fails unseen).
 */
export function requestDeadline(deadlineMs: number): Middleware {
  return async (ctx: Context, next: Next) => {
    ctx.state.deadline = Date.now() + deadlineMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), deadlineMs);
    });
    const work = next().then(() => false as const);
    try {
      if (!(await Promise.race([work, expired]))) return;
    } finally {
      clearTimeout(timer);
    }
    // The abandoned work may still fail; its outcome no longer has anyone to go to.
    work.catch(() => {});
    if (ctx.res.headersSent) return;
    // oidc-provider answers on the raw response (respond = false); the deadline answers through Koa.
    ctx.respond = true;
    throw new ApiError('temporarily_unavailable', 'the request could not be completed in time; retry later', 503, {
      'Retry-After': String(RETRY_AFTER_SECONDS),
    });
  };
}

/**
 * Stops work whose caller was already answered 503 (a body that took longer than the deadline to
 * arrive): nothing is written on behalf of a request its caller was told failed.
 */
export function assertWithinDeadline(ctx: Context): void {
  const deadline: unknown = ctx.state.deadline;
  if (typeof deadline === 'number' && Date.now() > deadline) {
    throw new ApiError('temporarily_unavailable', 'the request could not be completed in time; retry later', 503, {
      'Retry-After': String(RETRY_AFTER_SECONDS),
    });
  }
}
