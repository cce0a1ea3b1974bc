import Router from '@koa/router';
import Koa from 'koa';
import type Provider from 'oidc-provider';

import type { Logger } from '../logging/index.js';
import { canonicalizeRequest } from './canonical-origin.js';
import { healthEndpoint, type HealthCheck } from './health.js';
import { requestContext } from './request-context.js';

export interface HttpDependencies {
  issuer: string;
  /** The current provider: it is replaced when the signing keys change. */
  provider: () => Provider;
  health: HealthCheck;
  logger: Logger;
  /** Our own public routes (registration, WebFinger, ...), served before the provider's. */
  routers: Router[];
}

/**
 * The HTTP surface: our own routes first, then everything oidc-provider serves (discovery, JWKS,
 * token, introspection, revocation, ...). Every request is canonicalised to the issuer's origin
 * before either sees it.
 */
export function createHttpApp({ issuer, provider, health, logger, routers }: HttpDependencies): Koa {
  const issuerUrl = new URL(issuer);
  const app = new Koa();
  const callbacks = new WeakMap<Provider, ReturnType<Provider['callback']>>();
  const providerCallback = () => {
    const current = provider();
    let callback = callbacks.get(current);
    if (!callback) {
      callback = current.callback();
      callbacks.set(current, callback);
    }
    return callback;
  };

  app.use(async (ctx, next) => {
    canonicalizeRequest(ctx.req, issuerUrl);
    await next();
  });
  app.use(requestContext(logger));

  const router = new Router();
  router.get('/healthz', healthEndpoint(health));
  for (const own of [router, ...routers]) {
    app.use(own.routes());
    app.use(own.allowedMethods());
  }

  app.use(async (ctx) => {
    ctx.respond = false;
    await providerCallback()(ctx.req, ctx.res);
  });
  return app;
}
