// The report on stdout: the machine and settings first (a number means little without them), then
// the token table, the people table and the memory line. The targets are in targets.ts.
import { createRequire } from 'node:module';
import { arch, availableParallelism, cpus, loadavg, platform, totalmem } from 'node:os';

import { BENCH_USERNAME } from '../bench-people.js';
import { RESOURCE_SERVERS } from './configuration.js';
import { hostsOf } from './database.js';
import { cpuMsPerRequest, databaseCpuMsPerRequest, perCpuSecond, ratioTo, referenceOf, storeMsPerRequest } from './derived-metrics.js';
import type { Row } from './measurement.js';
import { SIGN_IN_USERS } from './people-benchmark.js';
import { SCENARIOS } from './scenarios.js';
import type { Backend } from './servers.js';
import { WARMUP_SECONDS, type Settings } from './settings.js';
import { formatNumber, formatRatio, optional, renderTable } from './table.js';

export function printMachineAndSettings(settings: Settings): void {
  const autocannonVersion = (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  const mongodb = process.env.MONGODB_URI
    ? `MONGODB_URI (${hostsOf(process.env.MONGODB_URI)}), database dcr_bench_<time>, dropped afterwards`
    : 'FerretDB (scripts/ferretdb.sh, SQLite backend) started for the run';
  // Other work on the machine skews the ratios; the load average before the run shows whether there was any.
  const [load1, load5] = loadavg().map((load) => formatNumber(load, 2));
  console.log(`Machine: node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${platform()} ${arch()}, ${formatNumber(totalmem() / 2 ** 30, 1)} GiB RAM, load average ${load1} (1 min) ${load5} (5 min) before the run`);
  console.log(`Load:    autocannon ${autocannonVersion} in this process, ${settings.connections} connections, pipelining 1; per scenario ${settings.rounds} rounds visiting every server in turn,`);
  console.log(`         each ${WARMUP_SECONDS} s warm-up + ${settings.durationSeconds} s measured; every server in a child process of its own, one under load at a time`);
  console.log(`Servers: baseline = bare oidc-provider (in-memory adapter, static client); ceiling = a minimal Koa + jose token endpoint (form, Basic secret, SignJWT);`);
  console.log(`         sqlite = dist/src/main.js with a fresh DATA_DIR; mongodb = dist/src/main.js on ${mongodb}, then a cluster of ${settings.workers} workers on it; LOG_LEVEL=warn`);
  console.log(`APIs:    ${RESOURCE_SERVERS.map((api) => `${api.resource} (${api.accessTokenFormat === 'jwt' ? `JWT ${api.signingAlg}` : 'opaque'}, ttl ${api.accessTokenTtl} s)`).join(', ')}; client_secret_basic\n`);
}

export function printResults(rows: Row[]): void {
  const backends = [...new Set(rows.map((row) => row.backend))];
  // Unlisted backends (a cluster) sort last: indexOf's -1 becomes the largest unsigned number.
  const order = (backend: Backend) => ['baseline', 'ceiling', 'sqlite', 'mongodb'].indexOf(backend) >>> 0;
  backends.sort((a, b) => order(a) - order(b));
  const ordered = SCENARIOS.flatMap((scenario) => backends.flatMap((backend) =>
    rows.filter((row) => row.scenario === scenario.name && row.backend === backend)));
  const notes: string[] = [];
  const noteMark = (text: string) => {
    if (!notes.includes(text)) notes.push(text);
    return `[${notes.indexOf(text) + 1}]`;
  };
  const body = ordered.map((row) => {
    const { measurement: m } = row;
    const marks = [
      row.note,
      m?.otherStatuses && `non-2xx statuses: ${m.otherStatuses}`,
      m?.errorKinds && `request errors: ${m.errorKinds}`,
      row.failure && `FAILED: ${row.failure}`,
    ]
      .filter((text): text is string => Boolean(text)).map(noteMark).join(' ');
    if (!m) return [row.scenario, row.backend, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', marks];
    return [
      row.scenario, row.backend, formatNumber(m.requestsPerSecond), formatNumber(m.p50Ms, 1), formatNumber(m.p99Ms, 1),
      formatRatio(ratioTo(rows, row, 'baseline')), referenceOf(rows, row, 'ceiling') ? formatRatio(ratioTo(rows, row, 'ceiling')) : '-',
      optional(perCpuSecond(m)), optional(cpuMsPerRequest(m), 3), optional(storeMsPerRequest(m), 3), optional(databaseCpuMsPerRequest(m), 3),
      String(m.non2xx), String(m.errors), marks,
    ];
  });
  const headers = ['scenario', 'backend', 'requests/s', 'p50 ms', 'p99 ms', 'vs baseline', 'vs ceiling', 'req/CPU-s', 'CPU ms/req', 'store ms/req', 'DB CPU ms/req', 'non-2xx', 'errors', 'notes'];
  console.log(`\n${renderTable(headers, body, new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))}`);
  notes.forEach((text, index) => console.log(`[${index + 1}] ${text}`));
  console.log('requests/s counts 2xx responses only; "vs baseline"/"vs ceiling" = requests/s / the reference\'s requests/s of the same scenario in this run.');
  console.log('req/CPU-s = 2xx responses per CPU-second (user + system) of the server\'s processes, comparable across machines and with peers per core;');
  console.log('CPU ms/req is its inverse; store ms/req = time in store operations per request (from /metrics; waiting on the database, not CPU);');
  console.log('DB CPU ms/req = CPU time of the database server per request, when the bench started it (FerretDB; it shares the machine\'s cores).');
}

export function printPeopleResults(rows: Row[]): void {
  if (rows.length === 0) return;
  const body = rows.map((row) => {
    const m = row.measurement;
    if (!m) return [row.scenario, row.backend, '-', '-', '-', '-', '-', `FAILED: ${row.failure}`];
    return [
      row.scenario, row.backend, formatNumber(m.requestsPerSecond), formatNumber(m.p50Ms, 1), formatNumber(m.p99Ms, 1),
      optional(perCpuSecond(m)), String(m.non2xx + m.errors), [m.otherStatuses, m.errorKinds].filter(Boolean).join(' '),
    ];
  });
  console.log(`\nPeople (our server only; ${SIGN_IN_USERS} users signing in one flow after another, each ${BENCH_USERNAME}-<n>'s password hashed with scrypt at the default cost, signIn.passwordHashCost 15 = N 2^15, r 8, p 1, 32 MiB):`);
  console.log(renderTable(['scenario', 'backend', 'per second', 'p50 ms', 'p99 ms', 'per CPU-s', 'failed', 'notes'], body, new Set([2, 3, 4, 5, 6])));
  console.log('A sign-in is 5 requests: GET /auth, GET the sign-in page, POST it, GET /auth/<uid> (the code), POST /token; its latency is the whole flow.');
  console.log('The refresh row reuses one refresh token of a confidential client (rotated only past 70 % of its lifetime) at the connections above.');
}

/** Resident memory (MiB) of each server after its scenarios, by backend. */
export function printMemoryAfterLoad(memoryAfterLoad: ReadonlyMap<Backend, number>): void {
  console.log(`\nResident memory after the scenarios: ${[...memoryAfterLoad].map(([backend, mib]) => `${backend} ${formatNumber(mib)} MiB`).join(', ')}`);
}
