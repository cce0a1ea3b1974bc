import Router, { type RouterMiddleware } from '@koa/router';
import type { Context, Middleware, Next } from 'koa';

import { actorOf } from './actor.js';
import { ApiError } from './api-error.js';

/**
 * Every router of ours matches paths exactly: case-sensitive, trailing slash significant, full
 * paths (no router prefix, whose handling of the bare prefix differs). Routes and whatever is
 * attached to them then agree on what a path is; a path in any other spelling matches nothing of
 * ours and falls through to oidc-provider, which answers 404.
 */
export function createRouter(): Router {
  return new Router({ sensitive: true, strict: true });
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type GuardedRoutes = Record<Method, (path: string, ...handlers: RouterMiddleware[]) => void>;

/** Refuses to go on unless the guard before it named the caller. */
const requireActor: RouterMiddleware = async (ctx, next) => {
  actorOf(ctx);
  await next();
};

/**
 * Routes that cannot be registered without their guard: the guard is the first middleware of
 * each route's own stack, and the handlers run only once it has named the caller, so no spelling
 * of a path and no router-level middleware order can reach a handler around it.
 */
export function guardedRoutes(router: Router, guard: RouterMiddleware): GuardedRoutes {
  const add = (method: Method) => (path: string, ...handlers: RouterMiddleware[]) => {
    router[method](path, guard, requireActor, ...handlers);
  };
  return { get: add('get'), post: add('post'), put: add('put'), patch: add('patch'), delete: add('delete') };
}

const UNRESERVED_ESCAPE = /%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[DdEe]|5[Ff]|7[Ee])/;
const CONTROL_ESCAPE = /%(?:[01][0-9A-Fa-f]|7[Ff])/;
const MALFORMED_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Why a request path is not in the one spelling the server routes on; undefined when it is. */
export function nonCanonicalPath(rawPath: string): string | undefined {
  if (!rawPath.startsWith('/')) return 'the path must start with /';
  if (rawPath.includes('//')) return 'empty path segments (//) are not allowed';
  if (rawPath.includes('\\')) return 'backslashes are not allowed in the path';
  if (MALFORMED_ESCAPE.test(rawPath)) return 'malformed percent-encoding';
  if (UNRESERVED_ESCAPE.test(rawPath)) return 'letters, digits and -._~ must not be percent-encoded';
  if (CONTROL_ESCAPE.test(rawPath)) return 'control characters are not allowed in the path';
  for (const segment of rawPath.split('/')) {
    if (segment === '.' || segment === '..') return 'dot segments (/./, /../) are not allowed';
  }
  return undefined;
}

/**
 * Refuses a request whose path has another spelling of a route (dot segments, doubled slashes,
 * needless percent-encoding) before any routing happens: the server routes each resource under
 * exactly one path.
 */
export function assertCanonicalPath(path: string): void {
  const problem = nonCanonicalPath(path);
  if (problem) throw new ApiError('invalid_request', `request path: ${problem}`);
}

/** A route known by its path (in any letter case, as oidc-provider matches) and its methods. */
export interface ForeignRoute {
  path: string;
  methods: readonly string[];
}

/**
 * 405 with Allow for a path that one of our routers or oidc-provider serves, under a method it
 * does not: answered here, before anything of the route runs.
 */
export function methodNotAllowed(routers: readonly Router[], foreignRoutes: readonly ForeignRoute[]): Middleware {
  const foreign = new Map(foreignRoutes.map((route) => [route.path.toLowerCase(), new Set(route.methods)]));
  return async (ctx: Context, next: Next) => {
    const allowed = new Set<string>();
    let matchedPath = false;
    for (const router of routers) {
      const match = router.match(ctx.path, ctx.method);
      if (match.route) return next();
      for (const layer of match.path) {
        if (layer.methods.length === 0) continue;
        matchedPath = true;
        for (const method of layer.methods) allowed.add(method);
      }
    }
    const foreignMethods = foreign.get(ctx.path.toLowerCase().replace(/(.)\/$/, '$1'));
    if (foreignMethods) {
      if (foreignMethods.has(ctx.method)) return next();
      matchedPath = true;
      for (const method of foreignMethods) allowed.add(method);
    }
    if (!matchedPath) return next();
    const allow = [...allowed].sort().join(', ');
    throw new ApiError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${allow}`, 405, { Allow: allow });
  };
}
