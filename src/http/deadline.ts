import type { Context, Middleware, Next } from 'koa';

import { ApiError } from './api-error.js';
import { RETRY_AFTER_SECONDS } from './request-context.js';

interface Waiting {
  at: number;
  expire(): void;
}

/**
 * Every request is answered within deadlineMs: past it, 503 temporarily_unavailable with
 * Retry-After, whatever the work below is still waiting for (it finishes or fails unseen). One
 * timer watches every request in flight, so the hot path only adds to and removes from a set.
 */
export function requestDeadline(deadlineMs: number): Middleware {
  const waiting = new Set<Waiting>();
  let timer: NodeJS.Timeout | undefined;
  const watch = () => {
    if (timer) return;
    timer = setInterval(() => {
      const now = Date.now();
      for (const entry of waiting) {
        if (entry.at > now) continue;
        waiting.delete(entry);
        entry.expire();
      }
      if (waiting.size === 0) {
        clearInterval(timer);
        timer = undefined;
      }
    }, Math.min(1_000, Math.max(50, Math.floor(deadlineMs / 20))));
    timer.unref();
  };

  return (ctx: Context, next: Next) => {
    const at = Date.now() + deadlineMs;
    ctx.state.deadline = at;
    return new Promise<void>((resolve, reject) => {
      const entry: Waiting = {
        at,
        expire() {
          if (ctx.res.headersSent) return;
          // oidc-provider answers on the raw response (respond = false); the deadline answers through Koa.
          ctx.respond = true;
          reject(new ApiError('temporarily_unavailable', 'the request could not be completed in time; retry later', 503, {
            'Retry-After': String(RETRY_AFTER_SECONDS),
          }));
        },
      };
      waiting.add(entry);
      watch();
      // Once the deadline answered, the work's own outcome no longer has anyone to go to.
      next().then(
        () => {
          waiting.delete(entry);
          resolve();
        },
        (error: unknown) => {
          waiting.delete(entry);
          reject(error);
        },
      );
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
