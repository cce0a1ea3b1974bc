import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';

import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { basicAuth, startTestServer, type TestServer } from '../support/test-server.js';
import { issueToken } from '../support/tokens.js';

const CC = { grant_types: ['client_credentials'] };
const KONNECT_KEY = 'konnect-api-key-0123456789abcdef';

describe.each(backends)('what an attacker tried after the first fixes ($name)', (backend) => {
  let server: TestServer;
  const admin = (method: 'get' | 'post' | 'patch' | 'delete' | 'put', path: string, token = ADMIN_TOKEN) =>
    request(server.url)[method](`/admin${path}`).set('Authorization', `Bearer ${token}`);
  const automation = async () => {
    const client = (await admin('post', '/clients').send({ ...CC, scope: 'admin.clients orders:read' }).expect(201)).body;
    const token = await issueToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret, scope: 'admin.clients', resource: `${server.url}/admin` });
    return { client, token };
  };

  beforeAll(async () => {
    server = await startTestServer(backend, {
      config: adminConfig({
        // Two seconds: registering a chosen client_id waits for the next second (client-registrar.ts), which must fit in.
        http: { requestDeadlineSeconds: 2 },
        registration: {
          mode: 'open',
          rateLimit: { maxRequests: 1000 },
          policies: { default: { scopes: ['orders:read'] }, confined: { scopes: ['orders:read'], allowedResources: ['https://api.example.com'] } },
          initialAccessTokens: [{ id: 'test-iat', token: 'admin-test-initial-access-token-0123456789' }, { id: 'confined', token: 'confined-initial-access-token-0123456789', policies: ['confined'] }],
        },
        resourceServers: [
          { resource: 'https://api.example.com', scopes: ['orders:read', 'orders:write'], default: true },
          { resource: 'https://reports.example.com', scopes: ['orders:read', 'reports:read'], accessTokenFormat: 'opaque' },
        ],
        konnect: { apiKeys: [KONNECT_KEY] },
      }),
    });
  });
  afterAll(() => server.destroy());

  test('an admin-API token stops working as soon as an administrator withdraws the client\'s admin access', async () => {
    const { client, token } = await automation();
    await admin('get', '/keys', token).expect(200);
    await admin('patch', `/clients/${client.client_id}`).set('Content-Type', 'application/merge-patch+json').send(JSON.stringify({ scope: 'orders:read' })).expect(200);
    const refused = await admin('get', '/keys', token);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');

    const limited = await automation();
    await admin('patch', `/clients/${limited.client.client_id}`).set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ allowed_resources: ['https://api.example.com'] })).expect(200);
    expect((await admin('get', '/keys', limited.token)).status).toBe(401);
  });

  test('a client_id deleted and registered again at once: the earlier registration\'s tokens stay dead', async () => {
    const body = { ...CC, client_id: `same-second-${backend.name}`, scope: 'admin.clients' };
    const first = (await admin('post', '/clients').send(body).expect(201)).body;
    const token = await issueToken(server.url, { clientId: first.client_id, clientSecret: first.client_secret, scope: 'admin.clients', resource: `${server.url}/admin` });
    await admin('delete', `/clients/${first.client_id}`).expect(204);
    await admin('post', '/clients').send(body).expect(201);
    expect((await admin('get', '/keys', token)).status).toBe(401);
  });

  test('a sender-constrained (DPoP) token is no bearer token for the admin API', async () => {
    const { client } = await automation();
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const proof = await new SignJWT({ htm: 'POST', htu: `${server.url}/token`, jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setIssuedAt().sign(privateKey);
    const issued = await request(server.url).post('/token').set('Authorization', basicAuth(client.client_id, client.client_secret)).set('DPoP', proof)
      .type('form').send({ grant_type: 'client_credentials', scope: 'admin.clients', resource: `${server.url}/admin` }).expect(200);
    expect(issued.body.token_type).toBe('DPoP');
    expect(await calculateJwkThumbprint(jwk)).toEqual(expect.any(String));
    const refused = await admin('get', '/keys', issued.body.access_token);
    expect(refused.status).toBe(401);
    expect(refused.body.error_description).toContain('sender-constrained');
  });

  test('a policy\'s allowedResources confines its clients, even to a resource server offering the same scope', async () => {
    const registered = (await request(server.url).post('/reg').set('Authorization', 'Bearer confined-initial-access-token-0123456789')
      .send({ ...CC, scope: 'orders:read' }).expect(201)).body;
    expect(registered.allowed_resources).toEqual(['https://api.example.com']);
    const refused = await request(server.url).post('/token').set('Authorization', basicAuth(registered.client_id, registered.client_secret))
      .type('form').send({ grant_type: 'client_credentials', scope: 'orders:read', resource: 'https://reports.example.com' });
    expect(refused.body.error).toBe('invalid_target');
    // RFC 7592 cannot lift it.
    const updated = await request(server.url).put(`/reg/${registered.client_id}`).set('Authorization', `Bearer ${registered.registration_access_token}`)
      .send({ client_id: registered.client_id, ...CC, scope: 'orders:read', allowed_resources: [] }).expect(200);
    expect(updated.body.allowed_resources).toEqual(['https://api.example.com']);
  });

  test('a registration whose body arrives after the deadline answered 503 creates nothing', async () => {
    const before = (await admin('get', '/clients?limit=200').expect(200)).body.clients.length;
    const body = JSON.stringify({ ...CC, scope: 'orders:read', client_name: 'too late' });
    const { hostname, port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = httpRequest({ host: hostname, port, method: 'POST', path: '/reg', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      outgoing.on('error', reject);
      outgoing.write(body.slice(0, 3));
      setTimeout(() => outgoing.end(body.slice(3)), 2_500);
    });
    expect(status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await admin('get', '/clients?limit=200').expect(200)).body.clients.length).toBe(before);
  });

  test('what the configuration file declares cannot be changed through the admin API (start-up would undo it)', async () => {
    for (const [method, path] of [['delete', '/clients/gateway'], ['post', '/clients/gateway/secret'], ['put', '/clients/gateway'], ['delete', '/initial-access-tokens/test-iat']] as const) {
      const response = await admin(method, path).send(method === 'put' ? { ...CC } : undefined as never);
      expect(response.status).toBe(409);
      expect(response.body.error).toBe('declared_in_configuration');
    }
    await admin('get', '/clients/gateway').expect(200);
  });

  test('an authorization request that cannot lead anywhere starts no interaction and answers an error page', async () => {
    for (const path of [
      '/auth?client_id=gateway&response_type=code&scope=openid&redirect_uri=https://x.example/cb',
      '/auth?client_id=no-such-client&response_type=code&scope=openid&redirect_uri=https://x.example/cb',
    ]) {
      const response = await request(server.url).get(path).set('Accept', 'text/html');
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.headers['set-cookie'] ?? []).toEqual([]);
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    }
    // Confirming a logout without oidc-provider's own form token does nothing.
    expect((await request(server.url).post('/session/end/confirm').type('form').send({ logout: 'yes' })).status).toBe(400);
  });

  test('responses of the Konnect bridge that carry a client secret are never cached', async () => {
    const ids = { portal_id: randomUUID(), organization_id: randomUUID(), developer_id: randomUUID(), auth_strategy_id: randomUUID(), dcr_provider_id: randomUUID() };
    const created = await request(server.url).post('/konnect').set('X-API-KEY', KONNECT_KEY).send({
      redirect_uris: [], client_name: 'app', grant_types: ['client_credentials'], scopes: ['orders:read'],
      token_endpoint_auth_method: 'client_secret_basic', application_description: 'd', ...ids,
    }).expect(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret = await request(server.url).post(`/konnect/${created.body.client_id}/new-secret`).set('X-API-KEY', KONNECT_KEY).expect(200);
    expect(secret.headers['cache-control']).toBe('no-store');
  });
});
