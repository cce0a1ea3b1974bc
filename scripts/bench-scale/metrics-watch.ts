// Reads the server's /metrics every second while tokens expire: the event loop's longest stall in
// each second (prom-client resets it at every scrape) and each sweep of expired records, from the
// store operation histogram's sum and count.
import { setTimeout as delay } from 'node:timers/promises';

export interface Sweep {
  /** Seconds since the watch started. */
  atSeconds: number;
  durationMs: number;
  /** The longest event-loop stall in the second the sweep ended in. */
  stallMs: number;
}

export interface MetricsWatch {
  sweeps: Sweep[];
  /** The median of the longest stall of each second in which no sweep ended: what the load alone costs the loop. */
  medianStallWithoutSweepMs: number;
  /** The longest event-loop stall seen in any second, and in how many seconds it passed 20 ms. */
  longestStallMs: number;
  secondsOver20Ms: number;
  stop(): Promise<void>;
}

function value(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

export function watchMetrics(url: string): MetricsWatch {
  const started = performance.now();
  const watch: MetricsWatch = { sweeps: [], medianStallWithoutSweepMs: 0, longestStallMs: 0, secondsOver20Ms: 0, stop: async () => {} };
  const quietSeconds: number[] = [];
  let running = true;
  const loop = (async () => {
    let count = 0;
    let sum = 0;
    while (running) {
      await delay(1_000);
      let text: string;
      try {
        text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
      } catch {
        continue;
      }
      const stallMs = value(text, /^nodejs_eventloop_lag_max_seconds (\S+)$/m) * 1000;
      watch.longestStallMs = Math.max(watch.longestStallMs, stallMs);
      if (stallMs > 20) watch.secondsOver20Ms += 1;
      const sweepCount = value(text, /^store_operation_duration_seconds_count\{[^}]*operation="sweepExpired"[^}]*\} (\S+)$/m);
      const sweepSum = value(text, /^store_operation_duration_seconds_sum\{[^}]*operation="sweepExpired"[^}]*\} (\S+)$/m);
      if (sweepCount > count) {
        watch.sweeps.push({ atSeconds: Math.round((performance.now() - started) / 1000), durationMs: ((sweepSum - sum) / (sweepCount - count)) * 1000, stallMs });
      } else {
        quietSeconds.push(stallMs);
      }
      count = sweepCount;
      sum = sweepSum;
    }
  })();
  watch.stop = async () => {
    running = false;
    await loop;
    quietSeconds.sort((a, b) => a - b);
    watch.medianStallWithoutSweepMs = quietSeconds[Math.floor(quietSeconds.length / 2)] ?? 0;
  };
  return watch;
}
