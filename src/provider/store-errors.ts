import { errors, type KoaContextWithOIDC } from 'oidc-provider';

import { ApiError } from '../http/api-error.js';
import { RETRY_AFTER_SECONDS } from '../http/request-context.js';
import { requestFacts } from '../http/request-facts.js';
import { StoreUnavailableError, storeOutageOf } from '../storage/index.js';

/**
 * A store that cannot serve, as oidc-provider's own error handlers render it: 503
 * temporarily_unavailable (they would turn any other error into a 500 server_error).
 */
export function providerStoreError(error: unknown): unknown {
  if (!(error instanceof StoreUnavailableError)) return error;
  const unavailable = new errors.TemporarilyUnavailable('the server cannot reach its store; retry later', { cause: error });
  Object.assign(unavailable, { status: 503, statusCode: 503, expose: true });
  return unavailable;
}

/** Runs a store call on behalf of oidc-provider, translating a store outage. */
export async function forProvider<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw providerStoreError(error);
  }
}

/** What our middleware around oidc-provider's routes adds, before and after each. */
export interface ProviderEdgeHooks {
  /** true: it answered the request itself, and the route does not run. */
  beforeRoute(ctx: KoaContextWithOIDC): Promise<boolean>;
  afterRoute(ctx: KoaContextWithOIDC): Promise<void>;
  /** Renders an error this layer answers itself as a page, for a browser that asked for one; false: JSON it is. */
  renderPage(ctx: KoaContextWithOIDC, error: { error: string; error_description: string }): boolean;
}

/**
 * The one middleware of ours around oidc-provider's routes (one layer, not one per concern):
 * before and after the route, what we add (hooks); what escapes oidc-provider's per-route
 * error handlers is still an RFC-shaped error (an HTML page where a browser asked for one),
 * 503 with Retry-After for a store outage; a path nothing serves is a 404.
 */
export const providerEdges = (hooks: ProviderEdgeHooks) => async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
  try {
    if (await hooks.beforeRoute(ctx)) return;
    await next();
    await hooks.afterRoute(ctx);
    const facts = requestFacts(ctx.req);
    facts.route = ctx.oidc?.route ?? facts.route;
    facts.clientId = ctx.oidc?.client?.clientId ?? facts.clientId;
  } catch (error) {
    const answer = edgeAnswer(error);
    if (answer.status === 500) ctx.app.emit('error', error, ctx);
    ctx.status = answer.status;
    ctx.set(answer.headers);
    answerWith(ctx, hooks, answer.body);
    ctx.set('Cache-Control', 'no-store');
  }
  if (ctx.status === 503) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (ctx.status === 404 && ctx.body === undefined) {
    ctx.status = 404;
    answerWith(ctx, hooks, { error: 'not_found', error_description: `no endpoint at ${ctx.path}` });
  }
};

function answerWith(ctx: KoaContextWithOIDC, hooks: ProviderEdgeHooks, body: { error: string; error_description: string }): void {
  if (!hooks.renderPage(ctx, body)) ctx.body = body;
}

function edgeAnswer(error: unknown): { status: number; headers: Record<string, string>; body: { error: string; error_description: string } } {
  if (error instanceof ApiError) return { status: error.status, headers: error.headers, body: error.body };
  if (storeOutageOf(error) !== undefined) {
    return { status: 503, headers: {}, body: { error: 'temporarily_unavailable', error_description: 'the server cannot reach its store; retry later' } };
  }
  return { status: 500, headers: {}, body: { error: 'server_error', error_description: 'an unexpected error occurred' } };
}
