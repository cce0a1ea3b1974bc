import type { Context, Next } from 'koa';

import type { AuditTrail } from '../audit/index.js';
import { setActor } from '../http/actor.js';
import { ApiError } from '../http/api-error.js';
import { bearerToken } from '../http/json-body.js';
import type { AccessTokenVerifier } from '../provider/index.js';
import type { ClientRecord } from '../storage/index.js';
import { createTokenMatcher } from '../secrets/index.js';
import { ADMIN_SCOPE } from './admin-resource.js';

export interface AdminAuthenticationDependencies {
  adminTokens: readonly string[];
  verifier: AccessTokenVerifier;
  /** The client as registered now: an administrator who took its admin access away is obeyed at once. */
  findClient: (clientId: string) => Promise<ClientRecord | undefined>;
  /** The admin API's resource identifier: the audience its access tokens carry. */
  adminResource: string;
  audit: AuditTrail;
}

const unauthorized = (description: string) =>
  new ApiError('invalid_token', description, 401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });

/**
 * Admits an ADMIN_TOKEN (any of the configured ones, compared in constant time) or an access token
 * of this server for the admin resource; sets ctx.state.actor. 401 without valid credentials, 403
 * for a valid token lacking the admin scope; every refusal is audited.
 */
export function adminAuthentication({ adminTokens, verifier, findClient, adminResource, audit }: AdminAuthenticationDependencies) {
  const matchAdminToken = createTokenMatcher(adminTokens);

  const refuse = async (ctx: Context, error: ApiError, detail: string): Promise<never> => {
    await audit.record({ actor: 'anonymous', action: 'admin.authenticate', outcome: 'failure', requestId: ctx.state.requestId, detail });
    throw error;
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
    // Only a client acting for itself (client credentials); a token a person signed in for is not an admin credential.
    if (claims.sub !== undefined && claims.sub !== claims.client_id) {
      return refuse(ctx, unauthorized('the admin API accepts client credentials tokens, not tokens issued to a person'), `token of client ${String(claims.client_id)} issued to a person`);
    }
    const client = await findClient(String(claims.client_id));
    if (!client || !stillHoldsAdminAccess(client, adminResource)) {
      return refuse(ctx, unauthorized('the token\'s client no longer holds admin access'), `token of client ${String(claims.client_id)} whose admin access was withdrawn`);
    }
    if (!String(claims.scope ?? '').split(' ').includes(ADMIN_SCOPE)) {
      return refuse(
        ctx,
        new ApiError('insufficient_scope', `the token lacks the ${ADMIN_SCOPE} scope`, 403, { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${ADMIN_SCOPE}"` }),
        `token of client ${String(claims.client_id)} without ${ADMIN_SCOPE}`,
      );
    }
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
