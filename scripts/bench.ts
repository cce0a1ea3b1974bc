// Benchmarks client_credentials issuance and JWT introspection of this server, on the embedded SQLite
// store and on MongoDB (one process, and a cluster of workers), against a bare oidc-provider with the
// same settings (the baseline) and a minimal Koa + jose token endpoint (the ceiling).
//
//   npm run bench                      (env: BENCH_DURATION seconds per round, BENCH_ROUNDS, BENCH_CONNECTIONS,
//                                       MONGODB_URI, BENCH_WORKERS: cluster workers of the last run, default 2)
//
// Every server runs in a child process of its own, started as production starts it; all are
// started first and only one is ever under load, the rounds of each scenario visiting them in turn. This process is the load generator. It also hosts the baseline and the ceiling
// when re-invoked as `bench.js --baseline-server|--ceiling-server <port> <config file>`.
import autocannon from 'autocannon';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import Koa from 'koa';
import { MongoClient } from 'mongodb';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer, Socket } from 'node:net';
import { arch, availableParallelism, cpus, loadavg, platform, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Provider, { errors, type ClientMetadata, type Configuration as ProviderConfiguration } from 'oidc-provider';

import { ENVIRONMENT_KEYS, type ResourceServerConfig, type SigningAlgorithm } from '../src/configuration/index.js';
import { BENCH_PASSWORD_VARIABLE, BENCH_USER_COUNT, BENCH_USERNAME, benchUsers, PEOPLE_CLIENT, peopleClientMetadata, percentile, signInLoad, signInOnce } from './bench-people.js';

const BASELINE_SERVER_FLAG = '--baseline-server';
const CEILING_SERVER_FLAG = '--ceiling-server';
const MAIN_SCRIPT = fileURLToPath(new URL('../src/main.js', import.meta.url));
const FERRETDB_SCRIPT = fileURLToPath(new URL('../../scripts/ferretdb.sh', import.meta.url));
const NODE_FLAGS = ['--disable-warning=ExperimentalWarning', '--experimental-async-context-frame'];

const WARMUP_SECONDS = 1;
const P99_TARGET_MS = 50;
const SERVER_START_TIMEOUT_MS = 60_000;
// The first FerretDB start builds it with Go.
const FERRETDB_START_TIMEOUT_MS = 300_000;
const STOP_GRACE_MS = 10_000;

const RS256_API: ResourceServerConfig = {
  resource: 'https://rs256.bench.example', scopes: ['rs256:read'], accessTokenFormat: 'jwt', accessTokenTtl: 3600, signingAlg: 'RS256', default: true,
};
const ES256_API: ResourceServerConfig = {
  resource: 'https://es256.bench.example', scopes: ['es256:read'], accessTokenFormat: 'jwt', accessTokenTtl: 3600, signingAlg: 'ES256', default: false,
};
const OPAQUE_API: ResourceServerConfig = {
  resource: 'https://opaque.bench.example', scopes: ['opaque:read'], accessTokenFormat: 'opaque', accessTokenTtl: 3600, signingAlg: 'RS256', default: false,
};
const RESOURCE_SERVERS = [RS256_API, ES256_API, OPAQUE_API];

interface ClientCredentials {
  id: string;
  secret: string;
}

/** The configuration file both our server and the baseline are started with. */
interface BenchConfiguration {
  resourceServers: ResourceServerConfig[];
  clients: ClientMetadata[];
  users?: Record<string, unknown>[];
}

/** What a row measured: a reference server, or ours on a store (a cluster's label names its workers). */
type Backend = 'baseline' | 'ceiling' | 'sqlite' | 'mongodb' | `mongodb, ${number} workers`;

interface RunningServer {
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

interface Settings {
  durationSeconds: number;
  connections: number;
  /** Workers of the cluster run (MongoDB). */
  workers: number;
  /** Measured runs per server and scenario, visiting the servers in turn. */
  rounds: number;
  /** BENCH_SCENARIOS: the scenarios to run, by words of their names ("es256,opaque,people"); all when empty. */
  only: string[];
}

/** Whether a scenario (or the people table, "people") is among those BENCH_SCENARIOS asks for. */
function selected(settings: Settings, name: string): boolean {
  return settings.only.length === 0 || settings.only.some((word) => name.toLowerCase().includes(word));
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface LoadRequest {
  path: string;
  form: Record<string, string>;
  /** Why a 200 response's body is not what the scenario expects; undefined when it is. */
  problemWith(body: Record<string, unknown>): string | undefined;
  /** Set when the request differs from the scenario's name (the baseline's introspection). */
  note?: string;
}

interface Scenario {
  name: string;
  /** Whether a reference server can serve it (the ceiling only issues JWTs). */
  servedBy?(backend: Backend): boolean;
  /** The request to load the server with, after issuing whatever token it needs. */
  prepare(server: RunningServer, client: ClientCredentials): Promise<LoadRequest>;
}

const RS256_ISSUANCE = issuanceScenario('client_credentials, JWT RS256', RS256_API);
const ES256_ISSUANCE = issuanceScenario('client_credentials, JWT ES256', ES256_API);
const OPAQUE_ISSUANCE = issuanceScenario('client_credentials, opaque', OPAQUE_API);
const INTROSPECTION: Scenario = {
  name: 'introspection of an RS256 JWT',
  servedBy: (backend) => backend !== 'ceiling',
  async prepare(server, client) {
    // Bare oidc-provider answers a JWT with unsupported_token_type, so the baseline introspects an opaque token.
    const baseline = server.backend === 'baseline';
    const token = await issueToken(server.url, client, baseline ? OPAQUE_API : RS256_API);
    return {
      path: '/token/introspection',
      form: { token },
      problemWith: (body) => (body.active === true && body.client_id === client.id ? undefined : 'expected an active token of the client'),
      ...(baseline && { note: 'baseline introspects an OPAQUE token (bare oidc-provider: JWT -> unsupported_token_type)' }),
    };
  },
};
const SCENARIOS: Scenario[] = [RS256_ISSUANCE, ES256_ISSUANCE, OPAQUE_ISSUANCE, INTROSPECTION];

function issuanceScenario(name: string, api: ResourceServerConfig): Scenario {
  return {
    name,
    servedBy: (backend) => backend !== 'ceiling' || api.accessTokenFormat === 'jwt',
    prepare: async () => ({ path: '/token', form: tokenRequestForm(api), problemWith: (body) => problemWithIssuedToken(body, api) }),
  };
}

function tokenRequestForm(api: ResourceServerConfig): Record<string, string> {
  return { grant_type: 'client_credentials', resource: api.resource, scope: api.scopes.join(' ') };
}

function problemWithIssuedToken(body: Record<string, unknown>, api: ResourceServerConfig): string | undefined {
  const token = body.access_token;
  if (typeof token !== 'string' || body.token_type !== 'Bearer') return 'expected a Bearer access_token';
  const segments = token.split('.');
  if (api.accessTokenFormat === 'opaque') return segments.length === 3 ? 'expected an opaque token, got a JWT' : undefined;
  if (segments.length !== 3) return 'expected a JWT';
  const header = JSON.parse(Buffer.from(segments[0]!, 'base64url').toString('utf8')) as { alg?: unknown };
  return header.alg === api.signingAlg ? undefined : `expected alg ${api.signingAlg}, got ${String(header.alg)}`;
}

// ---------------------------------------------------------------------------------------------
// HTTP requests (outside of the load)

function basicAuthorization(client: ClientCredentials): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
}

function loadHeaders(client: ClientCredentials): Record<string, string> {
  return { authorization: basicAuthorization(client), 'content-type': 'application/x-www-form-urlencoded' };
}

async function post(url: string, client: ClientCredentials, form: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: loadHeaders(client), body: new URLSearchParams(form) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function issueToken(serverUrl: string, client: ClientCredentials, api: ResourceServerConfig): Promise<string> {
  const body = await post(`${serverUrl}/token`, client, tokenRequestForm(api));
  const problem = problemWithIssuedToken(body, api);
  if (problem) throw new Error(`token request for ${api.resource}: ${problem}`);
  return body.access_token as string;
}

async function verifyOnce(server: RunningServer, client: ClientCredentials, request: LoadRequest): Promise<void> {
  const body = await post(`${server.url}${request.path}`, client, request.form);
  const problem = request.problemWith(body);
  if (problem) throw new Error(`POST ${request.path}: ${problem}: ${JSON.stringify(body)}`);
}

// ---------------------------------------------------------------------------------------------
// Load generation

interface Measurement {
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

interface Row {
  scenario: string;
  backend: Backend;
  measurement?: Measurement;
  failure?: string;
  note?: string;
}

interface LoadResult {
  result: autocannon.Result;
  /** Request errors by code (ECONNREFUSED, ...). */
  errorKinds: Map<string, number>;
}

async function generateLoad(
  server: RunningServer, client: ClientCredentials, request: LoadRequest, seconds: number, connections: number,
): Promise<LoadResult> {
  const errorKinds = new Map<string, number>();
  const instance = autocannon({
    url: `${server.url}${request.path}`,
    method: 'POST',
    headers: loadHeaders(client),
    body: new URLSearchParams(request.form).toString(),
    connections,
    duration: seconds,
  });
  instance.on('reqError', (error: NodeJS.ErrnoException) => {
    const kind = error.code ?? error.message;
    errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
  });
  return { result: await instance, errorKinds };
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

interface Round {
  load: LoadResult;
  cpuSeconds: number | undefined;
  storeSeconds: number | undefined;
  databaseCpuSeconds: number | undefined;
}

const difference = (before: number | undefined, after: number | undefined) => (before === undefined || after === undefined ? undefined : after - before);

/** One measured run of one server; the warm-up before it is not counted. */
async function measureRound(server: RunningServer, client: ClientCredentials, request: LoadRequest, settings: Settings): Promise<Round> {
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

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const sumOrUndefined = (values: (number | undefined)[]) => (values.some((value) => value === undefined) ? undefined : values.reduce<number>((total, value) => total + value!, 0));

/** The rounds of one server as one measurement: totals for counts and time, medians for latency. */
function combine(rounds: Round[]): Measurement {
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

/**
 * Every server is started before any is measured, and each scenario is measured in rounds that
 * visit the servers in turn (in alternating order): what the machine's speed does over time (on a
 * shared VM, a lot) falls on every server alike, so the ratios of one run hold.
 */
async function benchmarkAll(servers: RunningServer[], client: ClientCredentials, settings: Settings): Promise<Row[]> {
  const rows: Row[] = [];
  for (const scenario of SCENARIOS.filter((candidate) => selected(settings, candidate.name))) {
    const contestants: { server: RunningServer; request: LoadRequest; row: Row; rounds: Round[] }[] = [];
    for (const server of servers) {
      if (scenario.servedBy && !scenario.servedBy(server.backend)) continue;
      const row: Row = { scenario: scenario.name, backend: server.backend };
      rows.push(row);
      try {
        const request = await scenario.prepare(server, client);
        if (request.note) row.note = request.note;
        await verifyOnce(server, client, request);
        contestants.push({ server, request, row, rounds: [] });
      } catch (error) {
        row.failure = errorMessage(error);
        progress(`${server.backend}: ${scenario.name} FAILED: ${row.failure}`);
      }
    }
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const contestant of round % 2 === 0 ? contestants : [...contestants].reverse()) {
        const { server, row } = contestant;
        if (row.failure) continue;
        const exit = server.exitDescription();
        if (exit) {
          row.failure = `server ${exit}`;
          continue;
        }
        progress(`${scenario.name}: ${server.backend}, round ${round + 1} of ${settings.rounds}`);
        try {
          contestant.rounds.push(await measureRound(server, client, contestant.request, settings));
        } catch (error) {
          row.failure = errorMessage(error);
          progress(`${server.backend}: ${scenario.name} FAILED: ${row.failure}`);
        }
      }
    }
    for (const { row, rounds } of contestants) if (!row.failure && rounds.length > 0) row.measurement = combine(rounds);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Child processes and clean-up

/** Undo actions, run last-in first-out once, at the end or on a signal. */
class Cleanup {
  readonly #tasks: (() => Promise<void> | void)[] = [];
  #running: Promise<void> | undefined;

  get started(): boolean {
    return this.#running !== undefined;
  }

  /** Once clean-up has started (a signal arrived mid-start), whatever was just started is undone at once. */
  add(task: () => Promise<void> | void): void {
    this.#tasks.push(task);
    if (this.started) void this.#runAll();
  }

  run(): Promise<void> {
    this.#running ??= this.#runAll();
    return this.#running;
  }

  async #runAll(): Promise<void> {
    for (let task = this.#tasks.pop(); task; task = this.#tasks.pop()) {
      try {
        await task();
      } catch (error) {
        progress(`clean-up step failed: ${errorMessage(error)}`);
      }
    }
  }
}

function spawnChild(command: string, args: string[], env: NodeJS.ProcessEnv, ownProcessGroup = false): ChildProcess {
  // Servers' output goes to our stderr, so that the table on stdout stays clean.
  const child = spawn(command, args, { env, stdio: ['ignore', 2, 2], detached: ownProcessGroup });
  child.on('error', (error) => progress(`${command} failed: ${error.message}`));
  return child;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exitDescription(child: ChildProcess): string | undefined {
  if (child.signalCode !== null) return `exited on ${child.signalCode}`;
  return child.exitCode === null ? undefined : `exited with code ${child.exitCode}`;
}

/** SIGTERM, then SIGKILL after a grace period; a process group takes the whole tree (FerretDB's Go build). */
async function stopChild(child: ChildProcess, wholeGroup = false): Promise<void> {
  if (child.pid === undefined || hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(wholeGroup ? -child.pid! : child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(what: string, ready: () => Promise<boolean>, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`${what}: process ${exitDescription(child)}`);
    if (await ready()) return;
    await delay(100);
  }
  throw new Error(`${what}: not ready within ${timeoutMs / 1000} s`);
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
    socket.connect(port, '127.0.0.1');
  });
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
async function startOurServer(
  backend: Backend, storeEnv: Record<string, string>, configFile: string, cleanup: Cleanup, hasMetrics = true,
): Promise<RunningServer> {
  const port = await freePort();
  const env = {
    ...cleanEnvironment(), ...storeEnv,
    PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn', CONFIG_FILE: configFile,
  };
  return startNodeServer(backend, [MAIN_SCRIPT], env, port, '/healthz', cleanup, hasMetrics);
}

async function startBaselineServer(configFile: string, cleanup: Cleanup): Promise<RunningServer> {
  const port = await freePort();
  const args = [fileURLToPath(import.meta.url), BASELINE_SERVER_FLAG, String(port), configFile];
  return startNodeServer('baseline', args, cleanEnvironment(), port, '/.well-known/openid-configuration', cleanup);
}

async function startCeilingServer(configFile: string, cleanup: Cleanup): Promise<RunningServer> {
  const port = await freePort();
  const args = [fileURLToPath(import.meta.url), CEILING_SERVER_FLAG, String(port), configFile];
  return startNodeServer('ceiling', args, cleanEnvironment(), port, '/ready', cleanup);
}

/** Resident memory (MiB) of each server after its scenarios, by backend. */
const memoryAfterLoad = new Map<Backend, number>();

/** Sums a per-process value over a process and its children (a cluster's workers), read from /proc; undefined when the process is gone. */
function sumOverProcessTree(pid: number | undefined, read: (id: number) => { ppid: number; value: number } | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const own = read(pid);
  if (!own) return undefined;
  let total = own.value;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = read(Number(entry));
    if (child?.ppid === pid) total += child.value;
  }
  return total;
}

const readOrUndefined = <T>(read: () => T): T | undefined => {
  try {
    return read();
  } catch {
    return undefined;
  }
};

/** Resident memory of a process and its children, in MiB. */
function processTreeRssMiB(pid: number | undefined): number | undefined {
  const kib = sumOverProcessTree(pid, (id) => readOrUndefined(() => {
    const status = readFileSync(`/proc/${id}/status`, 'utf8');
    return { ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]), value: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) };
  }));
  return kib === undefined ? undefined : kib / 1024;
}

/** User + system CPU seconds of a process and its children (a cluster's workers). */
function processTreeCpuSeconds(pid: number | undefined): number | undefined {
  const ticksPerSecond = 100;
  const ticks = sumOverProcessTree(pid, (id) => readOrUndefined(() => {
    // The command name is in parentheses and may contain spaces: fields are counted after it.
    const fields = readFileSync(`/proc/${id}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return { ppid: Number(fields[1]), value: Number(fields[11]) + Number(fields[12]) };
  }));
  return ticks === undefined ? undefined : ticks / ticksPerSecond;
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

/** A database of the benchmark's own: on the MONGODB_URI server when set, on a FerretDB started for the run otherwise. */
async function benchMongodbUri(workDir: string, cleanup: Cleanup): Promise<{ uri: string; databasePid?: number }> {
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
function hostsOf(uri: string): string {
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

function writeConfiguration(workDir: string, client: ClientCredentials, peopleClient: ClientCredentials): string {
  const configuration: BenchConfiguration = {
    resourceServers: RESOURCE_SERVERS,
    clients: [{
      client_id: client.id,
      client_secret: client.secret,
      scope: RESOURCE_SERVERS.flatMap((api) => api.scopes).join(' '),
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }, peopleClientMetadata(peopleClient.secret)],
    users: benchUsers(),
  };
  const path = join(workDir, 'config.json');
  writeFileSync(path, JSON.stringify(configuration, null, 2), { mode: 0o600 });
  return path;
}

// ---------------------------------------------------------------------------------------------
// Baseline: bare oidc-provider, default in-memory adapter

async function serveBaseline(port: number, configFile: string): Promise<void> {
  const configuration = JSON.parse(readFileSync(configFile, 'utf8')) as BenchConfiguration;
  const provider = new Provider(`http://127.0.0.1:${port}`, await baselineProviderConfiguration(configuration));
  createHttpServer(provider.callback()).listen(port);
}

async function baselineProviderConfiguration({ resourceServers, clients }: BenchConfiguration): Promise<ProviderConfiguration> {
  const byResource = new Map(resourceServers.map((api) => [api.resource, api]));
  const defaultApi = resourceServers.find((api) => api.default) ?? resourceServers[0]!;
  const accessTokenLifetime = (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number | undefined } | undefined }) =>
    token.resourceServer?.accessTokenTTL ?? defaultApi.accessTokenTtl;
  return {
    clients,
    jwks: { keys: await generateSigningKeys(['RS256', ...resourceServers.map((api) => api.signingAlg)]) },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clientAuthMethods: ['client_secret_basic'],
    scopes: ['openid', ...resourceServers.flatMap((api) => api.scopes)],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Ours lets every confidential client introspect; naming a policy also silences a start-up notice.
      introspection: { enabled: true, allowedPolicy: (_ctx, client) => client.clientAuthMethod !== 'none' },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => defaultApi.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          const api = byResource.get(resource);
          if (!api) throw new errors.InvalidTarget(`unknown resource "${resource}"`);
          return {
            scope: api.scopes.join(' '),
            audience: api.resource,
            accessTokenTTL: api.accessTokenTtl,
            accessTokenFormat: api.accessTokenFormat,
            jwt: { sign: { alg: api.signingAlg } },
          };
        },
      },
    },
    ttl: { AccessToken: accessTokenLifetime, ClientCredentials: accessTokenLifetime },
  };
}

// ---------------------------------------------------------------------------------------------
// Ceiling: a minimal Koa + jose token endpoint (no oidc-provider), what a token costs at the least

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function serveCeiling(port: number, configFile: string): Promise<void> {
  const { resourceServers, clients } = JSON.parse(readFileSync(configFile, 'utf8')) as BenchConfiguration;
  const issuer = `http://127.0.0.1:${port}`;
  const keys = new Map<string, { key: CryptoKey; kid: string }>();
  for (const alg of new Set(resourceServers.filter((api) => api.accessTokenFormat === 'jwt').map((api) => api.signingAlg))) {
    const { privateKey } = await generateKeyPair(alg, alg === 'RS256' ? { modulusLength: 2048 } : {});
    keys.set(alg, { key: privateKey, kid: randomUUID() });
  }
  const secrets = new Map(clients.map((client) => [client.client_id, Buffer.from(String(client.client_secret))]));
  const byResource = new Map(resourceServers.map((api) => [api.resource, api]));
  const defaultApi = resourceServers.find((api) => api.default) ?? resourceServers[0]!;
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.path === '/ready') {
      ctx.body = 'ready';
      return;
    }
    if (ctx.method !== 'POST' || ctx.path !== '/token') {
      ctx.status = 404;
      return;
    }
    const form = new URLSearchParams(await readBody(ctx.req));
    const [id = '', secret = ''] = Buffer.from(ctx.get('authorization').replace(/^Basic /i, ''), 'base64').toString('utf8').split(':').map(decodeURIComponent);
    const expected = secrets.get(id);
    const presented = Buffer.from(secret);
    if (!expected || expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_client' };
      return;
    }
    const api = byResource.get(form.get('resource') ?? defaultApi.resource);
    const signing = api && keys.get(api.signingAlg);
    if (form.get('grant_type') !== 'client_credentials' || !api || !signing) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request' };
      return;
    }
    const scope = form.get('scope') ?? '';
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({ client_id: id, scope })
      .setProtectedHeader({ alg: api.signingAlg, typ: 'at+jwt', kid: signing.kid })
      .setIssuer(issuer).setSubject(id).setAudience(api.resource).setIssuedAt(now).setExpirationTime(now + api.accessTokenTtl).setJti(randomUUID())
      .sign(signing.key);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { access_token: accessToken, token_type: 'Bearer', expires_in: api.accessTokenTtl, scope };
  });
  createHttpServer(app.callback()).listen(port);
}

