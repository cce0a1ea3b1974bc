import type { KoaContextWithOIDC } from 'oidc-provider';

import type { RevocationStore } from '../storage/index.js';
import type { AccessTokenVerifier } from './access-token-verifier.js';
import type { IssuedUnderCurrentRegistration } from './token-liveness.js';
import { GRANT_ID_CLAIM } from '../claims/index.js';

export interface StructuredTokenDependencies {
  verifier: AccessTokenVerifier;
  revocations: RevocationStore;
  issuedUnderCurrentRegistration: IssuedUnderCurrentRegistration;
  /** Whether the user a token was issued for still exists and is enabled. */
  isActiveUser: (userId: string) => Promise<boolean>;
  /** Whether the grant a person's token was issued under still stands. */
  isLiveGrant: (grantId: string) => Promise<boolean>;
  /** Told of every introspection answer (for metrics). */
  onIntrospected?: ((active: boolean) => void) | undefined;
}

const INACTIVE = Object.freeze({ active: false });

/** oidc-provider's wording for the same refusal of an opaque token (see revocationAllowedPolicy). */
export const FOREIGN_TOKEN = 'client is not authorized to revoke the presented token';

export type JwtIntrospection = (token: string) => Promise<Record<string, unknown>>;

/**
 * The RFC 7662 answer for one of our JWT access tokens: active while authentic, unexpired, not
 * revoked, issued under its client's current registration and, for a person's token, while the
 * user is enabled and its grant stands.
 */
export function jwtIntrospection({ verifier, isActiveUser, isLiveGrant }: Pick<StructuredTokenDependencies, 'verifier' | 'isActiveUser' | 'isLiveGrant'>): JwtIntrospection {
  return async (token) => {
    const payload = await verifier.active(token);
    if (!payload) return INACTIVE;
    const issuedToPerson = typeof payload.sub === 'string' && payload.sub !== payload.client_id;
    if (issuedToPerson && !(await personStillEntitled({ isActiveUser, isLiveGrant }, payload))) return INACTIVE;
    return { ...payload, active: true, token_type: 'Bearer' };
  };
}

/** A person's token: its user is enabled and its grant stands (tokens issued before grant_id existed carry none). */
async function personStillEntitled(
  { isActiveUser, isLiveGrant }: Pick<StructuredTokenDependencies, 'isActiveUser' | 'isLiveGrant'>, claims: Record<string, unknown>,
): Promise<boolean> {
  return (await isActiveUser(claims.sub as string)) && (typeof claims[GRANT_ID_CLAIM] !== 'string' || (await isLiveGrant(claims[GRANT_ID_CLAIM] as string)));
}

/**
 * RFC 7662 introspection and RFC 7009 revocation of JWT access tokens, which oidc-provider's own
 * endpoints refuse with unsupported_token_type. The provider still authenticates the client and
 * answers for opaque tokens; this middleware runs around it and answers for JWTs, after client
 * authentication has passed (the only case in which oidc-provider gets as far as that error).
 * It also makes introspection report a token inactive when its client was deleted, or deleted and
 * registered again since (a reused client_id), for both formats.
 */
export function structuredTokenSupport(dependencies: StructuredTokenDependencies) {
  const { verifier, revocations, issuedUnderCurrentRegistration } = dependencies;
  const introspect = jwtIntrospection(dependencies);
  /** Requests whose token oidc-provider refused as structured (its unsupported_token_type error), whatever body it rendered. */
  const refusedAsStructured = new WeakSet<object>();

  /** False when the token belongs to another client (RFC 7009 §2.1: the request is refused). */
  async function revoke(token: string, requestingClientId: string): Promise<boolean> {
    const payload = await verifier.authenticOwn(token);
    if (!payload || payload.exp === undefined) return true;
    if (payload.client_id !== requestingClientId) return false;
    await revocations.revoke(payload.jti!, new Date(payload.exp * 1000));
    return true;
  }

  /** oidc-provider's introspection.error and revocation.error events. */
  function onEndpointError(ctx: KoaContextWithOIDC, error: { error?: string }): void {
    if (error.error === 'unsupported_token_type') refusedAsStructured.add(ctx);
  }

  /** Runs after oidc-provider's introspection and revocation routes answered. */
  async function afterRoute(ctx: KoaContextWithOIDC): Promise<void> {
    const route = ctx.oidc?.route;
    if (route !== 'introspection' && route !== 'revocation') return;
    await answer(ctx, route);
    const body = ctx.body as Record<string, unknown> | undefined;
    if (route === 'introspection' && ctx.status === 200 && body !== undefined) dependencies.onIntrospected?.(body.active === true);
  }

  async function answer(ctx: KoaContextWithOIDC, route: 'introspection' | 'revocation'): Promise<void> {
    const client = ctx.oidc.client;
    const token = ctx.oidc.params?.token;

    if (refusedAsStructured.has(ctx) && client && typeof token === 'string') {
      // Whatever oidc-provider rendered for its refusal (JSON or an HTML page) is replaced.
      ctx.remove('Content-Type');
      if (route === 'introspection') {
        ctx.status = 200;
        ctx.type = 'json';
        ctx.body = await introspect(token);
      } else if (await revoke(token, client.clientId)) {
        ctx.status = 200;
        ctx.body = '';
      } else {
        ctx.type = 'json';
        ctx.body = { error: 'invalid_request', error_description: FOREIGN_TOKEN };
      }
      return;
    }

    const body = ctx.body as Record<string, unknown> | undefined;
    if (route === 'introspection' && ctx.status === 200 && body?.active === true && !(await stillValid(body))) ctx.body = INACTIVE;
  }

  /** Its client holds the registration it was issued under, and the person it was issued to (if any) is still an enabled user. */
  async function stillValid(claims: Record<string, unknown>): Promise<boolean> {
    if (!(await issuedUnderCurrentRegistration(String(claims.client_id), typeof claims.iat === 'number' ? claims.iat : undefined))) return false;
    const issuedToPerson = typeof claims.sub === 'string' && claims.sub !== claims.client_id;
    return !issuedToPerson || personStillEntitled(dependencies, claims);
  }

  return { afterRoute, onEndpointError };
}
