import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

import type { SigningAlgorithm } from '../configuration/index.js';
import type { SecretBox } from '../secrets/index.js';
import type { SigningKeyStore, StoredSigningKey } from '../storage/index.js';

export interface SigningKeySet {
  /** Private JWKs, oldest first (oidc-provider signs with the first key of an algorithm). */
  privateJwks: JWK[];
  /** The public halves, as published at jwks_uri. */
  publicJwks: JWK[];
}

async function generateSigningKey(alg: SigningAlgorithm, generation: number, now: Date, box: SecretBox): Promise<StoredSigningKey> {
  const options = alg === 'EdDSA' ? { extractable: true, crv: 'Ed25519' } : alg === 'RS256' ? { extractable: true, modulusLength: 2048 } : { extractable: true };
  const { privateKey, publicKey } = await generateKeyPair(alg, options);
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    generation,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    sealedPrivateJwk: box.seal(JSON.stringify(privateJwk)),
    createdAt: now,
  };
}

/**
 * Loads the signing keys, generating and storing one for every required algorithm that has none.
 * Instances racing on an empty store all try to insert generation 1 of an algorithm; the store
 * keeps one, and every instance reads back the same set.
 */
export async function ensureSigningKeys(
  store: SigningKeyStore,
  box: SecretBox,
  algorithms: ReadonlySet<SigningAlgorithm>,
  now: () => Date,
): Promise<SigningKeySet> {
  const existing = new Set((await store.list()).map((key) => key.alg));
  for (const alg of algorithms) {
    if (!existing.has(alg)) await store.insert(await generateSigningKey(alg, 1, now(), box));
  }
  const keys = await store.list();
  return {
    privateJwks: keys.map((key) => JSON.parse(box.open(key.sealedPrivateJwk)) as JWK),
    publicJwks: keys.map((key) => key.publicJwk as JWK),
  };
}
