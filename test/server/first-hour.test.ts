import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { loadConfiguration } from '../../src/configuration/index.js';
import { basicAuth } from '../support/test-server.js';
import { freePort, startServerProcess, stopServerProcess, waitForHealthy } from '../support/server-process.js';

const MAIN = join(process.cwd(), 'dist', 'src', 'main.js');
const ENCRYPTION_KEY = 'first-hour-encryption-key-0123456789-abc';

/** A Node.js older than 22.13 on the PATH (the machine's own), as a wrong image or a wrong shell would use. */
function olderNode(): string {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory.includes('node_modules')) continue;
    const candidate = join(directory, 'node');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 13)) return candidate;
  }
  throw new Error('no Node.js older than 22.13 on the PATH: this test needs the machine\'s own Node (20 on our machines)');
}

/** Lines of output that are not JSON objects. */
const nonJsonLines = (output: string) => output.trim().split('\n').filter((line) => {
  try {
    return typeof JSON.parse(line) !== 'object';
  } catch {
    return true;
  }
});

describe('what a new user trips over', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'as-first-hour-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('an older Node.js stops at once with one line naming the version needed', () => {
    const node = olderNode();
    let output = '';
    let status: number | null = 0;
    try {
      execFileSync(node, [MAIN], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir }, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const failed = error as { status: number | null; stderr: string; stdout: string };
      status = failed.status;
      output = failed.stderr + failed.stdout;
    }
    expect(status).toBe(1);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain('Node.js 22.13 or later is needed');
    expect(readdirSync(dataDir)).toEqual([]);
  });

  test('a port in use stops start-up in one line naming the port, before the store is opened', async () => {
    const blocker: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, resolve));
    try {
      const store = join(dataDir, 'store');
      const run = startServerProcess({ PORT: String(port), DATA_DIR: store });
      expect(await run.exited).toBe(1);
      expect(run.output().trim()).toBe(`start-up failed: every interface, port ${port} (PORT) is already in use by another process`);
      expect(existsSync(store)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  test('a wrong ENCRYPTION_KEY for an existing store says the key does not match', async () => {
    const store = join(dataDir, 'store');
    const port = await freePort();
    const first = startServerProcess({ PORT: String(port), DATA_DIR: store, ENCRYPTION_KEY });
    await waitForHealthy(`http://127.0.0.1:${port}`, first);
    expect(await stopServerProcess(first)).toBe(0);
    const second = startServerProcess({ PORT: String(port), DATA_DIR: store, ENCRYPTION_KEY: `${ENCRYPTION_KEY}-but-another-one` });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain('is not the one this store was created with');
    expect(second.output()).not.toContain('Unsupported state');
  });

  test.each([
    ['under /proc, where Node\'s recursive mkdir never returns', '/proc/no-such-data-dir', 'ENOENT'],
    ['under a file', 'A_FILE/data', 'is not a directory'],
  ])('a DATA_DIR %s stops start-up naming DATA_DIR', async (_where, path, reason) => {
    writeFileSync(join(dataDir, 'A_FILE'), '');
    const directory = path.replace('A_FILE', join(dataDir, 'A_FILE'));
    const run = startServerProcess({ PORT: String(await freePort()), DATA_DIR: directory });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(new RegExp(`^start-up failed: .*${directory.replaceAll('/', '\\/')}.*\\(DATA_DIR\\).*${reason}`, 'm'));
  });

  test('errors about values from environment variables name the variable', () => {
    expect(() => loadConfiguration({ env: { ADMIN_TOKEN: 'short' } })).toThrow('configuration error: ADMIN_TOKEN (adminTokens[0]): must NOT have fewer than 16 characters');
    expect(() => loadConfiguration({ env: { PORT: 'eighty' } })).toThrow('configuration error: PORT:');
    expect(() => loadConfiguration({ env: { PORT: '70000' } })).toThrow('configuration error: PORT (port)');
    expect(() => loadConfiguration({ env: { ISSUER: 'not a url' } })).toThrow('configuration error: ISSUER (issuer)');
  });

  test('a missing ENCRYPTION_KEY with MongoDB is reported before any connection is attempted', async () => {
    let connections = 0;
    const database: Server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    const port = await freePort();
    await new Promise<void>((resolve) => database.listen(port, '127.0.0.1', resolve));
    try {
      const run = startServerProcess({ PORT: String(await freePort()), DATA_DIR: dataDir, MONGODB_URI: `mongodb://127.0.0.1:${port}/authz` });
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain('configuration error: encryptionKey');
      expect(connections).toBe(0);
    } finally {
      database.close();
    }
  });

  test('every line is JSON: an access log at info level, failed client authentication logged and counted, a warning without ADMIN_TOKEN', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const run = startServerProcess({ PORT: String(port), DATA_DIR: join(dataDir, 'store'), CONFIG_FILE: 'config/example.json' });
    try {
      await waitForHealthy(url, run);
      const token = await fetch(`${url}/token`, {
        method: 'POST',
        headers: { Authorization: basicAuth('demo-client', 'demo-secret-change-me-0123456789'), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=orders:read',
      });
      expect(token.status).toBe(200);
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const refused = await fetch(`${url}/token`, {
          method: 'POST',
          headers: { Authorization: basicAuth('demo-client', 'wrong-secret-0123456789'), 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        });
        expect(refused.status).toBe(401);
      }
      await fetch(`${url}/no/such/path?secret=value`);
    } finally {
      expect(await stopServerProcess(run)).toBe(0);
    }
    const output = run.output();
    expect(nonJsonLines(output)).toEqual([]);
    const lines = output.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual(expect.arrayContaining([
      expect.objectContaining({ level: 'warn', msg: expect.stringContaining('admin API accepts no ADMIN_TOKEN') }),
      expect.objectContaining({ level: 'info', msg: 'request', method: 'POST', route: 'token', status: 200, clientId: 'demo-client', requestId: expect.any(String), durationMs: expect.any(Number) }),
      expect.objectContaining({ level: 'warn', msg: 'client authentication failed', clientId: 'demo-client', failuresSinceStart: 2 }),
      expect.objectContaining({ level: 'info', msg: 'request', method: 'GET', route: 'unmatched', path: '/no/such/path', status: 404 }),
    ]));
    // Never a secret, a token or a query string.
    expect(output).not.toContain('demo-secret-change-me');
    expect(output).not.toContain('wrong-secret');
    expect(output).not.toContain('secret=value');
  });

  test('HOST keeps the server to the address it names', async () => {
    const port = await freePort();
    const run = startServerProcess({ PORT: String(port), HOST: '127.0.0.2', DATA_DIR: join(dataDir, 'store') });
    try {
      await waitForHealthy(`http://127.0.0.2:${port}`, run);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      await stopServerProcess(run);
    }
  });
});
