import { exportJWK, generateKeyPair } from 'jose';
import request from 'supertest';

import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { rawRequest } from '../support/raw-http.js';
import { SecretHasher } from '../../src/secrets/index.js';
import { startTestServer, TEST_ENCRYPTION_KEY, type TestServer } from '../support/test-server.js';

const KONNECT_KEY = 'konnect-api-key-0123456789abcdef';
const CC = { grant_types: ['client_credentials'], scope: 'orders:read' };

/** `{"jwks": {"keys": [[[[...]]]]}}` nested `depth` levels deep. */
const deeplyNested = (depth: number) => `{"grant_types":["client_credentials"],"jwks":{"keys":${'['.repeat(depth)}${']'.repeat(depth)}}}`;

describe.each(backends)('every input is bounded before it reaches code or storage ($name)', (backend) => {
  let server: TestServer;
  const adminHeaders = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  const clientCount = async () => (await request(server.url).get('/admin/clients?limit=200').set(adminHeaders).expect(200)).body.clients.length as number;

  beforeAll(async () => {
    server = await startTestServer(backend, {
      config: adminConfig({ registration: { mode: 'open', rateLimit: { maxRequests: 1000 } }, konnect: { apiKeys: [KONNECT_KEY] } }),
    });
  });
  afterAll(() => server.destroy());

  test('JSON nested thousands deep answers 400 on every JSON endpoint, without authentication too', async () => {
    const patchable = (await request(server.url).post('/admin/clients').set(adminHeaders).send(CC).expect(201)).body.client_id as string;
    const before = await clientCount();
    // 20 000 levels fit within the size limit; 100 000 do not (413 first).
    for (const [depth, status] of [[33, 400], [5_000, 400], [20_000, 400], [100_000, 413]] as const) {
      const body = deeplyNested(depth);
      const registration = await rawRequest(server.url, 'POST', '/reg', { 'Content-Type': 'application/json' }, body);
      expect(registration.status).toBe(status);
      if (status === 400) expect(registration.json).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringContaining('nests deeper') });
      const viaAdmin = await rawRequest(server.url, 'POST', '/admin/clients', { ...adminHeaders, 'Content-Type': 'application/json' }, body);
      expect(viaAdmin.status).toBe(status);
      const viaKonnect = await rawRequest(server.url, 'POST', '/konnect', { 'X-API-KEY': KONNECT_KEY, 'Content-Type': 'application/json' }, body);
      expect(viaKonnect.status).toBe(status);
      const viaPatch = await rawRequest(server.url, 'PATCH', `/admin/clients/${patchable}`, { ...adminHeaders, 'Content-Type': 'application/merge-patch+json' }, body);
      expect(viaPatch.status).toBe(status);
    }
    expect(await clientCount()).toBe(before);
  });

  test('a key set keeps only public JWK members; a private key is refused', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const registered = await request(server.url).post('/reg').send({
      grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...jwk, nested: { deep: [1, 2, { x: 'y' }] }, 'x-extra': 'kept nowhere' }], extra: true },
    }).expect(201);
    expect(registered.body.jwks).toEqual({ keys: [jwk] });

    const refused = await request(server.url).post('/reg').send({
      grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'k2' }] },
    }).expect(400);
    expect(refused.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringContaining('jwks.keys[0]') });

    for (const unusable of [{ kty: 'x' }, { kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }, { kty: 'RSA', n: 'AQAB' }]) {
      const response = await request(server.url).post('/reg').send({
        grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk, unusable] },
      }).expect(400);
      expect(response.body).toEqual({ error: 'invalid_client_metadata', error_description: 'jwks.keys[1]: is not a usable public key' });
    }
  });

  test.each([
    ['max_uses beyond 2^53', { max_uses: 2 ** 53 + 2 }],
    ['max_uses beyond a million', { max_uses: 1_000_001 }],
    ['expires_in that would never expire', { expires_in: 8.64e12 }],
  ])('an initial access token with %s is refused, and listings keep working', async (_label, body) => {
    const response = await request(server.url).post('/admin/initial-access-tokens').set(adminHeaders).send(body);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
    await request(server.url).get('/admin/initial-access-tokens').set(adminHeaders).expect(200);
  });

  test('client_secret_expires_at beyond year 9999 is refused', async () => {
    const response = await request(server.url).post('/admin/clients').set(adminHeaders).send({ ...CC, client_secret_expires_at: 2 ** 53 });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringContaining('client_secret_expires_at') });
  });

  test('out-of-range numbers already in the store never make a listing or a registration fail', async () => {
    const token = 'stored-before-bounds-initial-access-token-0123';
    await server.store.initialAccessTokens.put({
      id: 'legacy', tokenHash: new SecretHasher(TEST_ENCRYPTION_KEY).hash(token), policies: ['default'],
      expiresAt: new Date(8.64e15), maxUses: 2 ** 60, uses: 0, createdAt: new Date(),
    });
    const listed = await request(server.url).get('/admin/initial-access-tokens').set(adminHeaders).expect(200);
    expect(listed.body.initial_access_tokens).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: 'legacy', max_uses: Number.MAX_SAFE_INTEGER }),
    ]));
    await request(server.url).post('/reg').set('Authorization', `Bearer ${token}`).send(CC).expect(201);
  });

  test.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['no content type', undefined],
  ])('a JSON endpoint refuses a body sent as %s with 415 (no cross-origin simple POST), creating nothing', async (_label, contentType) => {
    const before = await clientCount();
    const headers = (extra: Record<string, string>) => (contentType ? { ...extra, 'Content-Type': contentType } : extra);
    const body = JSON.stringify(CC);
    for (const [path, extra] of [['/reg', {}], ['/admin/clients', adminHeaders], ['/konnect', { 'X-API-KEY': KONNECT_KEY }]] as const) {
      const response = await rawRequest(server.url, 'POST', path, headers(extra), body);
      expect(response.status).toBe(415);
      expect(response.json).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('application/json') });
    }
    expect(await clientCount()).toBe(before);
  });

  test('a body over the limit answers 413, before it is read when Content-Length says so', async () => {
    const huge = JSON.stringify({ ...CC, client_name: 'x'.repeat(70_000) });
    const declared = await rawRequest(server.url, 'POST', '/reg', { 'Content-Type': 'application/json' }, huge);
    expect(declared.status).toBe(413);
    expect(declared.json).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('exceeds') });
    const token = await rawRequest(server.url, 'POST', '/token', { 'Content-Type': 'application/x-www-form-urlencoded' }, `grant_type=${'x'.repeat(70_000)}`);
    expect(token.status).toBe(413);
    // Announced but never sent: refused at once, from the header alone.
    const announced = await rawRequest(server.url, 'POST', '/reg', { 'Content-Type': 'application/json', 'Content-Length': '10000000' });
    expect(announced.status).toBe(413);
  });

  test('a chunked body over the limit answers 413 too', async () => {
    const chunked = await new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(server.url);
      import('node:http').then(({ request: send }) => {
        const outgoing = send({ host: hostname, port, method: 'POST', path: '/reg', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        outgoing.on('error', reject);
        for (let index = 0; index < 80; index += 1) outgoing.write('x'.repeat(1024));
        outgoing.end();
      }, reject);
    });
    expect(chunked).toBe(413);
  });
});
