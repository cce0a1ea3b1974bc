// Benchmarks client_credentials issuance and JWT introspection of this server, on the embedded SQLite
// store and on MongoDB (one process, and a cluster of workers), against a bare oidc-provider with the
// same settings (the baseline) and a minimal Koa + jose token endpoint (the ceiling).
//
//   npm run bench                      (env: BENCH_DURATION seconds per round, BENCH_ROUNDS, BENCH_CONNECTIONS,
//                                       MONGODB_URI, BENCH_WORKERS: cluster workers of the last run, default 2)
//
// Every server runs in a child process of its own, started as production starts it; all are
// started first and only one is ever under load, the rounds of each scenario visiting them in turn.
// This process is the load generator. It also hosts the baseline and the ceiling when re-invoked as
// `main.js --baseline-server|--ceiling-server <port> <config file>`, so that a reference server
// starts as a plain node process the way ours does.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PEOPLE_CLIENT } from '../bench-people.js';
import { serveBaseline } from './baseline-server.js';
import { serveCeiling } from './ceiling-server.js';
import { writeConfiguration } from './configuration.js';
import { errorMessage, progress } from './log.js';
import type { Row } from './measurement.js';
import { benchmarkPeople } from './people-benchmark.js';
import { processTreeRssMiB } from './proc-sampler.js';
import { Cleanup, stopOnSignals } from './processes.js';
import { printMachineAndSettings, printMemoryAfterLoad, printPeopleResults, printResults } from './report.js';
import type { ClientCredentials } from './requests.js';
import { BASELINE_SERVER_FLAG, CEILING_SERVER_FLAG, type Backend } from './servers.js';
import { startServersUnderTest } from './servers-under-test.js';
import { selected, settingsFromEnvironment } from './settings.js';
import { printTargets } from './targets.js';
import { benchmarkAll } from './token-benchmark.js';

async function main(): Promise<void> {
  const settings = settingsFromEnvironment();
  const cleanup = new Cleanup();
  stopOnSignals(cleanup);
  printMachineAndSettings(settings);

  const rows: Row[] = [];
  const peopleRows: Row[] = [];
  const memoryAfterLoad = new Map<Backend, number>();
  try {
    const workDir = mkdtempSync(join(tmpdir(), 'dcr-bench-'));
    cleanup.add(() => rmSync(workDir, { recursive: true, force: true }));
    const client: ClientCredentials = { id: 'bench-client', secret: randomBytes(24).toString('base64url') };
    const peopleClient: ClientCredentials = { id: PEOPLE_CLIENT.id, secret: randomBytes(24).toString('base64url') };
    const password = randomBytes(18).toString('base64url');
    const configFile = writeConfiguration(workDir, client, peopleClient);
    const { servers, failures } = await startServersUnderTest(workDir, configFile, password, settings, cleanup);
    rows.push(...failures);
    // People first: FerretDB's SQLite backend answers every query with a scan of the collection (its
    // explain says SCAN, even for { _id }), and the token scenarios leave it holding ~100,000 tokens.
    if (!cleanup.started && selected(settings, 'people')) peopleRows.push(...(await benchmarkPeople(servers, peopleClient, password, settings)));
    if (!cleanup.started) rows.push(...(await benchmarkAll(servers, client, settings)));
    for (const server of servers) {
      const rss = processTreeRssMiB(server.pid);
      if (rss !== undefined) memoryAfterLoad.set(server.backend, rss);
    }
  } finally {
    await cleanup.run();
  }

  printResults(rows);
  printPeopleResults(peopleRows);
  printMemoryAfterLoad(memoryAfterLoad);
  printTargets(rows, settings);
  if ([...rows, ...peopleRows].some((row) => row.failure)) process.exitCode = 1;
}

if (process.argv[2] === BASELINE_SERVER_FLAG || process.argv[2] === CEILING_SERVER_FLAG) {
  const serve = process.argv[2] === BASELINE_SERVER_FLAG ? serveBaseline : serveCeiling;
  serve(Number(process.argv[3]), process.argv[4]!).catch((error: unknown) => {
    process.stderr.write(`${process.argv[2]}: ${errorMessage(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    progress(`failed: ${errorMessage(error)}`);
    process.exit(1);
  });
}
