// npm run bench:scale: the cost of growth, on each store. Clients are written straight into the
// store up to each size and the server restarted on them (its start-up timed); at each size the
// token, introspection and admin requests run against clients drawn at random from all of them.
// Then tokens: issuance at an almost empty store, a bulk of stored tokens expiring, issuance with
// them stored, and steady issuance while they expire, with each sweep timed.
// Settings: BENCH_SCALE_CLIENTS, _TOKENS, _BACKENDS, _SECONDS, _CONNECTIONS, _TOKEN_TTL,
// _STEADY_SECONDS, _SOAK_MINUTES, _SWEEP_SECONDS, _WARMUP_SECONDS, _EXPIRY_LEAD_SECONDS, _CLIENT_CACHE
// (scripts/bench-scale/settings.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { benchMongodbUri } from '../bench/database.js';
import { errorMessage, progress } from '../bench/log.js';
import { processTreeRssMiB } from '../bench/proc-sampler.js';
import { Cleanup, stopOnSignals } from '../bench/processes.js';
import { basicAuthorization } from '../bench/requests.js';
import { startOurServer, type RunningServer } from '../bench/servers.js';
import { clientId, runSecrets, writeScaleConfiguration, type RunSecrets } from './fixtures.js';
import { mongodbPopulator, mongodbProbe, sqlitePopulator, sqliteProbe, type Populator, type StoreProbe } from './populate.js';
import { clientsTable, costTable, header, tokensTable, verdictLines, verdicts, type BackendResult, type SizeResult } from './report.js';
import { clientScenarios, FORM, measure } from './scenarios.js';
import { scaleSettingsFromEnvironment, type ScaleBackend, type ScaleSettings } from './settings.js';
import { measureIssuance, opaqueIssuance, steadyRun } from './token-run.js';

const TEMPLATE_NAME = 'scale template';

interface StoreUnderTest {
  env: Record<string, string>;
  populator(templateClientId: string): Promise<Populator>;
  probe(): Promise<StoreProbe>;
}

async function storeUnderTest(backend: ScaleBackend, workDir: string, secrets: RunSecrets, cleanup: Cleanup): Promise<StoreUnderTest> {
  if (backend === 'sqlite') {
    const dataDir = join(workDir, 'data');
    const templates = {};
    return { env: { DATA_DIR: dataDir }, populator: async (id) => sqlitePopulator(dataDir, secrets, id, templates), probe: async () => sqliteProbe(dataDir) };
  }
  const { uri, databasePid } = await benchMongodbUri(workDir, cleanup);
  const ferretDataDir = databasePid === undefined ? undefined : join(workDir, 'ferretdb');
  const templates = {};
  return { env: { MONGODB_URI: uri }, populator: (id) => mongodbPopulator(uri, secrets, id, templates), probe: () => mongodbProbe(uri, ferretDataDir) };
}

async function adminJson(server: RunningServer, secrets: RunSecrets, method: string, path: string, body?: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}${path}`, {
    method, headers: { authorization: `Bearer ${secrets.adminToken}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const answer = await response.json() as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function timedStart(backend: ScaleBackend, store: StoreUnderTest, secrets: RunSecrets, configFile: string, cleanup: Cleanup): Promise<{ server: RunningServer; seconds: number }> {
  const started = performance.now();
  const server = await startOurServer(backend, { ...store.env, ADMIN_TOKEN: secrets.adminToken, ENCRYPTION_KEY: secrets.encryptionKey }, configFile, cleanup);
  return { server, seconds: (performance.now() - started) / 1000 };
}

/** One populated client read back through the admin API, and one of them given a token: the copies are clients the server serves. */
async function spotCheck(server: RunningServer, secrets: RunSecrets, clients: number): Promise<void> {
  const last = clientId(clients - 1);
  const read = await adminJson(server, secrets, 'GET', `/admin/clients/${last}`);
  if (read.client_id !== last) throw new Error(`GET /admin/clients/${last} answered another client`);
  const { method, path, headers, body } = opaqueIssuance(secrets, clients)();
  const response = await fetch(`${server.url}${path}`, { method, headers, body });
  if (response.status !== 200) throw new Error(`a populated client got no token: HTTP ${response.status} ${await response.text()}`);
}

