// The embedded store's write path on its own, without HTTP: token upserts as the server makes them
// (40 per turn of the event loop, each turn one transaction), for BENCH_DURATION seconds (default
// 20). Prints rows per second, CPU per row (the checkpointer's thread included), how long the
// event loop was held (the gaps of a 5 ms timer: p99 and longest) and the WAL's size at the end.
// Run: npm run build && node --disable-warning=ExperimentalWarning dist/scripts/bench-store.js
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteStore } from '../src/storage/index.js';

const seconds = Number(process.env.BENCH_DURATION ?? 20);
const dataDir = mkdtempSync(join(tmpdir(), 'dcr-bench-store-'));
const store = SqliteStore.open(dataDir);
const gaps: number[] = [];
let last = performance.now();
const probe = setInterval(() => {
  const now = performance.now();
  gaps.push(now - last);
  last = now;
}, 5);

const expiresAt = new Date(Date.now() + 3_600_000);
const payload = { jti: 'x', kind: 'ClientCredentials', scope: 'orders:read', padding: 'x'.repeat(300) };
const cpuBefore = process.cpuUsage();
const end = Date.now() + seconds * 1000;
let rows = 0;
try {
  while (Date.now() < end) {
    await Promise.all(Array.from({ length: 40 }, () => {
      rows += 1;
      return store.models.upsert('ClientCredentials', `${rows}-${Math.random().toString(36).slice(2)}`, { payload, expiresAt, clientId: 'bench' });
    }));
  }
  clearInterval(probe);
  const cpu = process.cpuUsage(cpuBefore);
  gaps.sort((a, b) => a - b);
  let walBytes = 0;
  try {
    walBytes = statSync(join(dataDir, 'authorization-server.sqlite-wal')).size;
  } catch {
    // No WAL file: nothing pending.
  }
  console.log([
    `rows/s ${Math.round(rows / seconds)}`,
    `CPU µs/row ${((cpu.user + cpu.system) / rows).toFixed(1)}`,
    `event loop held p99 ${gaps[Math.floor(gaps.length * 0.99)]!.toFixed(1)} ms, longest ${Math.max(...gaps).toFixed(0)} ms`,
    `WAL ${(walBytes / 1e6).toFixed(0)} MB`,
  ].join(', '));
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
