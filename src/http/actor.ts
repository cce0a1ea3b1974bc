import type { Context } from 'koa';

import { ApiError } from './api-error.js';

/** Records who the caller is; only a guard that authenticated it calls this. */
export function setActor(ctx: Context, actor: string): void {
  ctx.state.actor = actor;
}

/**
 * Who the authenticated caller is, for the audit trail. A handler asks before doing anything, so
 * that a route reached without its guard refuses instead of acting as nobody.
 */
export function actorOf(ctx: Context): string {
  const actor: unknown = ctx.state.actor;
  if (typeof actor !== 'string' || actor === '' || actor === 'undefined') {
    throw new ApiError('invalid_token', 'authentication is required', 401, { 'WWW-Authenticate': 'Bearer' });
  }
  return actor;
}
