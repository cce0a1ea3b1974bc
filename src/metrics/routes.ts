import type Router from '@koa/router';
import Koa, { type Context } from 'koa';

import { ApiError, apiErrors } from '../http/api-error.js';
import { bearerToken } from '../http/json-body.js';
import { createRouter } from '../http/routing.js';
import { createTokenMatcher } from '../secrets/index.js';
import type { Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

/** GET /metrics: the Prometheus text format; behind a bearer token when one is configured. */
export function metricsRoutes(metrics: Metrics, token: string | undefined): Router {
  const router = createRouter();
  const matches = token === undefined ? undefined : createTokenMatcher([token]);
  router.get(METRICS_PATH, async (ctx: Context) => {
    if (matches) {
      const presented = bearerToken(ctx);
      if (presented === undefined || matches(presented) < 0) {
        throw new ApiError('invalid_token', 'the metrics token is required', 401, { 'WWW-Authenticate': 'Bearer' });
      }
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}

/** An app serving /metrics alone (metrics.port): everything else is a JSON 404. */
export function metricsApp(metrics: Metrics, token: string | undefined): Koa {
  const app = new Koa();
  const router = metricsRoutes(metrics, token);
  app.use(apiErrors);
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  app.use(() => {
    throw new ApiError('not_found', `this port serves ${METRICS_PATH} only`, 404);
  });
  return app;
}
