// What the environment asks of a scale run, read once: the report's header repeats it.
import { positiveIntegerFromEnv } from '../bench/settings.js';

export type ScaleBackend = 'sqlite' | 'mongodb';

export interface ScaleSettings {
  /** BENCH_SCALE_CLIENTS: the numbers of registered clients measured, in increasing order. */
  clientSizes: number[];
  /** BENCH_SCALE_TOKENS: opaque tokens stored at once before the expiry run. */
  tokens: number;
  backends: ScaleBackend[];
  /** Seconds of load per scenario and size, after warmupSeconds not counted (JIT, connections). */
  seconds: number;
  warmupSeconds: number;
  /** Seconds between the bulk write of tokens and the first of them expiring (the restart comes between). */
  expiryLeadSeconds: number;
  connections: number;
  /** Lifetime of the opaque tokens of the expiry run (seconds). */
  tokenTtlSeconds: number;
  /** How long tokens are issued while the stored ones expire (seconds). */
  steadySeconds: number;
  /** Minutes of mixed load at the largest size, RSS read after each. */
  soakMinutes: number;
  /** How often the server sweeps expired records (seconds; the product's default is 60). */
  sweepIntervalSeconds: number;
  /** BENCH_SCALE_CLIENT_CACHE: the server's clientCacheEntries; unset, the product's default (10,000). */
  clientCacheEntries: number | undefined;
}

function nonNegativeIntegerFromEnv(name: string, fallback: number): number {
  return process.env[name] === '0' ? 0 : positiveIntegerFromEnv(name, fallback);
}

function listFromEnv(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback).split(',').map((item) => item.trim()).filter(Boolean);
}

export function scaleSettingsFromEnvironment(): ScaleSettings {
  const clientSizes = listFromEnv('BENCH_SCALE_CLIENTS', '10000,100000,1000000').map((size) => {
    if (!/^[1-9]\d*$/.test(size)) throw new Error(`BENCH_SCALE_CLIENTS must list positive integers, got "${size}"`);
    return Number(size);
  });
  if (clientSizes.some((size, index) => index > 0 && size <= clientSizes[index - 1]!)) throw new Error('BENCH_SCALE_CLIENTS must increase');
  const backends = listFromEnv('BENCH_SCALE_BACKENDS', 'sqlite,mongodb').map((backend) => {
    if (backend !== 'sqlite' && backend !== 'mongodb') throw new Error(`BENCH_SCALE_BACKENDS: unknown backend "${backend}" (sqlite, mongodb)`);
    return backend;
  });
  return {
    clientSizes,
    tokens: positiveIntegerFromEnv('BENCH_SCALE_TOKENS', 10_000_000),
    backends,
    seconds: positiveIntegerFromEnv('BENCH_SCALE_SECONDS', 10),
    warmupSeconds: nonNegativeIntegerFromEnv('BENCH_SCALE_WARMUP_SECONDS', 1),
    expiryLeadSeconds: nonNegativeIntegerFromEnv('BENCH_SCALE_EXPIRY_LEAD_SECONDS', 60),
    connections: positiveIntegerFromEnv('BENCH_SCALE_CONNECTIONS', 16),
    tokenTtlSeconds: positiveIntegerFromEnv('BENCH_SCALE_TOKEN_TTL', 60),
    steadySeconds: positiveIntegerFromEnv('BENCH_SCALE_STEADY_SECONDS', 300),
    soakMinutes: nonNegativeIntegerFromEnv('BENCH_SCALE_SOAK_MINUTES', 3),
    sweepIntervalSeconds: positiveIntegerFromEnv('BENCH_SCALE_SWEEP_SECONDS', 60),
    clientCacheEntries: process.env.BENCH_SCALE_CLIENT_CACHE === undefined ? undefined : positiveIntegerFromEnv('BENCH_SCALE_CLIENT_CACHE', 10_000),
  };
}
