/**
 * npm run conformance: the OpenID Foundation's conformance suite against this checkout's server.
 *
 * It starts FerretDB (the suite's database) behind a proxy that papers over what FerretDB lacks,
 * the suite, nginx with a throw-away certificate in front of both, and this server (dist/) with a
 * configuration made for the run; runs each plan with the suite's scripts/run-test-plan.py, whose
 * browser automation drives our sign-in, consent and logout pages; and prints one line per module
 * and a total, with the results and the screenshots of REVIEW modules under conformance-results/.
 *
 * The suite itself is not built here: CONFORMANCE_SUITE_DIR names a checkout with its jar built.
 * Exit: 0 when no module failed unexpectedly, 1 when one did, 2 when the run could not start.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import { Agent, fetch } from 'undici';

import { startAuthorizationServer, CONFORMANCE_USER } from './authorization-server.js';
import { runKeyRotationModule } from './key-rotation.js';
import { startMongoCompatProxy } from './mongo-compat-proxy.js';
import { ensureNginx, startNginx } from './nginx.js';
import { KEY_ROTATION_MODULE, selectedPlans, type Plan } from './plans.js';
import { freePort, Processes, waitFor } from './processes.js';
import { ensurePython } from './python.js';
import { line, markdown, markExpected, moduleResult, planResults, totals, type ExpectedFailure, type ModuleResult } from './report.js';
import { suiteConfig } from './suite-config.js';
import { checkSuiteDirectory, findJava, SetupError, startSuite, SuiteApi } from './suite.js';
import { makeCertificates } from './tls.js';

const repository = process.cwd();
const cacheDirectory = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'dcr-authorization-server');
const suiteDirectory = resolve(process.env.CONFORMANCE_SUITE_DIR ?? join(cacheDirectory, 'conformance-suite'));
const resultsDirectory = resolve(process.env.CONFORMANCE_RESULTS_DIR ?? join('conformance-results', new Date().toISOString().replace(/[:.]/g, '-')));

const say = (message: string) => process.stdout.write(`${message}\n`);

function variantsOf(spec: string): Record<string, string> {
  return Object.fromEntries([...spec.matchAll(/\[(\w+)=([^\]]+)\]/g)].map((match) => [match[1]!, match[2]!]));
}

const portOpen = (port: number) => new Promise<boolean>((resolvePort) => {
  const socket = connect(port, '127.0.0.1');
  socket.once('connect', () => {
    socket.destroy();
    resolvePort(true);
  });
  socket.once('error', () => resolvePort(false));
});

interface CreatedPlan { id: string; modules: { testModule: string; variant?: Record<string, string> }[] }

async function main(): Promise<number> {
  const started = Date.now();
  checkSuiteDirectory(suiteDirectory);
  const plans = selectedPlans(process.env.CONFORMANCE_PLANS);
  const logDirectory = join(resultsDirectory, 'logs');
  mkdirSync(logDirectory, { recursive: true });
  const processes = new Processes(logDirectory);
  const stop = async () => {
    await processes.stopAll();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`conformance: ${signal}, stopping what the run started`);
      void stop().then(() => process.exit(130));
    });
  }

  try {
    const java = findJava();
    const python = ensurePython(cacheDirectory);
    const nginx = ensureNginx(repository);
    const ferretdb = execFileSync('bash', [join(repository, 'scripts', 'ferretdb.sh'), 'install'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    const [ferretPort, suiteHttpPort, suiteTlsPort, serverHttpPort, serverTlsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const tlsDirectory = join(resultsDirectory, 'tls');
    mkdirSync(tlsDirectory, { recursive: true });
    const certificates = makeCertificates(tlsDirectory);

    say(`conformance: FerretDB on ${ferretPort}, the suite on ${suiteTlsPort} (TLS), the server on ${serverTlsPort} (TLS); logs in ${logDirectory}`);
    const ferretData = join(resultsDirectory, 'ferretdb-data');
    mkdirSync(ferretData, { recursive: true });
    const ferret = processes.start('ferretdb', ferretdb, [`--sqlite-url=file:${ferretData}/`, `--listen-addr=127.0.0.1:${ferretPort}`]);
    await waitFor('FerretDB', () => portOpen(ferretPort), 60_000, ferret);
    const proxyErrors: string[] = [];
    const proxy = await startMongoCompatProxy(ferretPort, (message) => proxyErrors.push(message));

    const suiteUrl = `https://localhost:${suiteTlsPort}`;
    const issuer = `https://localhost:${serverTlsPort}`;
    const front = startNginx(nginx, join(resultsDirectory, 'nginx'), certificates, [
      { kind: 'suite', listenPort: suiteTlsPort, backendPort: suiteHttpPort },
      { kind: 'authorization-server', listenPort: serverTlsPort, backendPort: serverHttpPort },
    ], processes);
    const suite = startSuite(java, suiteDirectory, { httpPort: suiteHttpPort, baseUrl: suiteUrl, mongodbUri: `mongodb://127.0.0.1:${proxy.port}/test_suite` }, processes);
    const { server, child: serverProcess } = startAuthorizationServer(repository, resultsDirectory, { issuer, port: serverHttpPort, caFile: certificates.caFile }, processes);
    const api = new SuiteApi(suiteUrl, certificates.ca);
    const dispatcher = new Agent({ connect: { ca: certificates.ca } });
    await waitFor('nginx', () => portOpen(suiteTlsPort), 30_000, front);
    await waitFor('the authorization server', async () => (await fetch(`${issuer}/.well-known/openid-configuration`, { dispatcher })).ok, 120_000, serverProcess);
    await waitFor('the conformance suite', () => api.ready(), 300_000, suite);
    say(`conformance: everything is up after ${Math.round((Date.now() - started) / 1000)} s`);

    const configuration = suiteConfig({ issuer, username: CONFORMANCE_USER, password: server.password });
    const configFile = join(resultsDirectory, 'suite-config.json');
    writeFileSync(configFile, JSON.stringify(configuration, null, 2));

    const results: ModuleResult[] = [];
    const planSeconds: Record<string, number> = {};
    for (const plan of plans) {
      const planStarted = Date.now();
      say(`conformance: plan ${plan.name}: ${plan.spec}`);
      results.push(...await runPlan(plan, { api, python, configFile, configuration, suiteUrl, processes, server, ca: certificates.ca }));
      planSeconds[plan.name] = Math.round((Date.now() - planStarted) / 1000);
    }
    await dispatcher.close();
    await api.close();
    await proxy.close();

    const expected = JSON.parse(readFileSync(join(repository, 'scripts', 'conformance', 'expected-failures.json'), 'utf8')) as ExpectedFailure[];
    markExpected(results, expected);
    const seconds = (Date.now() - started) / 1000;
    for (const result of results) say(line(result));
    const count = totals(results);
    say(`conformance: ${results.length} modules: ${count.PASSED} PASSED, ${count.WARNING} WARNING, ${count.REVIEW} REVIEW, ${count.SKIPPED} SKIPPED, `
      + `${count.FAILED} FAILED (${count.expectedFailures} expected) in ${Math.round(seconds)} s (${Object.entries(planSeconds).map(([name, s]) => `${name} ${s} s`).join(', ')})`);
    if (proxyErrors.length > 0) say(`conformance: the database proxy met ${proxyErrors.length} errors, the first: ${proxyErrors[0]}`);
    writeFileSync(join(resultsDirectory, 'summary.md'), markdown(results, seconds));
    writeFileSync(join(resultsDirectory, 'summary.json'), JSON.stringify({ seconds, planSeconds, totals: count, results }, null, 2));
    say(`conformance: results in ${resultsDirectory}`);
    return count.FAILED > count.expectedFailures ? 1 : 0;
  } finally {
    await stop();
  }
}

interface PlanContext {
  api: SuiteApi;
  python: string;
  configFile: string;
  configuration: Record<string, unknown>;
  suiteUrl: string;
  processes: Processes;
  server: ReturnType<typeof startAuthorizationServer>['server'];
  ca: string;
}

async function runPlan(plan: Plan, context: PlanContext): Promise<ModuleResult[]> {
  const { api, python, configFile, configuration, suiteUrl, processes, server, ca } = context;
  const variant = variantsOf(plan.spec);
  // The plan's modules, from a plan of our own (where the key-rotation module, if any, runs).
  const own = await api.json<CreatedPlan>('plan', {
    method: 'POST', query: { planName: plan.spec.replace(/\[.*$/, ''), ...(Object.keys(variant).length > 0 ? { variant: JSON.stringify(variant) } : {}) }, body: JSON.stringify(configuration),
  });
  const rotation = own.modules.find((module) => module.testModule === KEY_ROTATION_MODULE);
  const others = own.modules.filter((module) => module !== rotation).map((module) => module.testModule);
  const spec = rotation ? `${plan.spec}:${others.join(',')}` : plan.spec;
  const logName = `plan-${plan.name}`;
  await processes.run(logName, python, [join('scripts', 'run-test-plan.py'), '--verbose', '--no-parallel', spec, configFile], {
    cwd: suiteDirectory,
    env: { ...process.env, CONFORMANCE_SERVER: `${suiteUrl}/`, CONFORMANCE_DEV_MODE: '1', CONFORMANCE_MAX_CONSECUTIVE_FAILURES: '1000' },
  });
  const log = readFileSync(join(resultsDirectory, 'logs', `${logName}.log`), 'utf8');
  const planId = /plan-detail\.html\?plan=(\w+)/.exec(log)?.[1];
  if (!planId) throw new Error(`plan ${plan.name}: run-test-plan.py named no plan; see logs/${logName}.log`);
  const results = await planResults(api, plan.name, planId, resultsDirectory);
  if (rotation) {
    const variant = rotation.variant ?? {};
    try {
      const testId = await runKeyRotationModule(api, { planId: own.id, module: rotation.testModule, variant }, server, ca);
      results.push(await moduleResult(api, plan.name, rotation.testModule, variant, testId, resultsDirectory));
    } catch (error) {
      // One module the runner drives itself failing is that module's FAILED line, not the end of the run.
      results.push({ plan: plan.name, module: rotation.testModule, variant, testId: '', result: 'FAILED', reasons: [`runner: ${(error as Error).message}`], screenshots: [] });
    }
  }
  return results;
}

main().then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`conformance: ${error instanceof SetupError ? '' : 'failed: '}${(error as Error).message}\n`);
  process.exitCode = error instanceof SetupError ? 2 : 1;
});
