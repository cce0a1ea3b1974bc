// The line-up of a run, started one after the other before any is measured: the two references,
// ours on the embedded store, ours on MongoDB, and a cluster of ours on the same database.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { BENCH_PASSWORD_VARIABLE } from '../bench-people.js';
import { benchMongodbUri } from './database.js';
import { errorMessage, progress } from './log.js';
import type { Row } from './measurement.js';
import type { Cleanup } from './processes.js';
import { SCENARIOS } from './scenarios.js';
import { startBaselineServer, startCeilingServer, startOurServer, type Backend, type RunningServer } from './servers.js';
import type { Settings } from './settings.js';

export interface LineUp {
  servers: RunningServer[];
  /** A row per scenario a server that did not start would have served, so that the report says so. */
  failures: Row[];
}

export async function startServersUnderTest(
  workDir: string, configFile: string, password: string, settings: Settings, cleanup: Cleanup,
): Promise<LineUp> {
  const lineUp: LineUp = { servers: [], failures: [] };
  const start = async (backend: Backend, starting: () => Promise<RunningServer>) => {
    // A signal arrived while an earlier server started: start no more.
    if (cleanup.started) return;
    progress(`${backend}: starting`);
    try {
      lineUp.servers.push(await starting());
    } catch (error) {
      const failure = `server did not start: ${errorMessage(error)}`;
      progress(`${backend}: ${failure}`);
      for (const scenario of SCENARIOS.filter((candidate) => !candidate.servedBy || candidate.servedBy(backend))) {
        lineUp.failures.push({ scenario: scenario.name, backend, failure });
      }
    }
  };

  await start('baseline', () => startBaselineServer(configFile, cleanup));
  await start('ceiling', () => startCeilingServer(configFile, cleanup));
  await start('sqlite', () => {
    const dataDir = join(workDir, 'sqlite');
    mkdirSync(dataDir);
    return startOurServer('sqlite', { DATA_DIR: dataDir, [BENCH_PASSWORD_VARIABLE]: password }, configFile, cleanup);
  });
  const mongodb = { MONGODB_URI: '', ENCRYPTION_KEY: randomBytes(32).toString('base64url'), [BENCH_PASSWORD_VARIABLE]: password };
  let databasePid: number | undefined;
  await start('mongodb', async () => {
    ({ uri: mongodb.MONGODB_URI, databasePid } = await benchMongodbUri(workDir, cleanup));
    return { ...(await startOurServer('mongodb', mongodb, configFile, cleanup)), databasePid };
  });
  if (settings.workers > 1) {
    const clusterConfig = join(workDir, 'cluster.json');
    writeFileSync(clusterConfig, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), cluster: { workers: settings.workers } }), { mode: 0o600 });
    // Each worker has its own /metrics: the store time of a cluster is not summed here.
    await start(`mongodb, ${settings.workers} workers`, async () => ({
      ...(await startOurServer(`mongodb, ${settings.workers} workers`, mongodb, clusterConfig, cleanup, false)), databasePid,
    }));
  }
  return lineUp;
}
