import type { AuditTrail } from './audit/index.js';
import type { Logger } from './logging/index.js';
import type { Platform } from './platform/index.js';
import type { Store } from './storage/index.js';

export interface MaintenanceDependencies {
  store: Store;
  audit: AuditTrail;
  logger: Logger;
  now: () => Date;
  /** Audit events older than this are deleted. */
  auditRetentionMs: number;
  /** A creation still pending after this was interrupted (longer than any creation can take). */
  repairAfterMs: number;
}

/**
 * The store's periodic upkeep: expired records (where the database has no TTL indexes),
 * interrupted registrations, audit retention, and the audit trail's failure summaries. Each task
 * fails on its own, logged; the next run tries again.
 */
export function createMaintenance({ store, audit, logger, now, auditRetentionMs, repairAfterMs }: MaintenanceDependencies): () => Promise<void> {
  const task = async (name: string, work: () => Promise<unknown>) => {
    try {
      const done = await work();
      if (typeof done === 'number' && done > 0) logger.info(name, { count: done });
    } catch (error) {
      logger.warn(`${name} failed`, { error });
    }
  };
  return async () => {
    const at = now();
    if (store.expiryMode === 'sweep') await task('expired records swept', () => sweepAll(store, at));
    await task('interrupted registrations rolled back', () => store.registrations.repair(new Date(at.getTime() - repairAfterMs), at));
    await task('audit events past retention deleted', () => store.audit.deleteBefore(new Date(at.getTime() - auditRetentionMs)));
    await task('audit failure summaries written', () => audit.flush());
  };
}

/** The sweep is done in bounded pieces (each within the store's timeout): as many as it takes, up to a cap that keeps one upkeep run finite. */
const MAX_SWEEP_PIECES = 1_000;

async function sweepAll(store: Store, at: Date): Promise<number> {
  let total = 0;
  for (let piece = 0; piece < MAX_SWEEP_PIECES; piece += 1) {
    const deleted = await store.sweepExpired(at);
    total += deleted;
    if (deleted === 0) break;
  }
  return total;
}

export interface Upkeep {
  /** Runs the upkeep now. */
  maintain(): Promise<void>;
  stop(): void;
}

/** The upkeep every sweepIntervalSeconds of the configuration (tests may set milliseconds), in the background. */
export function startUpkeep(
  { configuration, store, audit, logger, now }: Platform,
  timing: { sweepIntervalMs?: number | undefined; repairAfterMs?: number | undefined } = {},
): Upkeep {
  const maintain = createMaintenance({
    store,
    audit,
    logger,
    now,
    auditRetentionMs: configuration.audit.retentionDays * 86_400_000,
    repairAfterMs: timing.repairAfterMs ?? Math.max(120_000, 5 * configuration.storeTimeoutSeconds * 1000),
  });
  // A run that outlasts the interval (a sweep of millions of rows) is not joined by a second one.
  let running: Promise<void> | undefined;
  const interval = setInterval(() => {
    running ??= maintain().finally(() => {
      running = undefined;
    });
  }, timing.sweepIntervalMs ?? configuration.sweepIntervalSeconds * 1000);
  interval.unref();
  return { maintain, stop: () => clearInterval(interval) };
}
