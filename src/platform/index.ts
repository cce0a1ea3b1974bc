import { ADMIN_SCOPE, adminResourceServer } from '../api/index.js';
import { AuditTrail } from '../audit/index.js';
import type { Configuration, ResourceServerConfig } from '../configuration/index.js';
import type { Logger } from '../logging/index.js';
import { createMetrics, type Metrics } from '../metrics/index.js';
import { SecretBox, SecretHasher } from '../secrets/index.js';
import { CachedClientStore, CachedRevocations, type Store } from '../storage/index.js';
import { resolveMasterSecret } from './master-secret.js';

/**
 * What every module of the server stands on, built once (the registry of Hydra's packages): the
 * configuration, the store and its caches, the secrets derived from the master secret, the audit
 * trail, the metrics, the clock, and the resource servers (the configured ones and the admin API).
 */
export interface Platform {
  configuration: Configuration;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  secrets: PlatformSecrets;
  audit: AuditTrail;
  /** The client store to read through (a cache in front of store.clients). */
  clients: CachedClientStore;
  /** Revoked JWT ids (a cache in front of store.revocations). */
  revocations: CachedRevocations;
  /** The configured resource servers and the admin API's, last. */
  resourceServers: ResourceServerConfig[];
  adminApi: { resource: string; scope: string };
  /** Counts an audited action in the metrics, by kind of actor. */
  countAudited(record: { action: string; outcome: 'success' | 'failure'; actor: string }): void;
}

export interface PlatformSecrets {
  masterSecret: string;
  /** Encrypts what must be recovered (signing keys, pending secrets). */
  box: SecretBox;
  /** Hashes what only needs comparing (client secrets, tokens). */
  hasher: SecretHasher;
}

export interface PlatformDependencies {
  configuration: Configuration;
  store: Store;
  logger: Logger;
  /** Where requests and store operations are counted (a fresh registry when absent). */
  metrics?: Metrics | undefined;
  now: () => Date;
}

export function createPlatform({ configuration, store, logger, metrics = createMetrics({ backend: store.backend }), now }: PlatformDependencies): Platform {
  const masterSecret = resolveMasterSecret(configuration);
  const countAudited = (record: { action: string; outcome: 'success' | 'failure'; actor: string }) =>
    metrics.audited(record.action, record.outcome, actorKind(record.actor));
  // The embedded store has one process, so what it caches is exact; instances sharing MongoDB see
  // each other's changes within clientCacheSeconds.
  const cacheMs = store.backend === 'sqlite' ? Number.POSITIVE_INFINITY : configuration.clientCacheSeconds * 1000;
  const clock = () => now().getTime();
  const adminResource = adminResourceServer(configuration.issuer);
  return {
    configuration,
    store,
    logger,
    metrics,
    now,
    secrets: { masterSecret, box: new SecretBox(masterSecret), hasher: new SecretHasher(masterSecret) },
    audit: new AuditTrail(store.audit, logger, now, configuration.audit.failuresPerMinute, countAudited),
    clients: new CachedClientStore(store.clients, cacheMs, clock, configuration.clientCacheEntries),
    revocations: new CachedRevocations(store.revocations, cacheMs, clock),
    resourceServers: [...configuration.resourceServers, adminResource],
    adminApi: { resource: adminResource.resource, scope: ADMIN_SCOPE },
    countAudited,
  };
}

const ACTOR_KINDS = new Set(['admin-token', 'client', 'registration', 'konnect', 'user', 'anonymous', 'configuration', 'maintenance']);

/** The kind of an audit actor ("admin-token#1" -> admin-token, "client:abc" -> client): a bounded metrics label. */
function actorKind(actor: string): string {
  const kind = /^[a-z-]+/.exec(actor)?.[0] ?? 'other';
  return ACTOR_KINDS.has(kind) ? kind : 'other';
}
