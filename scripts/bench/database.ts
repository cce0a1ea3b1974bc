// The MongoDB the mongodb rows run on: the operator's (MONGODB_URI), in a database of the run's own
// that is dropped afterwards, or a FerretDB started for the run, whose CPU time the report counts.
import { MongoClient } from 'mongodb';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { progress } from './log.js';
import { acceptsConnections, freePort, spawnChild, stopChild, waitUntil, type Cleanup } from './processes.js';

const FERRETDB_SCRIPT = fileURLToPath(new URL('../../../scripts/ferretdb.sh', import.meta.url));
// The first FerretDB start builds it with Go.
const FERRETDB_START_TIMEOUT_MS = 300_000;

/** A database of the benchmark's own: on the MONGODB_URI server when set, on a FerretDB started for the run otherwise. */
export async function benchMongodbUri(workDir: string, cleanup: Cleanup): Promise<{ uri: string; databasePid?: number }> {
  const given = process.env.MONGODB_URI;
  if (given) {
    const uri = withDatabase(given, `dcr_bench_${Date.now()}`);
    cleanup.add(() => dropDatabase(uri));
    return { uri };
  }
  const port = await freePort();
  const dataDir = join(workDir, 'ferretdb');
  progress(`mongodb: starting FerretDB on 127.0.0.1:${port} (the first run builds it with Go)`);
  const child = spawnChild('bash', [FERRETDB_SCRIPT, 'start', String(port), dataDir], process.env, true);
  cleanup.add(() => stopChild(child, true));
  await waitUntil('FerretDB', () => acceptsConnections(port), child, FERRETDB_START_TIMEOUT_MS);
  // ferretdb.sh execs the binary: the child's pid is FerretDB's.
  return { uri: `mongodb://127.0.0.1:${port}/dcr_bench`, databasePid: child.pid };
}

/** Replaces a MongoDB URI's database; string surgery because seed lists (h1,h2) are not valid WHATWG URLs. */
function withDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error('MONGODB_URI is not a mongodb:// or mongodb+srv:// URI');
  return `${match[1]}/${database}${match[2] ?? ''}`;
}

/** Scheme and hosts only: no credentials in the output. */
export function hostsOf(uri: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/)(?:[^@/?]*@)?([^/?]+)/.exec(uri);
  return match ? `${match[1]}${match[2]}` : 'unparsable URI';
}

async function dropDatabase(uri: string): Promise<void> {
  const client = await MongoClient.connect(uri);
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}
