// Starting one server under test, each in a child process of its own: ours as production starts it,
// and the two references by re-invoking the bench's entry point with a flag (main.ts serves them).
import { fileURLToPath } from 'node:url';

import { ENVIRONMENT_KEYS } from '../../src/configuration/index.js';
import { progress } from './log.js';
import { answers200, exitDescription, freePort, spawnChild, stopChild, waitUntil, type Cleanup } from './processes.js';

export const BASELINE_SERVER_FLAG = '--baseline-server';
export const CEILING_SERVER_FLAG = '--ceiling-server';
const BENCH_ENTRY_POINT = fileURLToPath(new URL('./main.js', import.meta.url));
const MAIN_SCRIPT = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const NODE_FLAGS = ['--disable-warning=ExperimentalWarning', '--experimental-async-context-frame'];
const SERVER_START_TIMEOUT_MS = 60_000;

/** What a row measured: a reference server, or ours on a store (a cluster's label names its workers). */
export type Backend = 'baseline' | 'ceiling' | 'sqlite' | 'mongodb' | `mongodb, ${number} workers`;

export interface RunningServer {
  backend: Backend;
  url: string;
  /** The server's process (a cluster's primary): its CPU time, and its children's, is what a row costs. */
  pid: number | undefined;
  /** Whether it serves /metrics (ours does: store time per request comes from there). */
  hasMetrics: boolean;
  /** The database server's process when the bench started it (FerretDB): its CPU time is the store's cost. */
  databasePid?: number;
  /** How the process ended, when it did. */
  exitDescription(): string | undefined;
  stop(): Promise<void>;
}

/** The environment without any variable our server reads, so that the caller's cannot leak into a run. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const variable of [...Object.keys(ENVIRONMENT_KEYS), 'CONFIG_FILE']) delete env[variable];
  return env;
}

async function startNodeServer(
  backend: Backend, args: string[], env: NodeJS.ProcessEnv, port: number, readyPath: string, cleanup: Cleanup, hasMetrics = false,
): Promise<RunningServer> {
  const child = spawnChild(process.execPath, [...NODE_FLAGS, ...args], env);
  let stopping = false;
  const stop = () => {
    stopping = true;
    return stopChild(child);
  };
  cleanup.add(stop);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(`${backend} server`, () => answers200(`${url}${readyPath}`), child, SERVER_START_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw error;
  }
  child.once('exit', () => {
    if (!stopping) progress(`${backend} server ${exitDescription(child)} while under test`);
  });
  return { backend, url, pid: child.pid, hasMetrics, stop, exitDescription: () => exitDescription(child) };
}

/** Our server exactly as production starts it: dist/src/main.js, configured by its environment. */
export async function startOurServer(
  backend: Backend, storeEnv: Record<string, string>, configFile: string, cleanup: Cleanup, hasMetrics = true,
): Promise<RunningServer> {
  const port = await freePort();
  const env = {
    ...cleanEnvironment(), ...storeEnv,
    PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn', CONFIG_FILE: configFile,
  };
  return startNodeServer(backend, [MAIN_SCRIPT], env, port, '/healthz', cleanup, hasMetrics);
}

export async function startBaselineServer(configFile: string, cleanup: Cleanup): Promise<RunningServer> {
  const port = await freePort();
  const args = [BENCH_ENTRY_POINT, BASELINE_SERVER_FLAG, String(port), configFile];
  return startNodeServer('baseline', args, cleanEnvironment(), port, '/.well-known/openid-configuration', cleanup);
}

export async function startCeilingServer(configFile: string, cleanup: Cleanup): Promise<RunningServer> {
  const port = await freePort();
  const args = [BENCH_ENTRY_POINT, CEILING_SERVER_FLAG, String(port), configFile];
  return startNodeServer('ceiling', args, cleanEnvironment(), port, '/ready', cleanup);
}
