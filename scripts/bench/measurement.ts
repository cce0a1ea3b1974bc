// From load to numbers: one measured round of one server (its warm-up excluded, the server's CPU,
// store and database time sampled around it), and the rounds of a server combined into one row.
import { generateLoad, type LoadResult } from './load.js';
import { processTreeCpuSeconds } from './proc-sampler.js';
import type { ClientCredentials, LoadRequest } from './requests.js';
import type { Backend, RunningServer } from './servers.js';
import { WARMUP_SECONDS, type Settings } from './settings.js';

export interface Measurement {
  /** 2xx responses per second. */
  requestsPerSecond: number;
  /** 2xx responses in the measured run. */
  requests: number;
  /** CPU time (user + system) the server's processes used during the measured run. */
  cpuSeconds: number | undefined;
  /** Time spent in store operations during the measured run (from the server's /metrics). */
  storeSeconds: number | undefined;
  /** CPU time (user + system) the database server used during the measured run, when it runs here. */
  databaseCpuSeconds: number | undefined;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  otherStatuses: string;
  errorKinds: string;
}

/** One line of a table: a scenario on one server, measured or failed. */
export interface Row {
  scenario: string;
  backend: Backend;
  measurement?: Measurement;
  failure?: string;
  note?: string;
}

export interface Round {
  load: LoadResult;
  cpuSeconds: number | undefined;
  storeSeconds: number | undefined;
  databaseCpuSeconds: number | undefined;
}

export const difference = (before: number | undefined, after: number | undefined) => (before === undefined || after === undefined ? undefined : after - before);

/** One measured run of one server; the warm-up before it is not counted. */
export async function measureRound(server: RunningServer, client: ClientCredentials, request: LoadRequest, settings: Settings): Promise<Round> {
  await generateLoad(server, client, request, WARMUP_SECONDS, settings.connections);
  const cpuBefore = processTreeCpuSeconds(server.pid);
  const databaseCpuBefore = processTreeCpuSeconds(server.databasePid);
  const storeBefore = server.hasMetrics ? await storeSecondsOf(server) : undefined;
  const load = await generateLoad(server, client, request, settings.durationSeconds, settings.connections);
  const cpuAfter = processTreeCpuSeconds(server.pid);
  const databaseCpuAfter = processTreeCpuSeconds(server.databasePid);
  const storeAfter = server.hasMetrics ? await storeSecondsOf(server) : undefined;
  return {
    load,
    cpuSeconds: difference(cpuBefore, cpuAfter),
    storeSeconds: difference(storeBefore, storeAfter),
    databaseCpuSeconds: difference(databaseCpuBefore, databaseCpuAfter),
  };
}

/** The server's total time in store operations so far (the sum of its store histogram). */
async function storeSecondsOf(server: RunningServer): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('store_operation_duration_seconds_sum')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  } catch {
    return undefined;
  }
}

function countsOf(entries: Iterable<[string, number]>): string {
  return [...entries].map(([kind, count]) => `${kind}x${count}`).join(' ');
}

function measurementOf({ result, errorKinds }: LoadResult, { cpuSeconds, storeSeconds, databaseCpuSeconds }: Omit<Round, 'load'>): Measurement {
  const otherStatuses = countsOf(Object.entries(result.statusCodeStats)
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, { count }]) => [status, count]));
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    requests: result['2xx'],
    cpuSeconds,
    storeSeconds,
    databaseCpuSeconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    otherStatuses,
    errorKinds: countsOf(errorKinds),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
// A round without a figure (the process was gone) leaves the total unknown rather than low.
const sumOrUndefined = (values: (number | undefined)[]) => (values.some((value) => value === undefined) ? undefined : values.reduce<number>((total, value) => total + value!, 0));

/** The rounds of one server as one measurement: totals for counts and time, medians for latency. */
export function combine(rounds: Round[]): Measurement {
  const results = rounds.map((round) => round.load.result);
  const requests = results.reduce((total, result) => total + result['2xx'], 0);
  const seconds = results.reduce((total, result) => total + result.duration, 0);
  const merged = rounds.map((round) => measurementOf(round.load, round));
  return {
    requestsPerSecond: requests / seconds,
    requests,
    cpuSeconds: sumOrUndefined(rounds.map((round) => round.cpuSeconds)),
    storeSeconds: sumOrUndefined(rounds.map((round) => round.storeSeconds)),
    databaseCpuSeconds: sumOrUndefined(rounds.map((round) => round.databaseCpuSeconds)),
    p50Ms: median(merged.map((m) => m.p50Ms)),
    p99Ms: median(merged.map((m) => m.p99Ms)),
    non2xx: merged.reduce((total, m) => total + m.non2xx, 0),
    errors: merged.reduce((total, m) => total + m.errors, 0),
    otherStatuses: merged.map((m) => m.otherStatuses).filter(Boolean).join(' '),
    errorKinds: merged.map((m) => m.errorKinds).filter(Boolean).join(' '),
  };
}
