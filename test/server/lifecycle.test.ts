import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MongoClient } from 'mongodb';

import { MongoFaultProxy } from '../support/mongo-fault-proxy.js';
import { freePort, startServerProcess, stopServerProcess, waitForHealthy } from '../support/server-process.js';
import { CONSOLE_CLIENT_ID } from '../../src/console/index.js';

const ADMIN_TOKEN = 'lifecycle-admin-token-0123456789';
const ENCRYPTION_KEY = 'lifecycle-encryption-key-0123456789-abcdef';

interface Outcome {
  status?: number;
  clientId?: string;
  connection?: string;
  error?: string;
}

/** POSTs a registration on a keep-alive agent; resolves with what the caller saw. */
function register(url: string, agent: Agent): Promise<Outcome> {
  const body = JSON.stringify({ grant_types: ['client_credentials'] });
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const outgoing = httpRequest({
      host: hostname, port, method: 'POST', path: '/reg', agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const parsed = response.statusCode === 201 ? (JSON.parse(text) as { client_id: string }) : undefined;
        resolve({ status: response.statusCode, clientId: parsed?.client_id, connection: response.headers.connection });
      });
      response.on('error', (error) => resolve({ error: error.message }));
    });
    outgoing.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    outgoing.end(body);
  });
}

/** A registration whose body is held back until finish(): in flight for as long as the test wants. */
function slowRegistration(url: string): { finish(): void; outcome: Promise<Outcome> } {
  const body = JSON.stringify({ grant_types: ['client_credentials'] });
  const { hostname, port } = new URL(url);
  let finish = () => {};
  const outcome = new Promise<Outcome>((resolve) => {
    const outgoing = httpRequest({
      host: hostname, port, method: 'POST', path: '/reg', agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const parsed = response.statusCode === 201 ? (JSON.parse(Buffer.concat(chunks).toString()) as { client_id: string }) : undefined;
        resolve({ status: response.statusCode, clientId: parsed?.client_id, connection: response.headers.connection });
      });
    });
    outgoing.on('error', (error) => resolve({ error: error.message }));
    outgoing.write(body.slice(0, 5));
    finish = () => setTimeout(() => outgoing.end(body.slice(5)), 200);
  });
  return { finish: () => finish(), outcome };
}

/** Every client id the server holds, page after page. */
async function listClientIds(url: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${cursor}`;
    const response = await fetch(`${url}/admin/clients?limit=200${query}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    const page = (await response.json()) as { clients: { client_id: string }[]; next_cursor: string | null };
    ids.push(...page.clients.map((client) => client.client_id));
    cursor = page.next_cursor;
  } while (cursor !== null);
  return ids;
}

