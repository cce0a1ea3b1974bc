import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

import type { JSONWebKeySet, JWK, JWTPayload } from 'jose';

import type { RevocationStore } from '../storage/index.js';
import { isSupportedJwsAlgorithm, jwsVerify } from './jws-algorithms.js';
import type { IssuedUnderCurrentRegistration } from './token-liveness.js';

export interface AccessTokenVerifierDependencies {
  issuer: string;
  /**
   * The published signing keys, read on every call so that key changes need no restart. The
   * same array (by identity) for as long as the keys do not change.
   */
  publicKeys: () => JSONWebKeySet['keys'];
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

interface VerificationKey {
  key: KeyObject;
  alg: string;
}

const decodeJson = (segment: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

const isAccessTokenType = (typ: unknown) => typeof typ === 'string' && /^(application\/)?at\+jwt$/i.test(typ);

/**
 * Validates this server's RFC 9068 JWT access tokens, the way introspection and the admin API need:
 * with node:crypto on public keys imported once per key set (the hot path of
 * introspection), checking typ, alg (the key's own), signature, iss, exp, nbf and, when asked, aud.
 */
export function createAccessTokenVerifier(dependencies: AccessTokenVerifierDependencies): AccessTokenVerifier {
  const { issuer, publicKeys, revocations, issuedUnderCurrentRegistration, now } = dependencies;
  let loaded: { source: JSONWebKeySet['keys']; byKid: Map<string, VerificationKey> } | undefined;
  const keysByKid = () => {
    const source = publicKeys();
    if (loaded?.source !== source) {
      const byKid = new Map<string, VerificationKey>();
      for (const jwk of source as JWK[]) {
        if (typeof jwk.kid !== 'string' || typeof jwk.alg !== 'string' || !isSupportedJwsAlgorithm(jwk.alg)) continue;
        byKid.set(jwk.kid, { key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), alg: jwk.alg });
      }
      loaded = { source, byKid };
    }
    return loaded.byKid;
  };

  async function authenticOwn(token: string, audience?: string): Promise<JWTPayload | undefined> {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
    const header = decodeJson(encodedHeader);
    if (!header || !isAccessTokenType(header.typ) || typeof header.kid !== 'string' || header.crit !== undefined) return undefined;
    const key = keysByKid().get(header.kid);
    if (!key || header.alg !== key.alg) return undefined;
    let valid = false;
    try {
      valid = await jwsVerify(key.alg, Buffer.from(`${encodedHeader}.${encodedPayload}`), key.key, Buffer.from(encodedSignature, 'base64url'));
    } catch {
      return undefined;
    }
    if (!valid) return undefined;
    const payload = decodeJson(encodedPayload) as JWTPayload | undefined;
    if (!payload || payload.iss !== issuer) return undefined;
    const nowSeconds = Math.floor(now().getTime() / 1000);
    if (typeof payload.exp !== 'number' || payload.exp <= nowSeconds) return undefined;
    if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > nowSeconds)) return undefined;
    if (payload.iat !== undefined && typeof payload.iat !== 'number') return undefined;
    if (audience !== undefined) {
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audiences.includes(audience)) return undefined;
    }
    return typeof payload.client_id === 'string' && typeof payload.jti === 'string' ? payload : undefined;
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
