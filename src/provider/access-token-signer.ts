import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';

import type { JWK } from 'jose';

import { isSupportedJwsAlgorithm, jwsSign } from './jws-algorithms.js';

export interface AccessTokenSigner {
  /** An RFC 9068 JWT (typ at+jwt) signed with the key oidc-provider would choose for alg; undefined when there is none. */
  sign(alg: string, payload: Record<string, unknown>): Promise<string | undefined>;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs access tokens with node:crypto on private keys imported once per key set, rather than
 * through WebCrypto (jose, inside oidc-provider, which imports and wraps keys per call). The
 * key for an algorithm is the first of the published private JWKs with that alg, the one
 * oidc-provider's keystore selects (the key ring lists each algorithm's signing key first).
 */
export function createAccessTokenSigner(privateJwks: () => readonly JWK[]): AccessTokenSigner {
  let loaded: { source: readonly JWK[]; byAlg: Map<string, { key: KeyObject; kid: string }> } | undefined;
  const keyFor = (alg: string) => {
    const source = privateJwks();
    if (loaded?.source !== source) {
      const byAlg = new Map<string, { key: KeyObject; kid: string }>();
      for (const jwk of source) {
        if (typeof jwk.alg !== 'string' || typeof jwk.kid !== 'string' || byAlg.has(jwk.alg) || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
        byAlg.set(jwk.alg, { key: createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }), kid: jwk.kid });
      }
      loaded = { source, byAlg };
    }
    return loaded.byAlg.get(alg);
  };

  return {
    async sign(alg, payload) {
      const key = keyFor(alg);
      if (!isSupportedJwsAlgorithm(alg) || !key) return undefined;
      const signingInput = `${encode({ alg, typ: 'at+jwt', kid: key.kid })}.${encode(payload)}`;
      return `${signingInput}.${(await jwsSign(alg, Buffer.from(signingInput), key.key)).toString('base64url')}`;
    },
  };
}
