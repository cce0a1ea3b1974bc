import cluster, { type Worker } from 'node:cluster';

import type { Configuration } from './configuration/index.js';
import type { Logger } from './logging/index.js';

/** What a worker tells the primary once it serves requests. */
export const WORKER_READY = 'dcr:worker-ready';

const RESTART_DELAY_MS = 1_000;

/**
 * The primary of a cluster: starts `cluster.workers` workers (each the whole server, sharing the
 * port), restarts one that dies after it served, and on SIGTERM/SIGINT stops them all, each
 * draining its own connections. A worker that dies before it was ready (a port in use, a bad
 * store) stops the whole cluster with its exit code: restarting it would only fail again.
 */
export function runClusterPrimary(configuration: Configuration, logger: Logger): void {
  let stopping = false;
  const ready = new WeakSet<Worker>();

  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: unknown) => {
      if (message === WORKER_READY) ready.add(worker);
    });
    worker.on('exit', (code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
        return;
      }
      if (!ready.has(worker)) {
        logger.error('a worker stopped before it was ready; stopping the cluster', { code, signal });
        stopAll(code ?? 1);
        return;
      }
      logger.warn('a worker stopped; starting another', { code, signal });
      setTimeout(fork, RESTART_DELAY_MS).unref();
    });
  };

  const stopAll = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    if (workers.length === 0) process.exit(exitCode);
    for (const worker of workers) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const worker of workers) worker.process.kill('SIGKILL');
      process.exit(exitCode || 1);
    }, (configuration.http.shutdownGraceSeconds + 5) * 1000).unref();
  };

  for (let index = 0; index < configuration.cluster.workers; index += 1) fork();
  logger.info('cluster started', { workers: configuration.cluster.workers, port: configuration.port });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      logger.info('shutting down the cluster', { signal });
      stopAll(0);
    });
  }
}

/** In a worker of a cluster, tells the primary that this worker serves requests. */
export function reportReady(): void {
  if (cluster.isWorker) process.send?.(WORKER_READY);
}

export const isClusterPrimary = (configuration: Configuration) => configuration.cluster.workers > 1 && cluster.isPrimary;
