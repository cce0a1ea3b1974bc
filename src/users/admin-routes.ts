import type { Context } from 'koa';

import { ADMIN_PATH, applyMergePatch, assertValid, decodeCursor, filterValue, keysetPage, parseLimit, singleQueryValue } from '../api/index.js';
import type { AuditAction, AuditTrail } from '../audit/index.js';
import { actorOf } from '../http/actor.js';
import { ApiError } from '../http/api-error.js';
import type { GuardedRoutes } from '../http/routing.js';
import type { UserRecord } from '../storage/index.js';
import { PASSWORD_REQUEST_SCHEMA, USER_CREATE_REQUEST_SCHEMA, USER_REPLACE_REQUEST_SCHEMA } from './schemas.js';
import { editableView, userView, type UserAttributes, type UserDirectory } from './user-directory.js';

export interface UserRouteDependencies {
  /** Where the admin API is served (issuer + /admin), for Link headers. */
  baseUrl: string;
  directory: UserDirectory;
  audit: AuditTrail;
  /** Reads the JSON body (the admin API's reader: media type, size and depth checked). */
  jsonBody: (ctx: Context, mediaTypes?: string[]) => Promise<unknown>;
}

const noSuchUser = () => new ApiError('not_found', 'no such user', 404);

/** /admin/users: create, read, replace, merge-patch, delete, list; passwords, sessions and grants. */
export function addUserRoutes(admin: GuardedRoutes, { baseUrl, directory, audit, jsonBody }: UserRouteDependencies): void {
  const record = (ctx: Context, action: AuditAction, user: UserRecord, detail?: string) =>
    audit.record({
      actor: actorOf(ctx), action, outcome: 'success', requestId: ctx.state.requestId, detail: `user ${user.id}${detail ? ` ${detail}` : ''}`,
    });

  async function existingUser(ctx: Context): Promise<UserRecord> {
    const user = await directory.find(ctx.params.userId ?? '');
    if (!user) throw noSuchUser();
    return user;
  }

  admin.post(`${ADMIN_PATH}/users`, async (ctx) => {
    const { password, ...attributes } = assertValid<UserAttributes & { password?: string }>(USER_CREATE_REQUEST_SCHEMA, await jsonBody(ctx));
    const user = await directory.create(attributes, { password });
    await record(ctx, 'user.create', user);
    ctx.status = 201;
    ctx.set('Location', `${baseUrl}/users/${encodeURIComponent(user.id)}`);
    ctx.body = userView(user);
  });

  admin.get(`${ADMIN_PATH}/users`, async (ctx) => {
    const limit = parseLimit(singleQueryValue(ctx.query, 'limit'));
    const cursor = singleQueryValue(ctx.query, 'cursor');
    const filters = { username: filterValue(ctx.query, 'username'), email: filterValue(ctx.query, 'email'), group: filterValue(ctx.query, 'group') };
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const page = await directory.list({ limit: limit + 1, after: after && { createdAt: after.time, id: after.id }, ...filters });
    const { items, nextCursor, link } = keysetPage(
      page, limit, (user) => ({ time: user.createdAt, id: user.id }), (query) => `${baseUrl}/users?${query}`, filters,
    );
    if (link) ctx.set('Link', link);
    ctx.body = { users: items.map(userView), next_cursor: nextCursor };
  });

  admin.get(`${ADMIN_PATH}/users/:userId`, async (ctx) => {
    ctx.body = userView(await existingUser(ctx));
  });

  admin.put(`${ADMIN_PATH}/users/:userId`, async (ctx) => {
    const user = await existingUser(ctx);
    const attributes = assertValid<UserAttributes>(USER_REPLACE_REQUEST_SCHEMA, await jsonBody(ctx));
    const updated = await directory.replace(user, attributes);
    await record(ctx, 'user.update', user, disabledChange(user, updated));
    ctx.body = userView(updated);
  });

  admin.patch(`${ADMIN_PATH}/users/:userId`, async (ctx) => {
    const user = await existingUser(ctx);
    const patch = await jsonBody(ctx, ['application/merge-patch+json', 'application/json']);
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      throw new ApiError('invalid_request', '(body): a JSON Merge Patch must be an object');
    }
    const attributes = assertValid<UserAttributes>(USER_REPLACE_REQUEST_SCHEMA, applyMergePatch(editableView(user), patch));
    const updated = await directory.replace(user, attributes);
    await record(ctx, 'user.update', user, disabledChange(user, updated));
    ctx.body = userView(updated);
  });

  admin.delete(`${ADMIN_PATH}/users/:userId`, async (ctx) => {
    const user = await existingUser(ctx);
    if (!(await directory.delete(user))) throw noSuchUser();
    await record(ctx, 'user.delete', user);
    ctx.status = 204;
  });

  admin.post(`${ADMIN_PATH}/users/:userId/password`, async (ctx) => {
    const user = await existingUser(ctx);
    const { password } = assertValid<{ password: string }>(PASSWORD_REQUEST_SCHEMA, await jsonBody(ctx));
    await directory.setPassword(user, password);
    await record(ctx, 'user.password.set', user);
    ctx.status = 204;
  });

  admin.get(`${ADMIN_PATH}/users/:userId/sessions`, async (ctx) => {
    const user = await existingUser(ctx);
    ctx.body = {
      sessions: (await directory.sessions(user.id)).map((session) => ({
        id: session.id,
        signed_in_at: session.signedInAt?.toISOString() ?? null,
        expires_at: session.expiresAt?.toISOString() ?? null,
        clients: session.clients,
      })),
    };
  });

  admin.delete(`${ADMIN_PATH}/users/:userId/sessions`, async (ctx) => {
    const user = await existingUser(ctx);
    await directory.revokeSessions(user.id);
    await record(ctx, 'user.sessions.revoke', user, 'all');
    ctx.status = 204;
  });

  admin.delete(`${ADMIN_PATH}/users/:userId/sessions/:sessionId`, async (ctx) => {
    const user = await existingUser(ctx);
    if (!(await directory.revokeSessions(user.id, ctx.params.sessionId ?? ''))) throw new ApiError('not_found', 'no such session', 404);
    await record(ctx, 'user.sessions.revoke', user);
    ctx.status = 204;
  });

  admin.get(`${ADMIN_PATH}/users/:userId/grants`, async (ctx) => {
    const user = await existingUser(ctx);
    ctx.body = {
      grants: (await directory.grants(user.id)).map((grant) => ({
        id: grant.id,
        client_id: grant.clientId,
        scope: grant.scope,
        resources: grant.resources,
        expires_at: grant.expiresAt?.toISOString() ?? null,
      })),
    };
  });

  admin.delete(`${ADMIN_PATH}/users/:userId/grants/:grantId`, async (ctx) => {
    const user = await existingUser(ctx);
    if (!(await directory.revokeGrant(user.id, ctx.params.grantId ?? ''))) throw new ApiError('not_found', 'no such grant', 404);
    await record(ctx, 'user.grant.revoke', user);
    ctx.status = 204;
  });
}

function disabledChange(before: UserRecord, after: UserRecord): string | undefined {
  if (before.disabled === after.disabled) return undefined;
  return after.disabled ? 'disabled' : 'enabled';
}
