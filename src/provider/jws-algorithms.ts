import { sign, verify, type KeyObject } from 'node:crypto';

/**
 * The JWS algorithms this server signs access tokens with, as node:crypto runs them (ES256 as raw
 * r||s, as JWS wants it), in the callback form: on libuv's thread pool, so that signing and
 * verifying use the second core while the event loop serves requests (docs/performance.md).
 */
const NODE_ALGORITHMS: Record<string, { digest: string | null; options: { dsaEncoding?: 'ieee-p1363' } }> = {
  RS256: { digest: 'sha256', options: {} },
  ES256: { digest: 'sha256', options: { dsaEncoding: 'ieee-p1363' } },
  EdDSA: { digest: null, options: {} },
};

export const isSupportedJwsAlgorithm = (alg: string): boolean => alg in NODE_ALGORITHMS;

/** The JWS signature of data; rejects for an algorithm this server does not sign with. */
export function jwsSign(alg: string, data: Buffer, key: KeyObject): Promise<Buffer> {
  const algorithm = NODE_ALGORITHMS[alg];
  if (!algorithm) return Promise.reject(new Error(`unsupported JWS algorithm ${alg}`));
  return new Promise((resolve, reject) => sign(algorithm.digest, data, { key, ...algorithm.options }, (error, signature) => (error ? reject(error) : resolve(signature))));
}

/** Whether signature is data's JWS signature under key; rejects for an algorithm this server does not sign with. */
export function jwsVerify(alg: string, data: Buffer, key: KeyObject, signature: Buffer): Promise<boolean> {
  const algorithm = NODE_ALGORITHMS[alg];
  if (!algorithm) return Promise.reject(new Error(`unsupported JWS algorithm ${alg}`));
  return new Promise((resolve, reject) => verify(algorithm.digest, data, { key, ...algorithm.options }, signature, (error, valid) => (error ? reject(error) : resolve(valid))));
}
