// Benchmarks client_credentials issuance and JWT introspection of this server, on the embedded SQLite
// store and on MongoDB, against a bare oidc-provider with the same settings (the baseline).
//
//   npm run bench                      (env: BENCH_DURATION seconds, BENCH_CONNECTIONS, MONGODB_URI)
//
// Every server runs in a child process of its own, started as production starts it, and only one is
// ever under load. This process is the load generator. It also hosts the baseline when re-invoked
// as `bench.js --baseline-server <port> <config file>`.
import autocannon from 'autocannon';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { MongoClient } from 'mongodb';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer, Socket } from 'node:net';
import { arch, availableParallelism, cpus, loadavg, platform, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Provider, { errors, type ClientMetadata, type Configuration as ProviderConfiguration } from 'oidc-provider';

import { ENVIRONMENT_KEYS, type ResourceServerConfig, type SigningAlgorithm } from '../src/configuration/index.js';

const BASELINE_SERVER_FLAG = '--baseline-server';
const MAIN_SCRIPT = fileURLToPath(new URL('../src/main.js', import.meta.url));
const FERRETDB_SCRIPT = fileURLToPath(new URL('../../scripts/ferretdb.sh', import.meta.url));
const NODE_FLAGS = ['--disable-warning=ExperimentalWarning'];

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
}

type Backend = 'baseline' | 'sqlite' | 'mongodb';

interface RunningServer {
  backend: Backend;
  url: string;
  /** How the process ended, when it did. */
  exitDescription(): string | undefined;
  stop(): Promise<void>;
}

interface Settings {
  durationSeconds: number;
  connections: number;
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
  /** The request to load the server with, after issuing whatever token it needs. */
  prepare(server: RunningServer, client: ClientCredentials): Promise<LoadRequest>;
}

const RS256_ISSUANCE = issuanceScenario('client_credentials, JWT RS256', RS256_API);
const SCENARIOS: Scenario[] = [
  RS256_ISSUANCE,
  issuanceScenario('client_credentials, JWT ES256', ES256_API),
  issuanceScenario('client_credentials, opaque', OPAQUE_API),
  {
    name: 'introspection of an RS256 JWT',
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
  },
];

function issuanceScenario(name: string, api: ResourceServerConfig): Scenario {
  return {
    name,
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

function measurementOf({ result, errorKinds }: LoadResult): Measurement {
  const otherStatuses = countsOf(Object.entries(result.statusCodeStats)
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, { count }]) => [status, count]));
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    otherStatuses,
    errorKinds: countsOf(errorKinds),
  };
}

async function runScenario(server: RunningServer, client: ClientCredentials, scenario: Scenario, settings: Settings): Promise<Row> {
  const row: Row = { scenario: scenario.name, backend: server.backend };
  try {
    const request = await scenario.prepare(server, client);
    if (request.note) row.note = request.note;
    await verifyOnce(server, client, request);
    progress(`${server.backend}: ${scenario.name}`);
    await generateLoad(server, client, request, WARMUP_SECONDS, settings.connections);
    row.measurement = measurementOf(await generateLoad(server, client, request, settings.durationSeconds, settings.connections));
  } catch (error) {
    row.failure = errorMessage(error);
    progress(`${server.backend}: ${scenario.name} FAILED: ${row.failure}`);
  }
  return row;
}

async function benchmarkBackend(
  backend: Backend, start: () => Promise<RunningServer>, client: ClientCredentials, settings: Settings,
): Promise<Row[]> {
  let server: RunningServer;
  try {
    progress(`${backend}: starting`);
    server = await start();
  } catch (error) {
    const failure = `server did not start: ${errorMessage(error)}`;
    progress(`${backend}: ${failure}`);
    return SCENARIOS.map((scenario) => ({ scenario: scenario.name, backend, failure }));
  }
  try {
    const rows: Row[] = [];
    for (const scenario of SCENARIOS) {
      const exit = server.exitDescription();
      rows.push(exit ? { scenario: scenario.name, backend, failure: `server ${exit}` } : await runScenario(server, client, scenario, settings));
    }
    const exit = server.exitDescription();
    if (exit) progress(`${backend}: server ${exit}`);
    return rows;
  } finally {
    await server.stop();
  }
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
  backend: Backend, args: string[], env: NodeJS.ProcessEnv, port: number, readyPath: string, cleanup: Cleanup,
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
  return { backend, url, stop, exitDescription: () => exitDescription(child) };
}

