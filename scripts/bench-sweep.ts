// The embedded store's sweep of expired records on its own: BENCH_SWEEP_ROWS token rows (default
// 1,000,000) written expiring within the last minute, then sweepExpired called until it deletes
// nothing, as the upkeep calls it. Prints how long the sweep took, how many rows it deleted and how
// long it held the event loop at most (a 1 ms timer's longest gap): what requests wait for meanwhile.
// Run: npm run build && node --disable-warning=ExperimentalWarning dist/scripts/bench-sweep.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { SqliteStore } from '../src/storage/index.js';
import { positiveIntegerFromEnv } from './bench/settings.js';

const rows = positiveIntegerFromEnv('BENCH_SWEEP_ROWS', 1_000_000);
const dataDir = mkdtempSync(join(tmpdir(), 'dcr-bench-sweep-'));
const store = SqliteStore.open(dataDir);
try {
  const payload = { jti: 'x', kind: 'ClientCredentials', scope: 'orders:read', padding: 'x'.repeat(300) };
  const now = Date.now();
  for (let written = 0; written < rows;) {
    const turn = Math.min(40, rows - written);
    await Promise.all(Array.from({ length: turn }, (_, index) =>
      store.models.upsert('ClientCredentials', `${written + index}`, { payload, expiresAt: new Date(now - 60_000 + ((written + index) % 60_000)), clientId: `client-${index}` })));
    written += turn;
  }
  // The longest gap between the ticks of a 1 ms timer: how long the loop could not run anything else.
  let longestGap = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const tick = performance.now();
    longestGap = Math.max(longestGap, tick - last);
    last = tick;
  }, 1);
  await sleep(50);
  const started = performance.now();
  // As the upkeep does: again until nothing is left.
  let deleted = 0;
  let calls = 0;
  for (let piece = -1; piece !== 0; calls += 1) {
    piece = await store.sweepExpired(new Date(now));
    deleted += piece;
  }
  const seconds = (performance.now() - started) / 1000;
  await sleep(50);
  clearInterval(probe);
  console.log(`rows ${rows}, deleted ${deleted} in ${seconds.toFixed(2)} s by ${calls} calls (${Math.round(deleted / seconds)} rows/s), event loop held at most ${longestGap.toFixed(0)} ms`);
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
