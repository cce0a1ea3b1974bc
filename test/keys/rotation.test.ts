import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { MongoClient } from 'mongodb';
import request from 'supertest';

import { basicAuth } from '../support/test-server.js';
import { freePort, startServerProcess, stopServerProcess, waitForHealthy, type ServerProcess } from '../support/server-process.js';

const ISSUER = 'http://auth.rotation.test';
const ADMIN_TOKEN = 'rotation-admin-token-0123456789';
const CLIENT = { id: 'rotating-client', secret: 'rotating-client-secret-0123456789' };
const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' };
const PRE_PUBLISH_SECONDS = 3;
const TOKEN_TTL_SECONDS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function databaseUri(): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/]+)\/?([^?]*)(\?.*)?$/.exec(process.env.MONGODB_URI!);
  return `${match![1]}/rotation_${randomBytes(6).toString('hex')}${match![3] ?? ''}`;
}

/**
 * Two server processes share one MongoDB database. A rotation started on one instance must be
 * followed by both without a restart, and no valid token may fail against any JWKS a gateway
 * fetched at any point of the schedule, from either instance.
 */
describe('signing-key rotation across two instances sharing a store', () => {
  const mongodbUri = databaseUri();
  const dir = mkdtempSync(join(tmpdir(), 'rotation-'));
  const instances: { url: string; run: ServerProcess }[] = [];

  beforeAll(async () => {
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({
      resourceServers: [{ resource: 'https://api.example.com', scopes: ['orders:read'], signingAlg: 'ES256', accessTokenTtl: TOKEN_TTL_SECONDS, default: true }],
      keys: { prePublishSeconds: PRE_PUBLISH_SECONDS, removalDelaySeconds: 0, pollSeconds: 1 },
      clients: [
        { client_id: CLIENT.id, client_secret: CLIENT.secret, scope: 'orders:read' },
        { client_id: GATEWAY.id, client_secret: GATEWAY.secret },
      ],
    }));
    for (let index = 0; index < 2; index += 1) {
      const port = await freePort();
      const run = startServerProcess({
        PORT: String(port), ISSUER, CONFIG_FILE: configFile, MONGODB_URI: mongodbUri,
        ENCRYPTION_KEY: 'rotation-test-encryption-key-0123456789', ADMIN_TOKEN, LOG_LEVEL: 'warn',
      });
      const url = `http://127.0.0.1:${port}`;
      await waitForHealthy(url, run);
      instances.push({ url, run });
    }
  });

  afterAll(async () => {
    for (const instance of instances) await stopServerProcess(instance.run);
    const client = await MongoClient.connect(mongodbUri);
    await client.db().dropDatabase();
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const jwks = async (url: string): Promise<JSONWebKeySet> => (await request(url).get('/jwks').expect(200)).body;
  const token = async (url: string): Promise<string> =>
    (await request(url).post('/token').set('Authorization', basicAuth(CLIENT.id, CLIENT.secret)).type('form')
      .send({ grant_type: 'client_credentials', scope: 'orders:read' }).expect(200)).body.access_token;
  const kid = (jwt: string) => decodeProtectedHeader(jwt).kid;
  const kids = (set: JSONWebKeySet) => set.keys.map((key) => key.kid);

  test('tokens signed before, during and after the rotation validate with every JWKS fetched along the schedule', async () => {
    const a = instances[0]!;
    const b = instances[1]!;
    const before = await jwks(a.url);
    expect(await jwks(b.url)).toEqual(before);
    const tokens: { name: string; jwt: string; issuedAt: number }[] = [
      { name: 'before (A)', jwt: await token(a.url), issuedAt: Date.now() },
      { name: 'before (B)', jwt: await token(b.url), issuedAt: Date.now() },
    ];
    const oldKid = kid(tokens[0]!.jwt);
    expect(kid(tokens[1]!.jwt)).toBe(oldKid);

    const rotation = await request(a.url).post('/admin/keys/rotate').set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ alg: 'ES256' }).expect(200);
    const newKid = rotation.body.rotations[0].next.kid as string;
    expect(rotation.body.rotations[0].next.state).toBe('pending');
    expect(rotation.body.rotations[0].previous.map((key: { kid: string }) => key.kid)).toEqual([oldKid]);
    // One rotation at a time, on either instance: the JWKS cannot be made to grow without bound.
    await sleep(1_100);
    for (const { url } of instances) {
      const again = await request(url).post('/admin/keys/rotate').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ alg: 'ES256' }).expect(409);
      expect(again.body).toEqual({ error: 'rotation_in_progress', error_description: expect.stringContaining(newKid) });
    }

    const fetched: { name: string; set: JSONWebKeySet }[] = [];
    fetched.push({ name: 'published (A)', set: await jwks(a.url) });
    await sleep(1_300); // B reads the store every second
    fetched.push({ name: 'published (B)', set: await jwks(b.url) });
    for (const { set } of fetched) expect(kids(set)).toEqual(expect.arrayContaining([oldKid, newKid]));

    // Published, not signing yet: both instances still sign with the old key.
    tokens.push({ name: 'during (A)', jwt: await token(a.url), issuedAt: Date.now() });
    tokens.push({ name: 'during (B)', jwt: await token(b.url), issuedAt: Date.now() });
    expect(tokens.slice(2).map((t) => kid(t.jwt))).toEqual([oldKid, oldKid]);

    await sleep(PRE_PUBLISH_SECONDS * 1000 - 1_000);
    // Switched: both sign with the new key; the old one is still published.
    tokens.push({ name: 'after (A)', jwt: await token(a.url), issuedAt: Date.now() });
    tokens.push({ name: 'after (B)', jwt: await token(b.url), issuedAt: Date.now() });
    expect(tokens.slice(4).map((t) => kid(t.jwt))).toEqual([newKid, newKid]);
    fetched.push({ name: 'switched (A)', set: await jwks(a.url) });
    fetched.push({ name: 'switched (B)', set: await jwks(b.url) });

    const failures: string[] = [];
    for (const { name, jwt, issuedAt } of tokens) {
      for (const { name: setName, set } of fetched) {
        try {
          await jwtVerify(jwt, createLocalJWKSet(set), { issuer: ISSUER, audience: 'https://api.example.com', typ: 'at+jwt', currentDate: new Date(issuedAt) });
        } catch (error) {
          failures.push(`${name} with the JWKS ${setName}: ${(error as Error).message}`);
        }
      }
      for (const { url } of instances) {
        // The token must be active when the question is asked (the answer may arrive after it expired).
        const askedAt = Date.now();
        const { body } = await request(url).post('/token/introspection').set('Authorization', basicAuth(GATEWAY.id, GATEWAY.secret))
          .type('form').send({ token: jwt });
        if (askedAt < issuedAt + TOKEN_TTL_SECONDS * 1000 - 1_000 && body.active !== true) failures.push(`${name} inactive at ${url}`);
      }
    }
    expect(failures).toEqual([]);

    // Once every token the old key signed has expired, it leaves the JWKS of both instances.
    await sleep(TOKEN_TTL_SECONDS * 1000 + 1_300);
    for (const { url } of instances) {
      const after = await jwks(url);
      expect(kids(after)).toContain(newKid);
      expect(kids(after)).not.toContain(oldKid);
    }
    const late = await token(b.url);
    await jwtVerify(late, createLocalJWKSet(await jwks(a.url)), { issuer: ISSUER, audience: 'https://api.example.com', typ: 'at+jwt' });

    const listed = (await request(a.url).get('/admin/keys').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200)).body.keys;
    expect(listed.find((key: { kid: string }) => key.kid === newKid)).toEqual(expect.objectContaining({ state: 'active', alg: 'ES256', generation: 2 }));
    expect(listed.some((key: { kid: string }) => key.kid === oldKid)).toBe(false);
  }, 60_000);
});
