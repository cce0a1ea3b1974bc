import { MongoStore } from './mongodb/mongodb-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { StoreObserver } from './guarded-store.js';
import type { Store } from './port.js';

export type * from './port.js';
export { PROFILE_CLAIM_NAMES, REGISTRATION_ACCESS_TOKEN_MODEL, caseInsensitiveKey } from './port.js';
export { CachedClientStore } from './cached-client-store.js';
export { createDirectories } from './directories.js';
export { CachedRevocations } from './cached-revocations.js';
export { MongoStore } from './mongodb/mongodb-store.js';
export { DuplicateClientError, DuplicateUserError, StoreUnavailableError, storeOutageOf } from './errors.js';
export type { StoreObserver } from './guarded-store.js';
export { SqliteStore } from './sqlite/sqlite-store.js';

/** MongoDB when mongodbUri is configured, the embedded SQLite store under dataDir otherwise. */
export async function openStore(
  configuration: { mongodbUri?: string | undefined; dataDir: string; storeTimeoutSeconds: number },
  observe?: StoreObserver,
  /** Work the store does on its own that failed (the embedded store's checkpointer): worth a log line, not a request's error. */
  onBackgroundError?: (message: string, error: unknown) => void,
): Promise<Store> {
  const options = { timeoutMs: configuration.storeTimeoutSeconds * 1000, observe };
  return configuration.mongodbUri
    ? MongoStore.connect(configuration.mongodbUri, options)
    : SqliteStore.open(configuration.dataDir, { ...options, onBackgroundError });
}
