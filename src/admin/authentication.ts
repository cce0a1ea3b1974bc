import type { Context, Next } from 'koa';

import type { AuditTrail } from '../audit/index.js';
import { setActor } from '../http/actor.js';
import { GRANT_ID_CLAIM } from '../claims/index.js';
import { ApiError } from '../http/api-error.js';
import { bearerToken } from '../http/json-body.js';
import type { AccessTokenVerifier } from '../provider/index.js';
import type { ConsoleRole } from '../console/roles.js';
import type { ClientRecord, UserRecord } from '../storage/index.js';
import { createTokenMatcher } from '../secrets/index.js';
import { ADMIN_SCOPE } from '../api/index.js';

export interface AdminAuthenticationDependencies {
  adminTokens: readonly string[];
  verifier: AccessTokenVerifier;
  /** The client as registered now: an administrator who took its admin access away is obeyed at once. */
  findClient: (clientId: string) => Promise<ClientRecord | undefined>;
  /** The admin API's resource identifier: the audience its access tokens carry. */
  adminResource: string;
  audit: AuditTrail;
  /** Sign-ins to the admin console: its client, and the role a user holds now (none: not an administrator). */
  consoleSignIns?: {
    clientId: string;
    roleOf: (userId: string) => Promise<{ role: ConsoleRole; user: UserRecord } | undefined>;
    /** Whether the grant a console token was issued under stands (revoked with the grant, a new password, a disabled user). */
    isLiveGrant: (grantId: string) => Promise<boolean>;
  } | undefined;
}

/** Who called the admin API, for GET /admin/me and the read-only rule. */
export interface AdminCaller {
  role: ConsoleRole;
  user?: UserRecord;
}

/** Methods that change nothing: all a read-only administrator may use. */
const READING_METHODS = new Set(['GET', 'HEAD']);

export const callerOf = (ctx: Context): AdminCaller => (ctx.state.adminCaller as AdminCaller | undefined) ?? { role: 'full' };

const unauthorized = (description: string) =>
  new ApiError('invalid_token', description, 401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });

/**
 * Admits an ADMIN_TOKEN (any of the configured ones, compared in constant time), a client
 * credentials access token of this server for the admin resource, or the access token of an
 * administrator signed in to the console; sets ctx.state.actor. 401 without valid credentials,
 * 403 for a valid token lacking the admin scope, for a console user who is no administrator (now),
 * and for a change by a read-only administrator; every refusal is audited.
 */
export function adminAuthentication({ adminTokens, verifier, findClient, adminResource, audit, consoleSignIns }: AdminAuthenticationDependencies) {
  const matchAdminToken = createTokenMatcher(adminTokens);

  const refuse = async (ctx: Context, error: ApiError, detail: string, actor = 'anonymous'): Promise<never> => {
    await audit.record({ actor, action: 'admin.authenticate', outcome: 'failure', requestId: ctx.state.requestId, detail });
    throw error;
  };
  const forbidden = (description: string) => new ApiError('access_denied', description, 403);
  const lacksAdminScope = (claims: Record<string, unknown>) => !String(claims.scope ?? '').split(' ').includes(ADMIN_SCOPE);
  const insufficientScope = () =>
    new ApiError('insufficient_scope', `the token lacks the ${ADMIN_SCOPE} scope`, 403, { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${ADMIN_SCOPE}"` });

  /** A person signed in to the console: an administrator only while in an administrators' group. */
  const admitConsoleUser = async (ctx: Context, claims: Record<string, unknown>, signIns: NonNullable<typeof consoleSignIns>): Promise<void> => {
    const userId = String(claims.sub);
    const actor = `user:${userId}`;
    const grantId = claims[GRANT_ID_CLAIM];
    if (typeof grantId !== 'string' || !(await signIns.isLiveGrant(grantId))) {
      return refuse(ctx, unauthorized('the sign-in this token was issued under has ended'), 'console token of a revoked grant', actor);
    }
    if (lacksAdminScope(claims)) return refuse(ctx, insufficientScope(), `console token without ${ADMIN_SCOPE}`, actor);
    const held = await signIns.roleOf(userId);
    if (!held) return refuse(ctx, forbidden('the signed-in user is not an administrator'), 'console user in no administrators\' group', actor);
    if (held.role === 'read-only' && !READING_METHODS.has(ctx.method)) {
      return refuse(ctx, forbidden('read-only administrators cannot change anything'), `read-only administrator tried ${ctx.method} ${ctx.path}`, actor);
    }
    setActor(ctx, actor);
    ctx.state.adminCaller = { role: held.role, user: held.user } satisfies AdminCaller;
  };

  return async (ctx: Context, next: Next): Promise<void> => {
    const token = bearerToken(ctx);
    if (token === undefined) return refuse(ctx, unauthorized('a bearer token is required'), 'missing credentials');

    const adminIndex = matchAdminToken(token);
    if (adminIndex >= 0) {
      setActor(ctx, `admin-token#${adminIndex + 1}`);
      return next();
    }

    const claims = await verifier.active(token, adminResource);
    if (!claims) return refuse(ctx, unauthorized('the token is not valid for the admin API'), 'invalid token');
    // A sender-constrained token (DPoP, mTLS) is no bearer token: without its proof it is refused.
    if (claims.cnf !== undefined) return refuse(ctx, unauthorized('sender-constrained tokens are not accepted as bearer tokens'), 'sender-constrained token');
    // A token a person signed in for is an admin credential only through the console (and the
    // resource indicators issue the admin resource to no other sign-in); otherwise, a client acting for itself.
    if (claims.sub !== undefined && claims.sub !== claims.client_id) {
      if (consoleSignIns !== undefined && claims.client_id === consoleSignIns.clientId) {
        await admitConsoleUser(ctx, claims, consoleSignIns);
        return next();
      }
      return refuse(ctx, unauthorized('the admin API accepts client credentials tokens, not tokens issued to a person'), `token of client ${String(claims.client_id)} issued to a person`);
    }
    const client = await findClient(String(claims.client_id));
    if (!client || !stillHoldsAdminAccess(client, adminResource)) {
      return refuse(ctx, unauthorized('the token\'s client no longer holds admin access'), `token of client ${String(claims.client_id)} whose admin access was withdrawn`);
    }
    if (lacksAdminScope(claims)) return refuse(ctx, insufficientScope(), `token of client ${String(claims.client_id)} without ${ADMIN_SCOPE}`);
    setActor(ctx, `client:${String(claims.client_id)}`);
    return next();
  };
}

/** Whether the client is, as registered now, entitled to admin tokens: the scope, and the admin resource. */
function stillHoldsAdminAccess(client: ClientRecord, adminResource: string): boolean {
  const scopes = typeof client.metadata.scope === 'string' ? client.metadata.scope.split(' ') : [];
  const allowed = client.metadata.allowed_resources;
  return scopes.includes(ADMIN_SCOPE) && (!Array.isArray(allowed) || allowed.includes(adminResource));
}