/** Fills result as each part completes, so that a run stopped part-way still reports what it measured. */
async function runBackend(result: BackendResult, settings: ScaleSettings, cleanup: Cleanup, workDir: string): Promise<void> {
  const { backend } = result;
  const secrets = runSecrets();
  const store = await storeUnderTest(backend, workDir, secrets, cleanup);
  const configFile = writeScaleConfiguration(workDir, secrets, settings);

  // The template: a client registered through the admin API, and one opaque token of its.
  let { server } = await timedStart(backend, store, secrets, configFile, cleanup);
  const template = await adminJson(server, secrets, 'POST', '/admin/clients', { client_name: TEMPLATE_NAME, grant_types: ['client_credentials'], scope: 'jwt:read opaque:read' });
  const templateId = String(template.client_id);
  const tokenResponse = await fetch(`${server.url}/token`, {
    method: 'POST', headers: { authorization: basicAuthorization({ id: templateId, secret: String(template.client_secret) }), 'content-type': FORM },
    body: 'grant_type=client_credentials&scope=opaque%3Aread&resource=https%3A%2F%2Fopaque.scale.example',
  });
  if (tokenResponse.status !== 200) throw new Error(`the template's token: HTTP ${tokenResponse.status} ${await tokenResponse.text()}`);
  await server.stop();

  let written = 0;
  let probe: StoreProbe | undefined;
  for (const [index, size] of settings.clientSizes.entries()) {
    progress(`${backend}: writing clients ${written} to ${size}`);
    const populator = await store.populator(templateId);
    const writing = performance.now();
    await populator.addClients(written, size);
    await populator.close();
    const writtenPerSecond = (size - written) / ((performance.now() - writing) / 1000);
    written = size;
    const start = await timedStart(backend, store, secrets, configFile, cleanup);
    server = start.server;
    probe ??= await store.probe();
    await spotCheck(server, secrets, size);
    progress(`${backend}: ${size} clients, started in ${start.seconds.toFixed(2)} s; measuring`);
    const measurements = await clientScenarios({ url: server.url, secrets, clients: size, probe }, settings);
    const sizeResult: SizeResult = {
      clients: size, startupSeconds: start.seconds, writtenPerSecond, rssMiB: processTreeRssMiB(server.pid), diskBytes: await probe.diskBytes(), measurements,
    };
    result.sizes.push(sizeResult);
    for (const { scenario, requestsPerSecond, p99Ms, failures } of measurements) progress(`${backend}: ${size} clients: ${scenario}: ${Math.round(requestsPerSecond)}/s, p99 ${p99Ms} ms, ${failures} failed`);
    if (index < settings.clientSizes.length - 1) await server.stop();
  }

  const largest = written;
  for (let minute = 1; minute <= settings.soakMinutes; minute += 1) {
    progress(`${backend}: soak minute ${minute} of ${settings.soakMinutes}`);
    await measure('soak', server.url, opaqueIssuance(secrets, largest), 60, settings.connections);
    result.soakRssMiB.push(processTreeRssMiB(server.pid) ?? 0);
  }

  progress(`${backend}: tokens`);
  const empty = await measureIssuance(server.url, secrets, largest, settings.seconds, settings.connections);
  await server.stop();
  const populator = await store.populator(templateId);
  const writing = performance.now();
  // They expire evenly over one lifetime, from expiryLeadSeconds after the write began: a write that
  // takes longer (10 million rows) leaves the steady run to start with all of them expired and unswept.
  const expiresFrom = new Date(Date.now() + settings.expiryLeadSeconds * 1000);
  await populator.addTokens(settings.tokens, largest, expiresFrom, new Date(expiresFrom.getTime() + settings.tokenTtlSeconds * 1000));
  await populator.close();
  const tokensPerSecond = settings.tokens / ((performance.now() - writing) / 1000);
  const start = await timedStart(backend, store, secrets, configFile, cleanup);
  server = start.server;
  const full = await measureIssuance(server.url, secrets, largest, settings.seconds, settings.connections);
  const lastStoredExpirySeconds = (expiresFrom.getTime() + settings.tokenTtlSeconds * 1000 - Date.now()) / 1000;
  progress(`${backend}: steady issuance for ${settings.steadySeconds} s while ${settings.tokens} tokens expire`);
  const steady = await steadyRun({ url: server.url, secrets, clients: largest, probe: probe! }, settings.steadySeconds, settings.connections);
  result.tokens = {
    expiryMode: await probe!.expiryMode(), stored: settings.tokens, writtenPerSecond: tokensPerSecond, startupSeconds: start.seconds, empty, full, steady,
    tokenTtlSeconds: settings.tokenTtlSeconds, sweepIntervalSeconds: settings.sweepIntervalSeconds, lastStoredExpirySeconds,
  };
  await probe!.close();
  await server.stop();
}

function backendReport(result: BackendResult): string {
  return [clientsTable([result]), '', costTable([result]), '', tokensTable([result]), verdictLines(verdicts([result])), ''].join('\n');
}

async function main(): Promise<number> {
  const settings = scaleSettingsFromEnvironment();
  const cleanup = new Cleanup();
  stopOnSignals(cleanup);
  process.stdout.write(`${header(settings)}\n\n`);
  try {
    // Each store's report is printed as soon as it is complete (or as far as it got): a run of hours loses nothing to a later failure.
    for (const backend of settings.backends) {
      const workDir = mkdtempSync(join(tmpdir(), `dcr-bench-scale-${backend}-`));
      cleanup.add(() => rmSync(workDir, { recursive: true, force: true }));
      const result: BackendResult = { backend, sizes: [], soakRssMiB: [], tokens: undefined };
      try {
        await runBackend(result, settings, cleanup, workDir);
      } finally {
        process.stdout.write(backendReport(result));
      }
    }
  } finally {
    await cleanup.run();
  }
  // As npm run bench: a FAIL is a measurement, not an error; a run that could not measure exits non-zero.
  return 0;
}

main().then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  progress(`failed: ${errorMessage(error)}`);
  process.exitCode = 2;
});
