import type Router from '@koa/router';
import Koa from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';

import type { Logger } from '../logging/index.js';
import { assertDeclaredBodySize } from './body-limit.js';
import type { ClientAddressResolver } from './client-address.js';
import { canonicalizeRequest } from './canonical-origin.js';
import { requestDeadline } from './deadline.js';
import { healthRoutes, type HealthCheck } from './health.js';
import { requestContext, type RequestObservers } from './request-context.js';
import { assertCanonicalPath, methodNotAllowed, type ForeignRoute } from './routing.js';

export interface HttpDependencies {
  issuer: string;
  provider: ProviderSurface;
  /** Readiness: resolves when the store can serve reads and writes. */
  health: HealthCheck;
  logger: Logger;
  /** Our own routes (registration, admin API, WebFinger, ...), served before the provider's. */
  routers: Router[];
  /** A request not answered within this answers 503. */
  deadlineMs: number;
  /** Metrics, tracing and the store's outages, as the request context reports and renders them. */
  observers: RequestObservers;
  resolveClientAddress: ClientAddressResolver;
}

/** oidc-provider as the HTTP layer serves it. */
export interface ProviderSurface {
  /** The current provider: it is replaced when the signing keys change. */
  current: () => Provider;
  /** Its paths with their methods (others answer 405), and which of them a browser visits (they may answer HTML). */
  routes: { table: readonly ForeignRoute[]; isBrowserEndpoint(path: string): boolean };
  /** By path: answer the common requests of an oidc-provider endpoint, handing every other one to oidc-provider (fallback). */
  fastPaths?: ReadonlyMap<string, (ctx: Koa.Context, fallback: () => Promise<void>) => Promise<void>> | undefined;
}

/**
 * The HTTP surface, as one pipeline: request id and error rendering, a deadline, the client's
 * address, the issuer's origin, one canonical spelling of every path, then our routes (each with
 * its own guard), 405 for a known path under another method, and everything oidc-provider serves
 * (discovery, JWKS, token, introspection, revocation, ...).
 */
export function createHttpApp({ issuer, provider: { current: provider, routes: providerRoutes, fastPaths = new Map() }, health, logger, routers, deadlineMs, resolveClientAddress, observers }: HttpDependencies): Koa {
  const issuerUrl = new URL(issuer);
  const app = new Koa();
  // What Koa would print in plain text (a client that hung up mid-body, ...) becomes a JSON line.
  app.on('error', (error: Error & { status?: number; expose?: boolean }) => {
    if (error.expose || (error.status !== undefined && error.status < 500)) logger.debug('request error', { error });
    else logger.error('request error', { error });
  });
  // oidc-provider is a Koa app: its middleware runs on our context (as koa-mount would), not on a
  // second context built for every request. It reads the protocol and client address as a proxied
  // app (we set the forwarded headers ourselves, see canonical-origin.ts) and signs cookies with
  // its keys, which are the same for every provider built from this configuration.
  app.proxy = true;
  app.keys = provider().keys;
  const composed = new WeakMap<Provider, Koa.Middleware>();
  const providerMiddleware = () => {
    const current = provider();
    let middleware = composed.get(current);
    if (!middleware) {
      middleware = compose(current.middleware as Koa.Middleware[]);
      composed.set(current, middleware);
    }
    return middleware;
  };

  const ownRouters = [healthRoutes(health), ...routers];
  // Our routes live under a few first path segments; every other request (the token endpoint's,
  // above all) goes straight on without being matched against each of our routers.
  const ownSegments = new Set(ownRouters.flatMap((router) => router.stack.map((layer) => firstSegment(String(layer.path)))));
  const ownRoutes = compose([...ownRouters.map((router) => router.routes() as unknown as Koa.Middleware), methodNotAllowed(ownRouters, [])]);
  const providerMethods = methodNotAllowed([], providerRoutes.table);

  const toProvider = (ctx: Koa.Context): Promise<void> => providerMethods(ctx, async () => {
    // RFC 6749 §5.2, RFC 7662 §2.2, RFC 7009 §2.2: protocol endpoints answer JSON, whatever the
    // client's Accept header prefers; only pages a browser visits may answer HTML.
    if (!providerRoutes.isBrowserEndpoint(ctx.path)) ctx.req.headers.accept = 'application/json';
    await providerMiddleware()(ctx, async () => {});
  }) as Promise<void>;

  app.use(requestContext(logger, observers));
  app.use(requestDeadline(deadlineMs));
  // What every request goes through before anything routes it, synchronously: who the client is
  // (before any forwarding header is dropped), the issuer's origin, one spelling per path, a
  // declared body size within the limit; then our routes or oidc-provider's.
  app.use((ctx) => {
    ctx.state.clientAddress = resolveClientAddress(ctx.req.socket.remoteAddress ?? '', (name) => ctx.get(name));
    canonicalizeRequest(ctx.req, issuerUrl);
    // Koa kept the target as it arrived (an absolute form names any host); what it reads from now on is the rewritten one.
    ctx.originalUrl = ctx.req.url!;
    ctx.request.originalUrl = ctx.req.url!;
    assertCanonicalPath(ctx.path);
    assertDeclaredBodySize(ctx);
    if (ownSegments.has(firstSegment(ctx.path))) return ownRoutes(ctx, () => toProvider(ctx));
    const fastPath = ctx.method === 'POST' ? fastPaths.get(ctx.path) : undefined;
    return fastPath ? fastPath(ctx, () => toProvider(ctx)) : toProvider(ctx);
  });
  return app;
}

/** `/admin/clients` -> `admin`. */
function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end < 0 ? path.slice(1) : path.slice(1, end);
}
