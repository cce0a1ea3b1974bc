import type { SigningAlgorithm } from '../configuration/index.js';
import type { Platform } from '../platform/index.js';
import { KeyRing } from './key-ring.js';

/**
 * The signing keys: one ring per server, with every algorithm a resource server signs with (and
 * RS256 for ID tokens), each key kept until the longest token it signed has expired.
 */
export async function createKeysModule({ configuration, store, secrets, resourceServers, metrics, now, logger }: Platform): Promise<KeyRing> {
  const longestTokenLifetime = (alg: string) =>
    Math.max(0, ...resourceServers.filter((server) => server.signingAlg === alg).map((server) => server.accessTokenTtl));
  const keyRing = new KeyRing(
    store.signingKeys,
    secrets.box,
    new Set<SigningAlgorithm>(['RS256', ...resourceServers.map((server) => server.signingAlg)]),
    {
      prePublishSeconds: configuration.keys.prePublishSeconds,
      retentionSeconds: (alg) => longestTokenLifetime(alg) + configuration.keys.removalDelaySeconds,
      pollSeconds: configuration.keys.pollSeconds,
    },
    now,
    logger,
  );
  await keyRing.initialize();
  metrics.watchSigningKeys(() => keyRing.list(), now);
  return keyRing;
}
