import { errors, type KoaContextWithOIDC } from 'oidc-provider';

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

/**
 * The one middleware of ours around oidc-provider's routes (one layer, not one per concern):
 * after the route, what we add to its answer (afterRoute); what escapes oidc-provider's per-route
 * error handlers is still a JSON error, 503 with Retry-After for a store outage; a path nothing
 * serves is a JSON 404.
 */
export const providerEdges = (afterRoute: (ctx: KoaContextWithOIDC) => Promise<void>) => async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
  try {
    await next();
    await afterRoute(ctx);
    const facts = requestFacts(ctx.req);
    facts.route = ctx.oidc?.route ?? facts.route;
    facts.clientId = ctx.oidc?.client?.clientId ?? facts.clientId;
  } catch (error) {
    const unavailable = storeOutageOf(error) !== undefined;
    ctx.status = unavailable ? 503 : 500;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = unavailable
      ? { error: 'temporarily_unavailable', error_description: 'the server cannot reach its store; retry later' }
      : { error: 'server_error', error_description: 'an unexpected error occurred' };
    if (!unavailable) ctx.app.emit('error', error, ctx);
  }
  if (ctx.status === 503) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (ctx.status === 404 && ctx.body === undefined) {
    ctx.status = 404;
    ctx.body = { error: 'not_found', error_description: `no endpoint at ${ctx.path}` };
  }
};
