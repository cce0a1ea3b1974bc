import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { MongoClient } from 'mongodb';
import request from 'supertest';

import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { mongoBackend, sqliteBackend } from '../support/backends.js';
import { MongoFaultProxy } from '../support/mongo-fault-proxy.js';
import { basicAuth, startTestServer, type TestServer } from '../support/test-server.js';
import { CONSOLE_CLIENT_ID } from '../../src/console/index.js';

const IAT = 'admin-test-initial-access-token-0123456789';
const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' };
const CC = { grant_types: ['client_credentials'], scope: 'orders:read' };
/** Short limits, so that an outage shows within a second or two. */
const OUTAGE_CONFIG = { storeTimeoutSeconds: 1, clientCacheSeconds: 0, http: { requestDeadlineSeconds: 3 }, signIn: { passwordHashCost: 10 } };

const admin = (url: string) => ({
  get: (path: string) => request(url).get(`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
  post: (path: string, body: unknown) => request(url).post(`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).send(body as object),
});

/** Runs a request and measures how long its answer took. */
async function timed<T>(work: () => PromiseLike<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
}

const expectUnavailable = (response: request.Response) => {
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toMatch(/^\d+$/);
  expect(response.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
};

describe('MongoDB that stops answering, or is gone', () => {
  let proxy: MongoFaultProxy;
  let server: TestServer;
  let database: string;

  beforeEach(async () => {
    proxy = await MongoFaultProxy.start(process.env.MONGODB_URI!);
    database = `outage_${randomBytes(6).toString('hex')}`;
    server = await startTestServer(mongoBackend, {
      config: adminConfig(OUTAGE_CONFIG),
      settings: { mongodbUri: proxy.uri(database), dataDir: mkdtempSync(join(tmpdir(), 'as-outage-')) },
      repairAfterMs: 0,
    });
  });
  afterEach(async () => {
    proxy.thaw();
    await server.close();
    await proxy.stop();
    const client = await MongoClient.connect(`${process.env.MONGODB_URI!.replace(/\/?$/, '/')}${database}`);
    await client.db().dropDatabase();
    await client.close();
  });

  test('a frozen database: every endpoint answers 503 temporarily_unavailable within seconds, and recovers', async () => {
    const client = (await admin(server.url).post('/clients', CC).expect(201)).body;
    proxy.freeze();

    const token = await timed(() => request(server.url).post('/token').set('Authorization', basicAuth(client.client_id, client.client_secret))
      .type('form').send({ grant_type: 'client_credentials', scope: 'orders:read' }));
    expectUnavailable(token.result);
    expect(token.ms).toBeLessThan(3_000);

    const listing = await timed(() => admin(server.url).get('/clients'));
    expectUnavailable(listing.result);
    expect(listing.ms).toBeLessThan(3_000);

    const registration = await timed(() => request(server.url).post('/reg').set('Authorization', `Bearer ${IAT}`).send(CC));
    expectUnavailable(registration.result);
    expect(registration.ms).toBeLessThan(3_000);

    const introspection = await timed(() => request(server.url).post('/token/introspection').set('Authorization', basicAuth(GATEWAY.id, GATEWAY.secret))
      .type('form').send({ token: 'anything' }));
    expectUnavailable(introspection.result);

    const health = await timed(() => request(server.url).get('/healthz'));
    expect(health.result.status).toBe(503);
    expect(health.ms).toBeLessThan(3_000);
    await request(server.url).get('/healthz/live').expect(200);

    proxy.thaw();
    await request(server.url).get('/healthz').expect(200);
    await request(server.url).post('/token').set('Authorization', basicAuth(client.client_id, client.client_secret))
      .type('form').send({ grant_type: 'client_credentials', scope: 'orders:read' }).expect(200);
  });

  test('a sign-in whose database freezes: its pages and the authorization endpoint answer 503, never 500, and the sign-in goes on once it thaws', async () => {
    const redirectUri = 'http://127.0.0.1:9/cb';
    const client = (await admin(server.url).post('/clients', {
      grant_types: ['authorization_code'], redirect_uris: [redirectUri], scope: 'openid', token_endpoint_auth_method: 'none',
    }).expect(201)).body;
    await admin(server.url).post('/users', { username: 'frozen-alice', password: 'a long and uncommon passphrase' }).expect(201);
    const browser = request.agent(server.url);
    const authorize = () => browser.get('/auth').query({
      client_id: client.client_id, response_type: 'code', redirect_uri: redirectUri, scope: 'openid', state: 'state-1',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    });

    // Frozen while the sign-in page is shown (our route reads the interaction through oidc-provider).
    const signInPage = (await authorize().expect(303)).headers.location as string;
    const form = await browser.get(signInPage).expect(200);
    proxy.freeze();
    const page = await timed(() => browser.get(signInPage));
    expect(page.result.status).toBe(503);
    expect(page.result.headers['retry-after']).toMatch(/^\d+$/);
    expect(page.ms).toBeLessThan(3_000);
    proxy.thaw();

    // Frozen between the sign-in and the authorization endpoint's resumption: without its store the
    // server cannot load the interaction it would redirect from, so it answers 503 itself.
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const signedIn = await browser.post(`${signInPage}/login`).type('form')
      .send({ csrf, username: 'frozen-alice', password: 'a long and uncommon passphrase' }).expect(303);
    proxy.freeze();
    const resumed = await timed(() => browser.get(new URL(signedIn.headers.location as string, server.url).pathname));
    expect(resumed.result.status).toBe(503);
    expect(resumed.result.headers['retry-after']).toMatch(/^\d+$/);
    expect(resumed.ms).toBeLessThan(3_000);

    proxy.thaw();
    // The same resumption then goes on to the consent page: the sign-in survived the outage.
    const next = await browser.get(new URL(signedIn.headers.location as string, server.url).pathname).expect(303);
    expect(next.headers.location).toMatch(/^\/interaction\/[\w-]+$/);
    await browser.get(next.headers.location as string).expect(200).expect(/Allow/);
  });

  test('a database that is gone answers 503, not 500', async () => {
    await proxy.stop();
    const response = await timed(() => admin(server.url).get('/clients'));
    expectUnavailable(response.result);
    expect(response.ms).toBeLessThan(3_000);
    expect((await request(server.url).get('/healthz')).status).toBe(503);
  });

  test('a registration whose audit event cannot be written is not created, and is not answered 201', async () => {
    proxy.when((command) => command.name === 'insert' && command.collection === 'audit_events', 'drop');
    const viaRegistration = await request(server.url).post('/reg').set('Authorization', `Bearer ${IAT}`).send(CC);
    expectUnavailable(viaRegistration);
    const viaAdmin = await admin(server.url).post('/clients', { ...CC, client_id: 'audited-or-nothing' });
    expectUnavailable(viaAdmin);
    proxy.clearRules();

    const clients = (await admin(server.url).get('/clients').expect(200)).body.clients as { client_id: string }[];
    expect(clients.map((client) => client.client_id).sort()).toEqual([CONSOLE_CLIENT_ID, 'gateway']);
    await admin(server.url).get('/clients/audited-or-nothing').expect(404);
    const raw = await MongoClient.connect(`${process.env.MONGODB_URI!.replace(/\/?$/, '/')}${database}`);
    try {
      expect(await raw.db().collection('clients').countDocuments({ _id: 'audited-or-nothing' as never })).toBe(0);
      expect(await raw.db().collection('oidc_models').countDocuments({ model: 'RegistrationAccessToken' })).toBe(0);
    } finally {
      await raw.close();
    }
    // Nothing left behind blocks the id; the initial access token's use was given back.
    await admin(server.url).post('/clients', { ...CC, client_id: 'audited-or-nothing' }).expect(201);
    const tokens = (await admin(server.url).get('/initial-access-tokens').expect(200)).body.initial_access_tokens as { id: string; uses: number }[];
    expect(tokens.find((token) => token.id === 'test-iat')?.uses).toBe(0);
  });

  test('a registration cut off part-way stays invisible, and the repair removes it and records why', async () => {
    proxy.when((command) => command.name === 'insert' && command.collection === 'oidc_models', 'freeze');
    const interrupted = await admin(server.url).post('/clients', { ...CC, client_id: 'interrupted' });
    expectUnavailable(interrupted);
    proxy.thaw();

    await admin(server.url).get('/clients/interrupted').expect(404);
    const listed = (await admin(server.url).get('/clients').expect(200)).body.clients as { client_id: string }[];
    expect(listed.map((client) => client.client_id)).not.toContain('interrupted');

    await server.server.maintain();
    const raw = await MongoClient.connect(`${process.env.MONGODB_URI!.replace(/\/?$/, '/')}${database}`);
    try {
      expect(await raw.db().collection('clients').countDocuments({ _id: 'interrupted' as never })).toBe(0);
      expect(await raw.db().collection('oidc_models').countDocuments({ clientId: 'interrupted' })).toBe(0);
    } finally {
      await raw.close();
    }
    // The registration's own roll-back may still be finishing (it runs once the held write returns,
    // after its caller had its 503) and then records the failure itself: wait for the record.
    const rolledBack = (events: { actor: string; outcome: string }[]) => events.some((event) => event.outcome === 'failure' && event.actor.startsWith('system:'));
    let events: { actor: string; outcome: string }[] = [];
    for (let attempt = 0; attempt < 50; attempt += 1) {
      events = (await admin(server.url).get('/audit?client_id=interrupted').expect(200)).body.events as { actor: string; outcome: string }[];
      if (rolledBack(events)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ outcome: 'failure', actor: expect.stringMatching(/^system:/) })]));
    await admin(server.url).post('/clients', { ...CC, client_id: 'interrupted' }).expect(201);
  });
});