/** One key per algorithm, RS256 first (oidc-provider signs with the first key of an algorithm). */
async function generateSigningKeys(algorithms: SigningAlgorithm[]): Promise<JWK[]> {
  const keys: JWK[] = [];
  for (const alg of new Set(algorithms)) {
    const options = alg === 'EdDSA' ? { crv: 'Ed25519' } : alg === 'RS256' ? { modulusLength: 2048 } : {};
    const { privateKey } = await generateKeyPair(alg, { ...options, extractable: true });
    keys.push({ ...(await exportJWK(privateKey)), alg, use: 'sig', kid: randomUUID() });
  }
  return keys;
}

// ---------------------------------------------------------------------------------------------
// Report

function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatRatio(ratio: number | undefined): string {
  return ratio === undefined ? 'n/a' : `${formatNumber(ratio * 100)}%`;
}

function renderTable(headers: string[], body: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => cells
    .map((cell, column) => (rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
    .join('  ')
    .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

function referenceOf(rows: Row[], row: Row, backend: 'baseline' | 'ceiling'): Measurement | undefined {
  return rows.find((candidate) => candidate.backend === backend && candidate.scenario === row.scenario)?.measurement;
}

function ratioTo(rows: Row[], row: Row, backend: 'baseline' | 'ceiling'): number | undefined {
  const reference = referenceOf(rows, row, backend);
  if (!row.measurement || !reference || reference.requestsPerSecond === 0) return undefined;
  return row.measurement.requestsPerSecond / reference.requestsPerSecond;
}

const perCpuSecond = (m: Measurement | undefined) => (m?.cpuSeconds ? m.requests / m.cpuSeconds : undefined);
const cpuMsPerRequest = (m: Measurement | undefined) => (m?.cpuSeconds && m.requests ? (m.cpuSeconds * 1000) / m.requests : undefined);
const storeMsPerRequest = (m: Measurement | undefined) => (m?.storeSeconds !== undefined && m.requests ? (m.storeSeconds * 1000) / m.requests : undefined);
const databaseCpuMsPerRequest = (m: Measurement | undefined) => (m?.databaseCpuSeconds !== undefined && m.requests ? (m.databaseCpuSeconds * 1000) / m.requests : undefined);
const optional = (value: number | undefined, digits = 0) => (value === undefined ? '-' : formatNumber(value, digits));

function printResults(rows: Row[]): void {
  const backends = [...new Set(rows.map((row) => row.backend))];
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

// ---------------------------------------------------------------------------------------------
// People: sign-in and refresh (ours only: the references have no users)

const SIGN_IN_USERS = BENCH_USER_COUNT;
const SIGN_IN = 'sign-in (form to code, code exchange)';
const REFRESH = 'refresh_token grant';

async function benchmarkPeople(servers: RunningServer[], peopleClient: ClientCredentials, password: string, settings: Settings): Promise<Row[]> {
  const rows: Row[] = [];
  for (const server of servers.filter((candidate) => candidate.backend === 'sqlite' || candidate.backend === 'mongodb')) {
    const flow = { url: server.url, clientSecret: peopleClient.secret, password };
    try {
      progress(`${SIGN_IN}: ${server.backend}`);
      // Each user's first sign-in also consents; later ones find the consent remembered.
      const signedIn = await Promise.all(Array.from({ length: BENCH_USER_COUNT }, (_, user) => signInOnce({ ...flow, user })));
      const tokens = signedIn[0]!;
      await signInLoad(flow, WARMUP_SECONDS, SIGN_IN_USERS);
      const cpuBefore = processTreeCpuSeconds(server.pid);
      const load = await signInLoad(flow, settings.durationSeconds * settings.rounds, SIGN_IN_USERS);
      const cpuAfter = processTreeCpuSeconds(server.pid);
      rows.push({
        scenario: SIGN_IN,
        backend: server.backend,
        measurement: {
          requestsPerSecond: load.completed / load.seconds, requests: load.completed,
          cpuSeconds: difference(cpuBefore, cpuAfter), storeSeconds: undefined, databaseCpuSeconds: undefined,
          p50Ms: percentile(load.latenciesMs, 0.5) ?? 0, p99Ms: percentile(load.latenciesMs, 0.99) ?? 0,
          non2xx: load.failed, errors: 0, otherStatuses: load.firstError ? `first failure: ${load.firstError}` : '', errorKinds: '',
        },
      });

      progress(`${REFRESH}: ${server.backend}`);
      const refreshToken = String(tokens.refresh_token);
      const request: LoadRequest = {
        path: '/token',
        form: { grant_type: 'refresh_token', refresh_token: refreshToken },
        problemWith: (body) => (typeof body.id_token === 'string' && typeof body.access_token === 'string' ? undefined : 'expected new tokens'),
      };
      await verifyOnce(server, peopleClient, request);
      const rounds: Round[] = [];
      for (let round = 0; round < settings.rounds; round += 1) rounds.push(await measureRound(server, peopleClient, request, settings));
      rows.push({ scenario: REFRESH, backend: server.backend, measurement: combine(rounds) });
    } catch (error) {
      rows.push({ scenario: SIGN_IN, backend: server.backend, failure: errorMessage(error) });
    }
  }
  return rows;
}

function printPeopleResults(rows: Row[]): void {
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

interface Target {
  text: string;
  /** undefined: could not be measured. */
  passed: boolean | undefined;
  measured: string;
  /** The scenarios it is measured from. */
  needs: Scenario[];
}

function targetsOf(rows: Row[]): Target[] {
  const targets: Target[] = [];
  const row = (scenario: string, backend: Backend) => rows.find((candidate) => candidate.scenario === scenario && candidate.backend === backend);
  const ours = rows.filter((candidate) => candidate.backend !== 'baseline' && candidate.backend !== 'ceiling');
  const ratioTarget = (backend: Backend, label: string, minimum: number) => {
    for (const scenario of SCENARIOS) {
      const found = row(scenario.name, backend);
      if (!found) continue;
      const ratio = ratioTo(rows, found, 'baseline');
      targets.push({ text: `${scenario.name}, ${label}: >= ${minimum * 100}% of baseline`, passed: ratio === undefined ? undefined : ratio >= minimum, measured: formatRatio(ratio), needs: [scenario] });
    }
  };
  ratioTarget('sqlite', 'embedded store', 1);
  ratioTarget('mongodb', 'MongoDB', 0.9);
  for (const found of ours) {
    const p99 = found.measurement?.p99Ms;
    targets.push({
      text: `p99 < ${P99_TARGET_MS} ms, ${found.scenario} on ${found.backend}`, passed: p99 === undefined ? undefined : p99 < P99_TARGET_MS,
      measured: p99 === undefined ? 'not measured' : `${formatNumber(p99, 1)} ms`, needs: SCENARIOS.filter((scenario) => scenario.name === found.scenario),
    });
  }
  for (const backend of ['sqlite', 'mongodb'] as const) {
    const introspection = row(INTROSPECTION.name, backend)?.measurement;
    const issuance = row(RS256_ISSUANCE.name, backend)?.measurement;
    const ratio = introspection && issuance ? introspection.requestsPerSecond / issuance.requestsPerSecond : undefined;
    targets.push({ text: `JWT introspection >= JWT (RS256) issuance on ${backend}`, passed: ratio === undefined ? undefined : ratio >= 1, measured: formatRatio(ratio), needs: [INTROSPECTION, RS256_ISSUANCE] });
  }
  const opaqueMongo = row(OPAQUE_ISSUANCE.name, 'mongodb')?.measurement;
  const jwtMongo = row(RS256_ISSUANCE.name, 'mongodb')?.measurement;
  const serverCost = (m: Measurement | undefined) => cpuMsPerRequest(m);
  const opaqueCost = serverCost(opaqueMongo);
  const jwtCost = serverCost(jwtMongo);
  targets.push({
    text: 'server CPU per opaque token <= per RS256 JWT on MongoDB',
    passed: opaqueCost === undefined || jwtCost === undefined ? undefined : opaqueCost <= jwtCost,
    measured: opaqueCost === undefined || jwtCost === undefined ? 'not measured' : `${formatNumber(opaqueCost, 3)} vs ${formatNumber(jwtCost, 3)} ms`,
    needs: [OPAQUE_ISSUANCE, RS256_ISSUANCE],
  });
  for (const scenario of [RS256_ISSUANCE, ES256_ISSUANCE]) {
    const found = row(scenario.name, 'sqlite');
    const ratio = found && ratioTo(rows, found, 'ceiling');
    targets.push({ text: `${scenario.name} on sqlite >= 75% of the ceiling (Koa + jose)`, passed: ratio === undefined ? undefined : ratio >= 0.75, measured: formatRatio(ratio), needs: [scenario] });
  }
  for (const [scenario, minimum] of [[ES256_ISSUANCE, 3_000], [OPAQUE_ISSUANCE, 3_500]] as const) {
    const perSecond = perCpuSecond(row(scenario.name, 'sqlite')?.measurement);
    targets.push({ text: `${scenario.name} on sqlite >= ${formatNumber(minimum)} per server CPU-second`, passed: perSecond === undefined ? undefined : perSecond >= minimum, measured: optional(perSecond), needs: [scenario] });
  }
  return targets;
}

function printTargets(rows: Row[], settings: Settings): void {
  console.log('\nTargets (the project\'s own goals; FAIL means not met yet, which does not change the exit code; see the README):');
  for (const target of targetsOf(rows)) {
    // Unmeasured is a failure, unless BENCH_SCENARIOS left out what the target needs.
    const unmeasured = target.needs.some((scenario) => !selected(settings, scenario.name)) ? 'SKIP' : 'FAIL';
    const verdict = target.passed === undefined ? unmeasured : target.passed ? 'PASS' : 'FAIL';
    console.log(`${verdict}  ${target.text} (measured ${target.measured})`);
  }
  const withErrors = rows.filter((found) => found.measurement && (found.measurement.non2xx > 0 || found.measurement.errors > 0));
  for (const found of withErrors) {
    console.log(`WARNING  ${found.scenario} on ${found.backend}: ${found.measurement!.non2xx} non-2xx responses, ${found.measurement!.errors} connection errors`);
  }
}

function printMachineAndSettings(settings: Settings): void {
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

// ---------------------------------------------------------------------------------------------
// Entry points

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function positiveIntegerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return Number(raw);
}

function stopOnSignals(cleanup: Cleanup): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping servers`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }
}

async function main(): Promise<void> {
  const settings: Settings = {
    durationSeconds: positiveIntegerFromEnv('BENCH_DURATION', 5),
    connections: positiveIntegerFromEnv('BENCH_CONNECTIONS', 50),
    workers: positiveIntegerFromEnv('BENCH_WORKERS', 2),
    rounds: positiveIntegerFromEnv('BENCH_ROUNDS', 3),
    only: (process.env.BENCH_SCENARIOS ?? '').toLowerCase().split(',').map((word) => word.trim()).filter(Boolean),
  };
  const cleanup = new Cleanup();
  stopOnSignals(cleanup);
  printMachineAndSettings(settings);

  const rows: Row[] = [];
  const peopleRows: Row[] = [];
  try {
    const workDir = mkdtempSync(join(tmpdir(), 'dcr-bench-'));
    cleanup.add(() => rmSync(workDir, { recursive: true, force: true }));
    const client: ClientCredentials = { id: 'bench-client', secret: randomBytes(24).toString('base64url') };
    const peopleClient: ClientCredentials = { id: PEOPLE_CLIENT.id, secret: randomBytes(24).toString('base64url') };
    const password = randomBytes(18).toString('base64url');
    const configFile = writeConfiguration(workDir, client, peopleClient);
    const servers: RunningServer[] = [];
    const start = async (backend: Backend, starting: () => Promise<RunningServer>) => {
      if (cleanup.started) return;
      progress(`${backend}: starting`);
      try {
        servers.push(await starting());
      } catch (error) {
        const failure = `server did not start: ${errorMessage(error)}`;
        progress(`${backend}: ${failure}`);
        for (const scenario of SCENARIOS.filter((candidate) => !candidate.servedBy || candidate.servedBy(backend))) {
          rows.push({ scenario: scenario.name, backend, failure });
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
    // People first: FerretDB's SQLite backend answers every query but one by _id with a scan of the
    // collection (its explain says SCAN), and the token scenarios leave it holding ~100,000 tokens.
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
  console.log(`\nResident memory after the scenarios: ${[...memoryAfterLoad].map(([backend, mib]) => `${backend} ${formatNumber(mib)} MiB`).join(', ')}`);
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
