import { randomUUID } from 'node:crypto';

import type { Context, Next } from 'koa';

import type { Logger } from '../logging/index.js';
import { ApiError } from './api-error.js';
import { requestFacts } from './request-facts.js';

const UNMATCHED = 'unmatched';
const MAX_LOGGED_PATH = 200;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Seconds a client is asked to wait before retrying when the store cannot serve. */
export const RETRY_AFTER_SECONDS = 5;

export const storeUnavailable = (): ApiError =>
  new ApiError('temporarily_unavailable', 'the server cannot reach its store; retry later', 503, {
    'Retry-After': String(RETRY_AFTER_SECONDS),
  });

/**
 * What the layers above learn of each request and tell this one: given by the composition root, so
 * that the HTTP layer depends on no metrics, tracing or store.
 */
export interface RequestObservers {
  /** Counts an answered request (route template, method, status, seconds). */
  metrics?: { httpRequest(route: string, method: string, status: number, seconds: number): void } | undefined;
  /** Opens a request's span; the function it returns closes it once answered. */
  tracing?: { startRequest(method: string, requestId: string): (route: string, status: number) => void } | undefined;
  /** Whether an error is the store failing to serve (answered 503 and retried), not a bug. */
  isStoreOutage?: ((error: unknown) => boolean) | undefined;
}

/**
 * Gives every request an id (X-Request-Id, echoed back), logs it once done, and renders what the
 * routes below throw: an ApiError as itself, a store that cannot serve as 503, anything else as a
 * JSON 500 (logged, never shown).
 */
export function requestContext(logger: Logger, { metrics, tracing, isStoreOutage = () => false }: RequestObservers = {}) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    const facts = requestFacts(ctx.req);
    facts.requestId = requestId;
    const started = performance.now();
    const endSpan = tracing?.startRequest(ctx.method, requestId);
    try {
      await next();
    } catch (error) {
      let rendered: ApiError;
      if (error instanceof ApiError) {
        rendered = error;
      } else if (isStoreOutage(error)) {
        logger.warn('store unavailable', { requestId, error });
        rendered = storeUnavailable();
      } else {
        logger.error('unhandled error', { requestId, error });
        rendered = new ApiError('server_error', 'an unexpected error occurred', 500);
      }
      ctx.set('Cache-Control', 'no-store');
      ctx.set(rendered.headers);
      ctx.status = rendered.status;
      ctx.body = rendered.body;
    } finally {
      // The access log: the route (a template, not the path with its values), never a query string or a token.
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      const actor: unknown = ctx.state.actor;
      const route = facts.route ?? (typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : UNMATCHED);
      const elapsedMs = performance.now() - started;
      metrics?.httpRequest(route, ctx.method, status, elapsedMs / 1000);
      endSpan?.(route, status);
      logger.info('request', {
        requestId,
        method: ctx.method,
        route,
        status,
        durationMs: Math.round(elapsedMs * 10) / 10,
        // A path no route knows has no template: it is logged itself (bounded, never its query).
        ...(route === UNMATCHED ? { path: ctx.path.slice(0, MAX_LOGGED_PATH) } : {}),
        ...(facts.clientId ? { clientId: facts.clientId } : {}),
        ...(typeof actor === 'string' ? { actor } : {}),
      });
    }
  };
}