describe('the embedded store when it cannot write', () => {
  test('a full disk: readiness answers 503 (liveness 200), writes answer 503, and both recover when space is freed', async () => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'as-full-disk-'));
    // A small file system of its own, filled for real (needs root, as the test suite's Apache set-up does).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
    const dataDir = join(mountPoint, 'data');
    mkdirSync(dataDir);
    const server = await startTestServer(sqliteBackend, { config: adminConfig(OUTAGE_CONFIG), settings: { dataDir } });
    try {
      await request(server.url).get('/healthz').expect(200);
      const filler = join(mountPoint, 'filler');
      try {
        writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      const health = await request(server.url).get('/healthz');
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'unavailable', store: 'cannot take writes' });
      await request(server.url).get('/healthz/live').expect(200);
      // SQLite first reuses the space of a WAL that a checkpoint has emptied (the checkpointer runs
      // every 100 ms), so a few registrations may still be stored, durably; the full disk refuses
      // the first one that needs more (a checkpoint cannot empty the WAL again, the database file
      // being unable to grow).
      let registration = await admin(server.url).post('/clients', CC);
      for (let attempt = 0; registration.status === 201 && attempt < 500; attempt += 1) registration = await admin(server.url).post('/clients', CC);
      expectUnavailable(registration);

      rmSync(filler);
      await request(server.url).get('/healthz').expect(200);
      await admin(server.url).post('/clients', CC).expect(201);
    } finally {
      await server.close();
      execFileSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  test('a registration whose audit event cannot be written leaves nothing behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'as-audit-fails-'));
    // The database itself refuses the audit event (a trigger), as a failing disk would.
    const first = await startTestServer(sqliteBackend, { config: adminConfig(), settings: { dataDir } });
    await first.close();
    const db = new DatabaseSync(join(dataDir, 'authorization-server.sqlite'));
    db.exec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events WHEN NEW.action = 'client.create'
             BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be written'); END;`);
    db.close();
    const server = await startTestServer(sqliteBackend, { config: adminConfig(), settings: { dataDir } });
    try {
      const viaRegistration = await request(server.url).post('/reg').set('Authorization', `Bearer ${IAT}`).send(CC);
      expect(viaRegistration.status).not.toBe(201);
      expect(viaRegistration.status).toBeGreaterThanOrEqual(500);
      expect(viaRegistration.body.error).toEqual(expect.any(String));
      const viaAdmin = await admin(server.url).post('/clients', { ...CC, client_id: 'never-half-made' });
      expect(viaAdmin.status).toBeGreaterThanOrEqual(500);
      const clients = (await admin(server.url).get('/clients').expect(200)).body.clients as { client_id: string }[];
      expect(clients.map((client) => client.client_id).sort()).toEqual([CONSOLE_CLIENT_ID, 'gateway']);
      const tokens = (await admin(server.url).get('/initial-access-tokens').expect(200)).body.initial_access_tokens as { id: string; uses: number }[];
      expect(tokens.find((token) => token.id === 'test-iat')?.uses).toBe(0);
    } finally {
      await server.close();
    }
    const raw = new DatabaseSync(join(dataDir, 'authorization-server.sqlite'));
    try {
      expect(raw.prepare(`SELECT count(*) AS n FROM clients WHERE client_id NOT IN ('gateway', '${CONSOLE_CLIENT_ID}')`).get()).toEqual(expect.objectContaining({ n: 0 }));
      expect(raw.prepare("SELECT count(*) AS n FROM oidc_models WHERE model = 'RegistrationAccessToken'").get()).toEqual(expect.objectContaining({ n: 0 }));
    } finally {
      raw.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
