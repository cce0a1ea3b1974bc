import { ADMIN_TOKEN, adminClient, OpenApiConformance } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { decodeJwt, introspect, issueToken } from '../support/tokens.js';

const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' };

const config = {
  adminTokens: [ADMIN_TOKEN],
  resourceServers: [
    { resource: 'https://orders.example.com', scopes: ['orders:read', 'orders:write'], default: true },
    { resource: 'https://reports.example.com', scopes: ['reports:read'], accessTokenFormat: 'opaque' },
  ],
  clients: [{ client_id: 'gateway', client_secret: 'gateway-secret-0123456789abcdef' }],
  claims: [
    { name: 'app.clientId', value: 'app.clientId' },
    { name: 'app_name', value: 'app.clientName' },
    { name: 'software', value: 'app.softwareId' },
    { name: 'tenant', value: 'app.profile.tenant' },
    { name: 'konnect.portal', value: 'app.profile.konnect.portal_id' },
    { name: 'writer', value: '"yes"', scopes: ['orders:write'] },
    { name: 'reports_only', value: 'app.profile.tenant', resources: ['https://reports.example.com'] },
  ],
};

describe.each(backends)('mapped claims in JWTs and introspection ($name)', (backend) => {
  let server: TestServer;
  let client: { client_id: string; client_secret: string };

  beforeAll(async () => {
    server = await startTestServer(backend, { config });
    const admin = adminClient(server.url, await OpenApiConformance.load(server.url));
    client = (await admin.post('/clients', {
      grant_types: ['client_credentials'],
      client_name: 'Orders App',
      software_id: 'sw-42',
      scope: 'orders:read orders:write reports:read',
      profile: { tenant: 'acme', konnect: { portal_id: 'portal-1' }, secret_note: 'not mapped' },
    })).body;
  });
  afterAll(() => server.destroy());

  const credentials = () => ({ clientId: client.client_id, clientSecret: client.client_secret });

  test('a JWT carries the mapped claims as flat names, with scope conditions applied', async () => {
    const readOnly = decodeJwt(await issueToken(server.url, { ...credentials(), scope: 'orders:read' })).payload;
    expect(readOnly).toEqual(expect.objectContaining({
      'app.clientId': client.client_id,
      app_name: 'Orders App',
      software: 'sw-42',
      tenant: 'acme',
      'konnect.portal': 'portal-1',
    }));
    expect(readOnly).not.toHaveProperty('writer');
    expect(readOnly).not.toHaveProperty('reports_only');
    expect(readOnly).not.toHaveProperty('secret_note');
    expect(readOnly).not.toHaveProperty('app');

    const writer = decodeJwt(await issueToken(server.url, { ...credentials(), scope: 'orders:write' })).payload;
    expect(writer.writer).toBe('yes');
  });

  test('introspection of the JWT returns the same mapped claims', async () => {
    const token = await issueToken(server.url, { ...credentials(), scope: 'orders:write' });
    const { body } = await introspect(server.url, token, GATEWAY).expect(200);
    expect(body).toEqual(expect.objectContaining({ active: true, 'app.clientId': client.client_id, tenant: 'acme', writer: 'yes' }));
  });

  test('an opaque token introspects with the mapped claims, resource conditions applied', async () => {
    const token = await issueToken(server.url, { ...credentials(), resource: 'https://reports.example.com', scope: 'reports:read' });
    const { body } = await introspect(server.url, token, GATEWAY).expect(200);
    expect(body).toEqual(expect.objectContaining({
      active: true, 'app.clientId': client.client_id, reports_only: 'acme', 'konnect.portal': 'portal-1',
    }));
    expect(body).not.toHaveProperty('writer');
  });

  test('mapped claims follow an update of the client', async () => {
    const admin = adminClient(server.url, await OpenApiConformance.load(server.url));
    await admin.patch(`/clients/${client.client_id}`, { profile: { tenant: 'globex' } });
    const payload = decodeJwt(await issueToken(server.url, { ...credentials(), scope: 'orders:read' })).payload;
    expect(payload.tenant).toBe('globex');
  });
});
