import request from 'supertest';

import { ADMIN_TOKEN } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { decodeJwt, introspect, issueToken, requestToken } from '../support/tokens.js';

const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' };
const IAT = 'entitlement-initial-access-token-0123456789';
const CC = { grant_types: ['client_credentials'] };

const CONFIG = {
  adminTokens: [ADMIN_TOKEN],
  resourceServers: [
    { resource: 'https://api.example.com', scopes: ['orders:read', 'orders:write'], default: true },
    { resource: 'https://payments.example.com', scopes: ['payments:read'] },
    { resource: 'https://opaque.example.com', scopes: ['opaque:read'], accessTokenFormat: 'opaque' },
  ],
  clients: [{ client_id: 'gateway', client_secret: GATEWAY.secret }],
  registration: {
    policies: {
      default: { scopes: ['orders:read', 'orders:write', 'payments:read'] },
      payments: { grantTypes: ['client_credentials'], scopes: ['payments:read'], defaultResource: 'https://payments.example.com' },
    },
    initialAccessTokens: [{ id: 'iat', token: IAT }, { id: 'payments-iat', token: `${IAT}-payments`, policies: ['payments'] }],
  },
};

describe.each(backends)('tokens only for audiences a client is entitled to ($name)', (backend) => {
  let server: TestServer;
  const createClient = async (body: Record<string, unknown>) =>
    (await request(server.url).post('/admin/clients').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ ...CC, ...body }).expect(201)).body as {
      client_id: string; client_secret: string;
    };
  const credentials = (client: { client_id: string; client_secret: string }) => ({ clientId: client.client_id, clientSecret: client.client_secret });

  beforeAll(async () => {
    server = await startTestServer(backend, { config: CONFIG });
  });
  afterAll(() => server.destroy());

  test('a client registered for orders:read gets no scope-less token for the payments API', async () => {
    const client = await createClient({ scope: 'orders:read' });
    const refused = await requestToken(server.url, { ...credentials(client), resource: 'https://payments.example.com' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_target');
    // Its own API, with or without a scope, still works.
    const own = await issueToken(server.url, { ...credentials(client), resource: 'https://api.example.com' });
    expect(decodeJwt(own).payload.aud).toBe('https://api.example.com');
    await issueToken(server.url, { ...credentials(client), scope: 'orders:read' });
  });

  test('a registered scope a resource server offers entitles the client to it', async () => {
    const client = await createClient({ scope: 'orders:read payments:read' });
    const token = await issueToken(server.url, { ...credentials(client), resource: 'https://payments.example.com' });
    expect(decodeJwt(token).payload.aud).toBe('https://payments.example.com');
  });

  test('allowed_resources, set by an administrator, is the whole answer', async () => {
    const client = await createClient({ scope: 'orders:read payments:read', allowed_resources: ['https://payments.example.com'] });
    expect((await requestToken(server.url, { ...credentials(client), resource: 'https://api.example.com' })).body.error).toBe('invalid_target');
    const token = await issueToken(server.url, credentials(client));
    expect(decodeJwt(token).payload.aud).toBe('https://payments.example.com');
  });

  test('a registration policy\'s defaultResource entitles its clients to it', async () => {
    const registered = await request(server.url).post('/reg').set('Authorization', `Bearer ${IAT}-payments`).send(CC).expect(201);
    const token = await issueToken(server.url, { clientId: registered.body.client_id, clientSecret: registered.body.client_secret });
    expect(decodeJwt(token).payload.aud).toBe('https://payments.example.com');
    const refused = await requestToken(server.url, { clientId: registered.body.client_id, clientSecret: registered.body.client_secret, resource: 'https://api.example.com' });
    expect(refused.body.error).toBe('invalid_target');
  });

  test('a client without any scope is entitled to no resource server', async () => {
    const client = await createClient({});
    for (const resource of [undefined, 'https://api.example.com', 'https://payments.example.com']) {
      const refused = await requestToken(server.url, { ...credentials(client), ...(resource ? { resource } : {}) });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_target');
    }
  });
});

describe.each(backends)('a deleted client\'s tokens stay dead when its client_id is reused ($name)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: CONFIG });
  });
  afterAll(() => server.destroy());

  test('JWT and opaque tokens issued before the current registration are inactive', async () => {
    const admin = (method: 'post' | 'delete', path: string) => request(server.url)[method](`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    const body = { ...CC, client_id: `reused-${backend.name}`, scope: 'orders:read opaque:read admin.clients' };
    const first = (await admin('post', '/clients').send(body).expect(201)).body;
    const jwt = await issueToken(server.url, { clientId: first.client_id, clientSecret: first.client_secret, scope: 'orders:read' });
    const opaque = await issueToken(server.url, { clientId: first.client_id, clientSecret: first.client_secret, scope: 'opaque:read', resource: 'https://opaque.example.com' });
    const adminToken = await issueToken(server.url, { clientId: first.client_id, clientSecret: first.client_secret, scope: 'admin.clients', resource: `${server.url}/admin` });
    expect((await introspect(server.url, jwt, GATEWAY)).body.active).toBe(true);

    await admin('delete', `/clients/${first.client_id}`).expect(204);
    expect((await introspect(server.url, jwt, GATEWAY)).body).toEqual({ active: false });
    // A token's iat has a one-second resolution: the new registration comes in a later second.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const second = (await admin('post', '/clients').send(body).expect(201)).body;

    expect((await introspect(server.url, jwt, GATEWAY)).body).toEqual({ active: false });
    expect((await introspect(server.url, opaque, GATEWAY)).body).toEqual({ active: false });
    await request(server.url).get('/admin/clients').set('Authorization', `Bearer ${adminToken}`).expect(401);

    const fresh = await issueToken(server.url, { clientId: second.client_id, clientSecret: second.client_secret, scope: 'orders:read' });
    expect((await introspect(server.url, fresh, GATEWAY)).body.active).toBe(true);
  });
});