describe('the server process', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'as-lifecycle-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const writeConfig = (config: Record<string, unknown>) => {
    const configFile = join(dataDir, `config-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(configFile, JSON.stringify(config));
    return configFile;
  };

  const openModeConfig = () => {
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ registration: { mode: 'open', rateLimit: { maxRequests: 100_000 } } }));
    return configFile;
  };

  test('SIGTERM drains keep-alive connections: every stored registration was answered, every answer after SIGTERM closes its connection', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { PORT: String(port), DATA_DIR: join(dataDir, 'store'), ADMIN_TOKEN, CONFIG_FILE: openModeConfig() };
    const run = startServerProcess(env);
    await waitForHealthy(url, run);

    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const outcomes: Outcome[] = [];
    let sending = true;
    const workers = Array.from({ length: 8 }, async () => {
      while (sending) outcomes.push(await register(url, agent));
    });
    // One registration in flight across the signal: its body arrives after it.
    const inFlight = slowRegistration(url);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const signalledAt = Date.now();
    run.child.kill('SIGTERM');
    inFlight.finish();
    const exitCode = await run.exited;
    const stoppedAfterMs = Date.now() - signalledAt;
    sending = false;
    await Promise.all(workers);
    agent.destroy();
    expect(exitCode).toBe(0);
    expect(stoppedAfterMs).toBeLessThan(5_000);

    // The request in flight was answered, and told its client to close the connection.
    const slow = await inFlight.outcome;
    expect(slow.status).toBe(201);
    expect(slow.connection).toBe('close');
    const created = [...outcomes, slow].filter((outcome) => outcome.status === 201).map((outcome) => outcome.clientId!);
    expect(created.length).toBeGreaterThan(10);

    // Whatever was stored, its caller was told: nothing cut off mid-way.
    const restarted = startServerProcess(env);
    try {
      await waitForHealthy(url, restarted);
      // Everything stored but the console's own client (the server creates it) was registered by this test.
      const stored = (await listClientIds(url)).filter((id) => id !== CONSOLE_CLIENT_ID);
      expect(stored.sort()).toEqual([...created].sort());
    } finally {
      await stopServerProcess(restarted);
    }
  });

  test('kill -9 during opaque issuance loses no token that was handed out', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const configFile = join(dataDir, 'opaque.json');
    writeFileSync(configFile, JSON.stringify({
      resourceServers: [{ resource: 'https://opaque.example.com', scopes: ['opaque:read'], accessTokenFormat: 'opaque', default: true }],
      clients: [
        { client_id: 'issuer-client', client_secret: 'issuer-client-secret-0123456789', scope: 'opaque:read' },
        { client_id: 'gateway', client_secret: 'gateway-secret-0123456789abcdef' },
      ],
    }));
    const env = { PORT: String(port), DATA_DIR: join(dataDir, 'store'), CONFIG_FILE: configFile };
    const run = startServerProcess(env);
    await waitForHealthy(url, run);
    const auth = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const issued: string[] = [];
    let sending = true;
    const workers = Array.from({ length: 8 }, async () => {
      while (sending) {
        try {
          const response = await fetch(`${url}/token`, {
            method: 'POST',
            headers: { Authorization: auth('issuer-client', 'issuer-client-secret-0123456789'), 'Content-Type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials&scope=opaque:read',
          });
          if (response.status === 200) issued.push(((await response.json()) as { access_token: string }).access_token);
        } catch {
          // The process is gone: what was not answered was not handed out.
        }
      }
    });
    // Killed once a few dozen tokens are out, however fast this machine issues them, while the
    // workers keep asking: some requests are in flight, some tokens in a group not yet committed.
    while (issued.length < 30) await new Promise((resolve) => setTimeout(resolve, 10));
    run.child.kill('SIGKILL');
    await run.exited;
    sending = false;
    await Promise.all(workers);
    expect(issued.length).toBeGreaterThan(20);

    const restarted = startServerProcess(env);
    try {
      await waitForHealthy(url, restarted);
      const inactive: string[] = [];
      for (const token of issued) {
        const response = await fetch(`${url}/token/introspection`, {
          method: 'POST',
          headers: { Authorization: auth('gateway', 'gateway-secret-0123456789abcdef'), 'Content-Type': 'application/x-www-form-urlencoded' },
          body: `token=${encodeURIComponent(token)}`,
        });
        if (((await response.json()) as { active: boolean }).active !== true) inactive.push(token);
      }
      expect(inactive).toEqual([]);
    } finally {
      await stopServerProcess(restarted);
    }
  });

  test('a cluster of workers serves one port on MongoDB and stops with SIGTERM; the embedded store refuses one', async () => {
    const refused = startServerProcess({ PORT: String(await freePort()), DATA_DIR: join(dataDir, 'store'), CONFIG_FILE: writeConfig({ cluster: { workers: 2 } }) });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('configuration error: cluster.workers');

    const database = `cluster_${randomBytes(6).toString('hex')}`;
    const port = await freePort();
    const run = startServerProcess({
      PORT: String(port), DATA_DIR: dataDir, ENCRYPTION_KEY, MONGODB_URI: `${process.env.MONGODB_URI!.replace(/\/?$/, '/')}${database}`,
      CONFIG_FILE: writeConfig({
        cluster: { workers: 2 },
        resourceServers: [{ resource: 'https://api.example.com', scopes: ['orders:read'], default: true }],
        clients: [{ client_id: 'cluster-client', client_secret: 'cluster-client-secret-0123456789', scope: 'orders:read' }],
      }),
    });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`, run);
      // Each worker answers 503 "starting" until it is ready and says it listens: wait for both.
      const listeningLines = () => run.output().split('\n').filter((line) => line.includes('"msg":"listening"')).length;
      for (let waited = 0; listeningLines() < 2 && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${port}/token`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from('cluster-client:cluster-client-secret-0123456789').toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=orders:read',
      }).then((response) => response.status)));
      expect(statuses.every((status) => status === 200)).toBe(true);
      const listening = run.output().split('\n').filter((line) => line.includes('"msg":"listening"'));
      expect(listening).toHaveLength(2);
    } finally {
      expect(await stopServerProcess(run)).toBe(0);
      const client = await MongoClient.connect(`${process.env.MONGODB_URI!.replace(/\/?$/, '/')}${database}`);
      await client.db().dropDatabase();
      await client.close();
    }
  });

  test('a second process on the same DATA_DIR exits at once, naming the directory and the process holding it', async () => {
    const store = join(dataDir, 'store');
    const port = await freePort();
    const first = startServerProcess({ PORT: String(port), DATA_DIR: store });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`, first);
      const second = startServerProcess({ PORT: String(await freePort()), DATA_DIR: store });
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain(store);
      expect(second.output()).toContain(`process ${first.child.pid}`);
      // The first one is unaffected.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      expect(await stopServerProcess(first)).toBe(0);
    }
    // Once it stopped, the directory can be used again.
    const port2 = await freePort();
    const third = startServerProcess({ PORT: String(port2), DATA_DIR: store });
    await waitForHealthy(`http://127.0.0.1:${port2}`, third);
    expect(await stopServerProcess(third)).toBe(0);
  });

  test('after kill -9 the next process takes the directory over', async () => {
    const store = join(dataDir, 'store');
    const port = await freePort();
    const killed = startServerProcess({ PORT: String(port), DATA_DIR: store });
    await waitForHealthy(`http://127.0.0.1:${port}`, killed);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const next = startServerProcess({ PORT: String(port), DATA_DIR: store });
    await waitForHealthy(`http://127.0.0.1:${port}`, next);
    expect(await stopServerProcess(next)).toBe(0);
  });

  test('the embedded store keeps its directory 0700 and its files 0600', async () => {
    const store = join(dataDir, 'store');
    const port = await freePort();
    const run = startServerProcess({ PORT: String(port), DATA_DIR: store, ADMIN_TOKEN, CONFIG_FILE: openModeConfig() });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`, run);
      const agent = new Agent({ keepAlive: false });
      for (let index = 0; index < 3; index += 1) expect((await register(`http://127.0.0.1:${port}`, agent)).status).toBe(201);
      expect(statSync(store).mode & 0o777).toBe(0o700);
      const files = readdirSync(store);
      expect(files).toEqual(expect.arrayContaining(['authorization-server.sqlite', 'authorization-server.sqlite-wal', 'encryption.key']));
      for (const file of files) expect([file, statSync(join(store, file)).mode & 0o777]).toEqual([file, 0o600]);
    } finally {
      await stopServerProcess(run);
    }
  });

  test.each([
    ['a DATA_DIR inside a regular file', (base: string) => {
      writeFileSync(join(base, 'a-file'), '');
      return join(base, 'a-file', 'store');
    }],
    ['a DATA_DIR whose database file is a directory', (base: string) => {
      mkdirSync(join(base, 'store', 'authorization-server.sqlite'), { recursive: true });
      return join(base, 'store');
    }],
  ])('%s stops start-up with a message naming the path', async (_label, makeDataDir) => {
    const store = makeDataDir(dataDir);
    const run = startServerProcess({ PORT: String(await freePort()), DATA_DIR: store, ENCRYPTION_KEY });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(store);
  });

  test('an unreachable MongoDB stops start-up naming the URI without its password', async () => {
    const port = await freePort();
    const run = startServerProcess({
      PORT: String(await freePort()), DATA_DIR: dataDir, ENCRYPTION_KEY,
      MONGODB_URI: `mongodb://operator:s3cret-password@127.0.0.1:${port}/authz?serverSelectionTimeoutMS=500`,
    });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(`mongodb://***@127.0.0.1:${port}/authz`);
    expect(run.output()).not.toContain('s3cret-password');
  });

  test('SIGTERM while MongoDB stops answering: the process still exits within seconds', async () => {
    const proxy = await MongoFaultProxy.start(process.env.MONGODB_URI!);
    const database = `lifecycle_${randomBytes(6).toString('hex')}`;
    const port = await freePort();
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ storeTimeoutSeconds: 1, clientCacheSeconds: 0, http: { shutdownGraceSeconds: 5 } }));
    const run = startServerProcess({ PORT: String(port), DATA_DIR: dataDir, ENCRYPTION_KEY, MONGODB_URI: proxy.uri(database), CONFIG_FILE: configFile });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`, run);
      proxy.freeze();
      // A request waiting on the frozen store, then the signal.
      const pending = fetch(`http://127.0.0.1:${port}/token`, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        body: 'grant_type=client_credentials',
      }).then((response) => response.status, () => 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const signalledAt = Date.now();
      run.child.kill('SIGTERM');
      await run.exited;
      expect(Date.now() - signalledAt).toBeLessThan(8_000);
      expect(await pending).toBe(503);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      proxy.thaw();
      await proxy.stop();
      const client = await MongoClient.connect(`${process.env.MONGODB_URI!.replace(/\/?$/, '/')}${database}`);
      await client.db().dropDatabase();
      await client.close();
    }
  });

  test('a body that declares more than it sends is answered 408 once the request timeout passes', async () => {
    const port = await freePort();
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ http: { requestTimeoutSeconds: 1, headersTimeoutSeconds: 1 } }));
    const run = startServerProcess({ PORT: String(port), DATA_DIR: join(dataDir, 'store'), CONFIG_FILE: configFile });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`, run);
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=');
        });
        let received = '';
        socket.on('data', (chunk) => { received += chunk.toString(); });
        socket.on('close', () => resolve(received));
        socket.on('error', () => resolve(received));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await stopServerProcess(run);
    }
  });
});
