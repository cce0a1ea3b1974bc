import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';

import type { RevocationStore } from '../storage/index.js';
import type { IssuedUnderCurrentRegistration } from './token-liveness.js';

export interface AccessTokenVerifierDependencies {
  issuer: string;
  /** The published signing keys; read on every call so that key changes need no restart. */
  publicKeys: () => JSONWebKeySet;
  revocations: RevocationStore;
  issuedUnderCurrentRegistration: IssuedUnderCurrentRegistration;
  now: () => Date;
}

export interface AccessTokenVerifier {
  /** The claims of a JWT access token this server issued, whatever its state; undefined if it did not issue it. */
  authenticOwn(token: string): Promise<JWTPayload | undefined>;
  /** The claims of an active JWT access token: authentic, unexpired, not revoked, issued under its client's current registration. */
  active(token: string, audience?: string): Promise<JWTPayload | undefined>;
}

/** Validates this server's RFC 9068 JWT access tokens, the way introspection and the admin API need. */
export function createAccessTokenVerifier(dependencies: AccessTokenVerifierDependencies): AccessTokenVerifier {
  const { issuer, publicKeys, revocations, issuedUnderCurrentRegistration, now } = dependencies;
  let keySet: { source: JSONWebKeySet; keys: ReturnType<typeof createLocalJWKSet> } | undefined;
  const verificationKeys = () => {
    const source = publicKeys();
    if (keySet?.source !== source) keySet = { source, keys: createLocalJWKSet(source) };
    return keySet.keys;
  };

  async function authenticOwn(token: string, audience?: string): Promise<JWTPayload | undefined> {
    try {
      const { payload } = await jwtVerify(token, verificationKeys(), {
        issuer, typ: 'at+jwt', currentDate: now(), ...(audience === undefined ? {} : { audience }),
      });
      return typeof payload.client_id === 'string' && typeof payload.jti === 'string' ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    authenticOwn: (token) => authenticOwn(token),
    async active(token, audience) {
      const payload = await authenticOwn(token, audience);
      if (!payload) return undefined;
      if (await revocations.isRevoked(payload.jti!, now())) return undefined;
      if (!(await issuedUnderCurrentRegistration(payload.client_id as string, payload.iat))) return undefined;
      return payload;
    },
  };
}