/** Our server exactly as production starts it: dist/src/main.js, configured by its environment. */
async function startOurServer(
  backend: Backend, storeEnv: Record<string, string>, configFile: string, cleanup: Cleanup,
): Promise<RunningServer> {
  const port = await freePort();
  const env = {
    ...cleanEnvironment(), ...storeEnv,
    PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn', CONFIG_FILE: configFile,
  };
  return startNodeServer(backend, [MAIN_SCRIPT], env, port, '/healthz', cleanup);
}

async function startBaselineServer(configFile: string, cleanup: Cleanup): Promise<RunningServer> {
  const port = await freePort();
  const args = [fileURLToPath(import.meta.url), BASELINE_SERVER_FLAG, String(port), configFile];
  return startNodeServer('baseline', args, cleanEnvironment(), port, '/.well-known/openid-configuration', cleanup);
}

/** A database of the benchmark's own: on the MONGODB_URI server when set, on a FerretDB started for the run otherwise. */
async function benchMongodbUri(workDir: string, cleanup: Cleanup): Promise<string> {
  const given = process.env.MONGODB_URI;
  if (given) {
    const uri = withDatabase(given, `dcr_bench_${Date.now()}`);
    cleanup.add(() => dropDatabase(uri));
    return uri;
  }
  const port = await freePort();
  const dataDir = join(workDir, 'ferretdb');
  progress(`mongodb: starting FerretDB on 127.0.0.1:${port} (the first run builds it with Go)`);
  const child = spawnChild('bash', [FERRETDB_SCRIPT, 'start', String(port), dataDir], process.env, true);
  cleanup.add(() => stopChild(child, true));
  await waitUntil('FerretDB', () => acceptsConnections(port), child, FERRETDB_START_TIMEOUT_MS);
  return `mongodb://127.0.0.1:${port}/dcr_bench`;
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

function writeConfiguration(workDir: string, client: ClientCredentials): string {
  const configuration: BenchConfiguration = {
    resourceServers: RESOURCE_SERVERS,
    clients: [{
      client_id: client.id,
      client_secret: client.secret,
      scope: RESOURCE_SERVERS.flatMap((api) => api.scopes).join(' '),
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
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

function baselineOf(rows: Row[], row: Row): Measurement | undefined {
  return rows.find((candidate) => candidate.backend === 'baseline' && candidate.scenario === row.scenario)?.measurement;
}

function ratioToBaseline(rows: Row[], row: Row): number | undefined {
  const baseline = baselineOf(rows, row);
  if (!row.measurement || !baseline || baseline.requestsPerSecond === 0) return undefined;
  return row.measurement.requestsPerSecond / baseline.requestsPerSecond;
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

function printResults(rows: Row[]): void {
  const backendOrder: Backend[] = ['baseline', 'sqlite', 'mongodb'];
  const ordered = SCENARIOS.flatMap((scenario) => backendOrder.flatMap((backend) =>
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
    if (!m) return [row.scenario, row.backend, '-', '-', '-', '-', '-', '-', marks];
    return [
      row.scenario, row.backend, formatNumber(m.requestsPerSecond), formatNumber(m.p50Ms, 1), formatNumber(m.p99Ms, 1),
      formatRatio(ratioToBaseline(rows, row)), String(m.non2xx), String(m.errors), marks,
    ];
  });
  const headers = ['scenario', 'backend', 'requests/s', 'p50 ms', 'p99 ms', 'vs baseline', 'non-2xx', 'errors', 'notes'];
  console.log(`\n${renderTable(headers, body, new Set([2, 3, 4, 5, 6, 7]))}`);
  notes.forEach((text, index) => console.log(`[${index + 1}] ${text}`));
  console.log('requests/s counts 2xx responses only; "vs baseline" = requests/s / baseline requests/s of the same scenario.');
}

function printTargets(rows: Row[]): void {
  const verdict = (passed: boolean | undefined) => (passed === undefined ? 'FAIL' : passed ? 'PASS' : 'FAIL');
  const issuanceTarget = (backend: Backend, label: string, minimum: number) => {
    const row = rows.find((candidate) => candidate.backend === backend && candidate.scenario === RS256_ISSUANCE.name);
    const ratio = row && ratioToBaseline(rows, row);
    console.log(`${verdict(ratio === undefined ? undefined : ratio >= minimum)}  JWT issuance (RS256), ${label}: >= ${minimum * 100}% of baseline (measured ${formatRatio(ratio)})`);
  };
  console.log('\nTargets (the project\'s own goals; FAIL means not met yet, which does not change the exit code; see the README):');
  issuanceTarget('sqlite', 'embedded store', 1);
  issuanceTarget('mongodb', 'MongoDB', 0.9);
  for (const row of rows.filter((candidate) => candidate.backend !== 'baseline')) {
    const p99 = row.measurement?.p99Ms;
    const measured = p99 === undefined ? 'not measured' : `${formatNumber(p99, 1)} ms`;
    console.log(`${verdict(p99 === undefined ? undefined : p99 < P99_TARGET_MS)}  p99 < ${P99_TARGET_MS} ms, ${row.scenario} on ${row.backend} (measured ${measured})`);
  }
  const withErrors = rows.filter((row) => row.measurement && (row.measurement.non2xx > 0 || row.measurement.errors > 0));
  for (const row of withErrors) {
    console.log(`WARNING  ${row.scenario} on ${row.backend}: ${row.measurement!.non2xx} non-2xx responses, ${row.measurement!.errors} connection errors`);
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
  console.log(`Load:    autocannon ${autocannonVersion} in this process, ${settings.connections} connections, pipelining 1, ${WARMUP_SECONDS} s warm-up + ${settings.durationSeconds} s per scenario, servers one at a time in child processes`);
  console.log(`Servers: baseline = bare oidc-provider (in-memory adapter, static client); sqlite = dist/src/main.js with a fresh DATA_DIR; mongodb = dist/src/main.js on ${mongodb}`);
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
    durationSeconds: positiveIntegerFromEnv('BENCH_DURATION', 10),
    connections: positiveIntegerFromEnv('BENCH_CONNECTIONS', 50),
  };
  const cleanup = new Cleanup();
  stopOnSignals(cleanup);
  printMachineAndSettings(settings);

  const rows: Row[] = [];
  try {
    const workDir = mkdtempSync(join(tmpdir(), 'dcr-bench-'));
    cleanup.add(() => rmSync(workDir, { recursive: true, force: true }));
    const client: ClientCredentials = { id: 'bench-client', secret: randomBytes(24).toString('base64url') };
    const configFile = writeConfiguration(workDir, client);
    const run = async (backend: Backend, start: () => Promise<RunningServer>) => {
      if (cleanup.started) return;
      rows.push(...(await benchmarkBackend(backend, start, client, settings)));
    };

    await run('baseline', () => startBaselineServer(configFile, cleanup));
    await run('sqlite', () => {
      const dataDir = join(workDir, 'sqlite');
      mkdirSync(dataDir);
      return startOurServer('sqlite', { DATA_DIR: dataDir }, configFile, cleanup);
    });
    await run('mongodb', async () => {
      const mongodbUri = await benchMongodbUri(workDir, cleanup);
      return startOurServer('mongodb', { MONGODB_URI: mongodbUri, ENCRYPTION_KEY: randomBytes(32).toString('base64url') }, configFile, cleanup);
    });
  } finally {
    await cleanup.run();
  }

  printResults(rows);
  printTargets(rows);
  if (rows.some((row) => row.failure)) process.exitCode = 1;
}

if (process.argv[2] === BASELINE_SERVER_FLAG) {
  serveBaseline(Number(process.argv[3]), process.argv[4]!).catch((error: unknown) => {
    process.stderr.write(`baseline server: ${errorMessage(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    progress(`failed: ${errorMessage(error)}`);
    process.exit(1);
  });
}
