// The scale run's report: the clients table (each row against the same scenario at the smallest
// size), what each size costs, the tokens table as the store fills and empties, and each target's
// PASS or FAIL.
import { cpus, totalmem } from 'node:os';

import { formatNumber, formatRatio, renderTable } from '../bench/table.js';
import type { ScaleBackend, ScaleSettings } from './settings.js';
import type { Measurement } from './scenarios.js';
import type { SteadyRun } from './token-run.js';

export interface SizeResult {
  clients: number;
  /** Seconds from the process's start to a ready /healthz. */
  startupSeconds: number;
  /** Clients written per second by the populator to reach this size. */
  writtenPerSecond: number;
  rssMiB: number | undefined;
  diskBytes: number;
  measurements: Measurement[];
}

export interface TokenResult {
  expiryMode: string;
  stored: number;
  writtenPerSecond: number;
  startupSeconds: number;
  empty: Measurement;
  full: Measurement;
  steady: SteadyRun;
  tokenTtlSeconds: number;
  sweepIntervalSeconds: number;
  /** When the last stored token expired, in seconds from the steady run's start (negative: before it began). */
  lastStoredExpirySeconds: number;
}

export interface BackendResult {
  backend: ScaleBackend;
  sizes: SizeResult[];
  soakRssMiB: number[];
  tokens: TokenResult | undefined;
}

export interface Verdict {
  target: string;
  pass: boolean;
  detail: string;
}

const mib = (bytes: number) => bytes / 1_048_576;

export function header(settings: ScaleSettings): string {
  return [
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${formatNumber(totalmem() / 1_073_741_824, 1)} GiB`,
    `clients ${settings.clientSizes.map((size) => formatNumber(size)).join(' / ')}, tokens ${formatNumber(settings.tokens)} (lifetime ${settings.tokenTtlSeconds} s, sweep every ${settings.sweepIntervalSeconds} s),`
      + ` ${settings.seconds} s per scenario at ${settings.connections} connections, ${settings.steadySeconds} s of steady issuance, ${settings.soakMinutes} min of soak`
      + `, client cache ${settings.clientCacheEntries === undefined ? 'default' : formatNumber(settings.clientCacheEntries)}`,
  ].join('\n');
}

export function clientsTable(results: readonly BackendResult[]): string {
  const body: string[][] = [];
  for (const { backend, sizes } of results) {
    const first = sizes[0];
    for (const size of sizes) {
      for (const measurement of size.measurements) {
        const reference = first?.measurements.find((candidate) => candidate.scenario === measurement.scenario);
        body.push([
          backend, formatNumber(size.clients), measurement.scenario, formatNumber(measurement.requestsPerSecond), formatNumber(measurement.p50Ms, 1), formatNumber(measurement.p99Ms, 1),
          formatRatio(reference ? measurement.requestsPerSecond / reference.requestsPerSecond : undefined), measurement.failures > 0 ? formatNumber(measurement.failures) : '',
        ]);
      }
    }
  }
  return renderTable(['store', 'clients', 'scenario', 'req/s', 'p50 ms', 'p99 ms', 'vs first', 'failed'], body, new Set([1, 3, 4, 5, 6, 7]));
}

export function costTable(results: readonly BackendResult[]): string {
  const body = results.flatMap(({ backend, sizes, soakRssMiB }) => sizes.map((size, index) => [
    backend, formatNumber(size.clients), formatNumber(size.writtenPerSecond), formatNumber(size.startupSeconds, 2), size.rssMiB === undefined ? '-' : formatNumber(size.rssMiB),
    formatNumber(mib(size.diskBytes)), formatNumber(size.diskBytes / size.clients / 1024, 2),
    index === sizes.length - 1 ? soakRssMiB.map((rss) => formatNumber(rss)).join(' → ') : '',
  ]));
  return renderTable(['store', 'clients', 'written/s', 'start-up s', 'RSS MiB', 'disk MiB', 'KiB/client', 'RSS after each soak minute'], body, new Set([1, 2, 3, 4, 5, 6]));
}

export function tokensTable(results: readonly BackendResult[]): string {
  const lines: string[] = [];
  for (const { backend, tokens } of results) {
    if (!tokens) continue;
    const { steady } = tokens;
    lines.push(`${backend}: ${formatNumber(tokens.stored)} tokens written at ${formatNumber(tokens.writtenPerSecond)}/s, start-up ${formatNumber(tokens.startupSeconds, 2)} s, expiry by ${tokens.expiryMode};`
      + ` issuance ${formatNumber(tokens.empty.requestsPerSecond)}/s at an empty store, ${formatNumber(tokens.full.requestsPerSecond)}/s with them stored`
      + ` (${formatRatio(tokens.full.requestsPerSecond / tokens.empty.requestsPerSecond)});`
      + ` the last of them expired ${tokens.lastStoredExpirySeconds < 0 ? `${formatNumber(-tokens.lastStoredExpirySeconds)} s before` : `${formatNumber(tokens.lastStoredExpirySeconds)} s into`} the steady run`);
    lines.push(renderTable(['s', 'rows', 'disk MiB', 'issued/s', 'introspected/s'], steady.samples.map((sample) => [
      formatNumber(sample.atSeconds), formatNumber(sample.rows), formatNumber(mib(sample.diskBytes)), formatNumber(sample.issuedPerSecond), formatNumber(sample.introspectedPerSecond),
    ]), new Set([0, 1, 2, 3, 4])));
    lines.push(steady.sweeps.length === 0 ? 'no sweep ran' : renderTable(['sweep at s', 'ms', 'stall in its second ms'], steady.sweeps.map((sweep) => [
      formatNumber(sweep.atSeconds), formatNumber(sweep.durationMs, 1), formatNumber(sweep.stallMs, 1),
    ]), new Set([0, 1, 2])));
    lines.push(`event-loop stall: longest ${formatNumber(steady.longestStallMs, 1)} ms, median of the seconds without a sweep ${formatNumber(steady.medianStallWithoutSweepMs, 1)} ms;`
      + ` seconds over 20 ms: ${steady.secondsOver20Ms}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The issue's targets, per store: FerretDB (the mongodb rows here) is allowed 0.8 where the embedded store needs 0.9. */
export function verdicts(results: readonly BackendResult[]): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const { backend, sizes, soakRssMiB, tokens } of results) {
    const first = sizes[0];
    const last = sizes.at(-1);
    const floor = backend === 'mongodb' ? 0.8 : 0.9;
    if (first && last && last !== first) {
      for (const measurement of last.measurements) {
        const reference = first.measurements.find((candidate) => candidate.scenario === measurement.scenario)!;
        const ratio = measurement.requestsPerSecond / reference.requestsPerSecond;
        verdicts.push({ target: `${backend}: ${measurement.scenario} at ${formatNumber(last.clients)} ≥ ${floor} × at ${formatNumber(first.clients)}`, pass: ratio >= floor, detail: formatRatio(ratio) });
      }
    }
    if (soakRssMiB.length >= 3) {
      const [a, b, c] = soakRssMiB.slice(-3) as [number, number, number];
      const grows = b > a * 1.05 && c > b * 1.05;
      verdicts.push({ target: `${backend}: no RSS growth over three minutes of load`, pass: !grows, detail: `${formatNumber(a)} → ${formatNumber(b)} → ${formatNumber(c)} MiB` });
    }
    if (tokens) {
      const { sweeps } = tokens.steady;
      const ratio = tokens.full.requestsPerSecond / tokens.empty.requestsPerSecond;
      verdicts.push({ target: `${backend}: issuance with ${formatNumber(tokens.stored)} tokens stored ≥ 0.9 × at an empty store`, pass: ratio >= 0.9, detail: formatRatio(ratio) });
      // A sweep's stall: how much longer the loop stalled in the second it ended than it does under the same load without one.
      const worstSweepStall = Math.max(0, ...sweeps.map((sweep) => sweep.stallMs - tokens.steady.medianStallWithoutSweepMs));
      verdicts.push({
        target: `${backend}: no sweep stalls the event loop over 20 ms (beyond what the load does)`, pass: worstSweepStall <= 20,
        detail: sweeps.length === 0 ? `no sweep (${tokens.expiryMode})` : `worst +${formatNumber(worstSweepStall, 1)} ms over ${sweeps.length} sweeps`,
      });
      verdicts.push(stopsGrowing(backend, tokens), storedTokensRemoved(backend, tokens));
    }
  }
  return verdicts;
}

