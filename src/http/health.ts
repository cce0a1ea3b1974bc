import type Router from '@koa/router';
import type { Context } from 'koa';

import { createRouter } from './routing.js';

export interface HealthCheck {
  /** Resolves when the store can serve reads and writes; rejects with the reason otherwise. */
  (): Promise<void>;
}

const TIMEOUT_MS = 2_000;

/**
 * GET /healthz (readiness): 200 when the store takes a write within 2 s, 503 otherwise; what load
 * balancers and the Dockerfile's HEALTHCHECK use. GET /healthz/live (liveness): 200 while the
 * process serves HTTP at all, whatever the store does, so that an orchestrator does not restart a
 * server that only waits for its database.
 */
export function healthRoutes(check: HealthCheck): Router {
  const router = createRouter();
  router.get('/healthz', async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('health check timed out')), TIMEOUT_MS);
        }),
      ]);
      ctx.body = { status: 'ok' };
    } catch {
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.body = { status: 'unavailable', store: 'cannot take writes' };
    } finally {
      clearTimeout(timer);
    }
  });
  router.get('/healthz/live', (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  return router;
}
