import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MongoClient } from 'mongodb';

import { launchBrowser, newPage } from '../support/browser.js';
import { freePort, startServerProcess, stopServerProcess, waitForHealthy } from '../support/server-process.js';

/**
 * The README's examples, run as a reader would run them: its own text, against the real server
 * started as the README says, with only the port changed (tests run side by side) and `npm start`
 * lines left to the test. Every curl fails the block on an HTTP error.
 */
interface Block {
  language: string;
  section: string;
  code: string;
}

const README = readFileSync('README.md', 'utf8');

function blocks(): Block[] {
  const found: Block[] = [];
  let section = '';
  let open: { language: string; lines: string[] } | undefined;
  for (const line of README.split('\n')) {
    const fence = /^\s*```(\w*)\s*$/.exec(line);
    if (fence && !open) {
      open = { language: fence[1] ?? '', lines: [] };
    } else if (fence && open) {
      found.push({ language: open.language, section, code: open.lines.join('\n') });
      open = undefined;
    } else if (open) {
      open.lines.push(line.replace(/^ {2}/, ''));
    } else if (/^#{2,3} /.test(line)) {
      section = line.replace(/^#+ /, '');
    }
  }
  return found;
}

const shellIn = (section: string) => blocks().filter((block) => block.language === 'sh' && block.section === section).map((block) => block.code);

const CLI = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');

function runnable(code: string, port: number): string {
  return code
    .split('\n')
    .filter((line) => !/\bnpm start\b/.test(line))
    .join('\n')
    .replaceAll('localhost:3000', `localhost:${port}`)
    // The CLI as `npm run cli` runs it, without a compile check in the middle of the test run.
    .replaceAll(/npm run (-s )?cli --/g, `node ${CLI}`);
}

function run(script: string, cwd: string, env: Record<string, string>): { status: number | null; output: string } {
  const prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body --silent --show-error "$@"; }\n';
  const result = spawnSync('bash', ['-c', prelude + script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Waits until a TCP port accepts connections. */
async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

describe('the README', () => {
  let workDir: string;
  let dataDir: string;
  beforeEach(() => {
    // Inside the project, so that a script the README saves finds the project's packages (jose).
    mkdirSync('.test-data', { recursive: true });
    workDir = mkdtempSync(join('.test-data', 'readme-'));
    dataDir = mkdtempSync(join(tmpdir(), 'as-readme-'));
  });
  afterEach(() => {
    rmSync(workDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('its quick start is npm ci, npm start and npm test, which the CI script and package.json run', () => {
    const quickStart = shellIn('Quick start');
    expect(quickStart).toEqual(expect.arrayContaining(['npm ci\nnpm start', 'npm test', expect.stringMatching(/\nCONFIG_FILE=config\/example\.json npm start$/)]));
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain('dist/src/main.js');
    expect(scripts.prestart).toContain('build-if-stale');
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/^npm ci\nnpm test$/m);
  });

  test('its local MongoDB recipe names a script that exists, which says where it listens, and the store settings the server needs', async () => {
    const recipe = shellIn('Running against MongoDB');
    expect(recipe).toContain('npm run mongodb:local');
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['mongodb:local']).toMatch(/scripts\/ferretdb\.sh run \$\{MONGODB_PORT:-27017\}/);
    const start = recipe.find((code) => code.includes('127.0.0.1:27017'));
    // Once it listens, it says where, and how to start the server against it.
    const port = await freePort();
    const ferret = spawn('bash', ['scripts/ferretdb.sh', 'run', String(port), join(workDir, 'data-mongodb')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let printed = '';
      await new Promise<void>((resolve, reject) => {
        ferret.stdout.on('data', (chunk: Buffer) => {
          printed += chunk.toString();
          if (printed.includes('npm start')) resolve();
        });
        ferret.once('exit', () => reject(new Error(`ferretdb.sh exited: ${printed}`)));
      });
      expect(printed).toContain(`listens on mongodb://127.0.0.1:${port}`);
      expect(printed).toContain(`MONGODB_URI=mongodb://127.0.0.1:${port}/authz ENCRYPTION_KEY=`);
      const client = await MongoClient.connect(`mongodb://127.0.0.1:${port}/authz`, { serverSelectionTimeoutMS: 5_000 });
      expect((await client.db('authz').command({ ping: 1 })).ok).toBe(1);
      await client.close();
    } finally {
      ferret.kill('SIGINT');
      await new Promise((resolve) => ferret.once('exit', resolve));
    }
    expect(start).toMatch(/MONGODB_URI=mongodb:\/\/127\.0\.0\.1:27017\/authz/);
    expect(/ENCRYPTION_KEY='([^']+)'/.exec(start!)![1]!.length).toBeGreaterThanOrEqual(32);
  });

  test('the quick start, API, offline-validation, Konnect and user examples run against the quick start\'s server', async () => {
    const port = await freePort();
    // The server as the quick start starts it: its exports (ADMIN_TOKEN) and its configuration.
    const start = shellIn('Quick start').find((code) => code.includes('CONFIG_FILE=config/example.json'))!;
    const exported = Object.fromEntries([...start.matchAll(/^export (\w+)='([^']+)'$/gm)].map((match) => [match[1]!, match[2]!]));
    expect(exported.ADMIN_TOKEN).toBe(/export ADMIN_TOKEN='([^']+)'/.exec(shellIn('Managing users').join('\n'))![1]);
    const server = startServerProcess({ ...exported, PORT: String(port), DATA_DIR: dataDir, CONFIG_FILE: join(process.cwd(), 'config', 'example.json') });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`, server);
      const jose = blocks().find((block) => block.language === 'js' && block.section === 'API examples');
      writeFileSync(join(workDir, 'verify.mjs'), runnable(jose!.code, port));
      const script = [
        ...shellIn('Quick start').filter((code) => code.includes('curl')),
        ...shellIn('API examples'),
        // The offline validation, as the README says to run it, with the token from the examples above.
        'TOKEN="$TOKEN" node verify.mjs',
        ...shellIn('Kong Konnect: this server as the Dev Portal\'s DCR provider'),
        // A reader who goes on to the users section, against the same server.
        ...shellIn('Managing users'),
      ].map((code) => runnable(code, port)).join('\n');
      const { status, output } = run(script, workDir, {});
      expect(output).toContain('"username":"ada"');
      expect(output).toContain('"access_token"');
      expect(output).toContain('"active":false');
      expect(output).toContain("aud: 'https://api.example.com'");
      expect(output).toContain('"client_secret"');
      expect(output).toContain('204');
      expect(status).toBe(0);
    } finally {
      await stopServerProcess(server);
    }
  });

  test('the registration walk-through, the admin API examples and the key rotation run against config/registration-example.json', async () => {
    const port = await freePort();
    const adminToken = /export ADMIN_TOKEN='([^']+)'/.exec(README)![1]!;
    const server = startServerProcess({
      PORT: String(port), DATA_DIR: dataDir, ADMIN_TOKEN: adminToken, CONFIG_FILE: join(process.cwd(), 'config', 'registration-example.json'),
    });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`, server);
      const rotation = shellIn('Signing-key rotation that gateway caches survive');
      const script = [...shellIn('Walk-through'), ...shellIn('Examples'), ...shellIn('Managing users'), rotation[0]!].map((code) => runnable(code, port)).join('\n');
      const { status, output } = run(script, workDir, { PORT: String(port) });
      expect(output).toContain('"registration_access_token"');
      expect(output).toContain('HTTP/1.1 204');
      expect(output).toContain('portal-automation');
      expect(output).toMatch(/pending/);
      expect(output).toContain('"username":"ada"');
      expect(output).not.toContain('correct horse battery staple');
      expect(status).toBe(0);
    } finally {
      await stopServerProcess(server);
    }
  });

  test('its browser walk-through signs the demo user in to the demo web app, which shows the tokens', async () => {
    const port = await freePort();
    const server = startServerProcess({ PORT: String(port), DATA_DIR: dataDir, CONFIG_FILE: join(process.cwd(), 'config', 'example.json') });
    const password = /as `demo` with the\s+password `([^`]+)`/.exec(README)![1]!;
    expect(shellIn('Quick start')).toContain('npm run demo:client');
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    const [, demoScript] = /^node (\S+)$/.exec(scripts['demo:client']!)!;
    // On a port of its own (DEMO_PORT, as the README says): the example client's loopback redirect URIs match any port.
    expect(README).toContain('DEMO_PORT=8500 npm run demo:client');
    const demoPort = await freePort();
    const demoUrl = `http://127.0.0.1:${demoPort}`;
    const demo = spawn(process.execPath, [demoScript!], { env: { ...process.env, ISSUER: `http://localhost:${port}`, DEMO_PORT: String(demoPort) }, stdio: 'ignore' });
    const browser = await launchBrowser();
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`, server);
      await waitForPort(demoPort);
      const page = await newPage(browser);
      await page.goto(demoUrl);
      await page.getByRole('link', { name: /Sign in/ }).click();
      await page.getByLabel('Username').fill('demo');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${demoUrl}/callback**`);
      const shown = await page.locator('body').textContent();
      expect(shown).toContain('Signed in as demo');
      expect(shown).toContain('"email": "demo@example.com"');
      expect(shown).toContain('"access_token"');

      // The demo user is an administrator: the console, opened as the README says, signs it in
      // (the sign-in session is still there) and lists the example's clients.
      const consoleUrl = /open <(http:\/\/localhost:3000\/console)>/.exec(README)![1]!.replace(':3000', `:${port}`).replace('localhost', '127.0.0.1');
      await page.goto(consoleUrl);
      await page.waitForURL(`http://localhost:${port}/console/#/`);
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      expect(await page.locator('#who').textContent()).toContain('Demo User');
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Clients' }).click();
      await page.getByRole('link', { name: 'Demo web app (local use only)' }).waitFor();
    } finally {
      await browser.close();
      demo.kill();
      await stopServerProcess(server);
    }
  }, 60_000);
});