/** Once every stored token's lifetime and two sweeps have passed, the store holds what steady issuance keeps alive, and no more. */
function stopsGrowing(backend: ScaleBackend, tokens: TokenResult): Verdict {
  const target = `${backend}: once issuance is steady, the store stops growing`;
  const settled = tokens.steady.samples.filter((sample) => sample.atSeconds >= tokens.tokenTtlSeconds * 2 + tokens.sweepIntervalSeconds * 2);
  if (settled.length < 2) return { target, pass: false, detail: `steady run too short to tell (needs > ${tokens.tokenTtlSeconds * 2 + tokens.sweepIntervalSeconds * 2} s)` };
  const [start, end] = [settled[0]!, settled.at(-1)!];
  return { target, pass: end.rows <= start.rows * 1.1, detail: `${formatNumber(start.rows)} rows at ${start.atSeconds} s, ${formatNumber(end.rows)} at ${end.atSeconds} s` };
}

/**
 * The issue's bound: an expired row is gone within one sweep interval of its expiry. Judged at the
 * first sample past that for the last stored token: what may remain is what steady issuance keeps
 * alive (its rate over a lifetime and a sweep interval) and 1 % of the stored tokens.
 */
function storedTokensRemoved(backend: ScaleBackend, tokens: TokenResult): Verdict {
  const deadline = Math.max(0, tokens.lastStoredExpirySeconds) + tokens.sweepIntervalSeconds;
  const target = `${backend}: the stored tokens are removed within one sweep interval of expiring`;
  const { samples } = tokens.steady;
  const judged = samples.find((sample) => sample.atSeconds >= deadline);
  if (!judged) return { target, pass: false, detail: `steady run too short to tell (needs > ${formatNumber(deadline)} s)` };
  const live = Math.max(...samples.map((sample) => sample.issuedPerSecond)) * (tokens.tokenTtlSeconds + tokens.sweepIntervalSeconds);
  const left = Math.max(0, judged.rows - live);
  const end = samples.at(-1)!;
  const drained = samples.length > 1 ? (samples[0]!.rows - end.rows) / (end.atSeconds - samples[0]!.atSeconds) : 0;
  return {
    target, pass: left <= tokens.stored * 0.01,
    detail: `${formatNumber(judged.rows)} rows at ${judged.atSeconds} s (at most ${formatNumber(live)} of them live); removed at ${formatNumber(drained)} rows/s over the run`,
  };
}

export function verdictLines(list: readonly Verdict[]): string {
  return list.map((verdict) => `${verdict.pass ? 'PASS' : 'FAIL'}  ${verdict.target}: ${verdict.detail}`).join('\n');
}
