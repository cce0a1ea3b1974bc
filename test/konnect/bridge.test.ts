import { randomUUID } from 'node:crypto';

import request from 'supertest';

import { ADMIN_TOKEN, adminClient, OpenApiConformance } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { KonnectContract } from '../support/konnect.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { decodeJwt, introspect, issueToken, requestToken } from '../support/tokens.js';

const API_KEY = 'konnect-api-key-0123456789abcdef';
const ROTATED_KEY = 'konnect-api-key-next-0123456789';
const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' };
const PRODUCT_VERSION = randomUUID();

const ids = () => ({
  portal_id: randomUUID(), organization_id: randomUUID(), developer_id: randomUUID(),
  auth_strategy_id: randomUUID(), dcr_provider_id: randomUUID(),
});

function application(overrides: Record<string, unknown> = {}) {
  return {
    redirect_uris: ['https://app.example.com/callback'],
    client_name: 'Konnect app',
    grant_types: ['client_credentials', 'bearer'],
    scopes: ['orders:read'],
    token_endpoint_auth_method: 'client_secret_basic',
    application_description: 'An application of the Dev Portal',
    ...ids(),
    ...overrides,
  };
}

const config = {
  adminTokens: [ADMIN_TOKEN],
  resourceServers: [
    { resource: 'https://orders.example.com', scopes: ['orders:read', 'orders:write'], default: true },
    { resource: 'https://billing.example.com', scopes: ['billing:read'] },
  ],
  claims: [
    { name: 'app.clientId', value: 'app.clientId' },
    { name: 'konnect_portal', value: 'app.profile.konnect.portal_id' },
  ],
  clients: [{ client_id: 'gateway', client_secret: 'gateway-secret-0123456789abcdef' }],
  konnect: { apiKeys: [API_KEY, ROTATED_KEY], audiences: { [PRODUCT_VERSION]: 'https://billing.example.com' } },
};

describe.each(backends)('Kong Konnect HTTP DCR bridge ($name)', (backend) => {
  let server: TestServer;
  const contract = new KonnectContract();

  beforeAll(async () => {
    server = await startTestServer(backend, { config });
  });
  afterAll(async () => {
    expect(contract.checked).toBeGreaterThan(20);
    await server.destroy();
  });

  const call = async (method: 'post' | 'delete', path: string, template: string, body?: unknown, key: string | null = API_KEY) => {
    const pending = request(server.url)[method](`/konnect${path}`);
    if (key !== null) pending.set('X-API-KEY', key);
    if (body !== undefined) pending.set('Content-Type', 'application/json').send(typeof body === 'string' ? body : JSON.stringify(body));
    const response = await pending;
    contract.check(template, method, response);
    return response;
  };
  const create = async (overrides: Record<string, unknown> = {}) => {
    const response = await call('post', '/', '/', application(overrides));
    expect(response.status).toBe(201);
    return response.body as { client_id: string; client_secret: string; client_id_issued_at: string };
  };
  const event = (clientId: string, payload: Record<string, unknown>, base = ids()) => ({
    client_id: clientId,
    application_id: randomUUID(),
    application_name: 'Konnect app',
    application_description: 'An application of the Dev Portal',
    ...base,
    ...payload,
  });

  describe('authentication', () => {
    test.each([
      ['no X-API-KEY', null],
      ['a wrong X-API-KEY', 'wrong-key-0123456789abcdef'],
    ])('%s answers 401 with an error and a description', async (_label, key) => {
      for (const [method, path, template] of [['post', '/', '/'], ['delete', '/x', '/{clientId}'], ['post', '/x/new-secret', '/{clientId}/new-secret'], ['post', '/x/event-hook', '/{clientId}/event-hook']] as const) {
        const response = await call(method, path, template, method === 'post' && path === '/' ? application() : undefined, key);
        expect(response.status).toBe(401);
        expect(response.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
      }
    });

    test('every configured key works (rotation)', async () => {
      const response = await call('post', '/', '/', application(), ROTATED_KEY);
      expect(response.status).toBe(201);
    });
  });

  describe('POST / (create application)', () => {
    test('201 with client_id, client_secret and the contract\'s date-time format; the client works', async () => {
      const created = await create();
      expect(new Date(created.client_id_issued_at).toISOString()).toBe(created.client_id_issued_at);
      expect(Math.abs(Date.parse(created.client_id_issued_at) - Date.now())).toBeLessThan(60_000);
      const token = await issueToken(server.url, { clientId: created.client_id, clientSecret: created.client_secret, scope: 'orders:read' });
      const claims = decodeJwt(token).payload;
      expect(claims).toEqual(expect.objectContaining({ 'app.clientId': created.client_id, aud: 'https://orders.example.com' }));
    });

    test('the Konnect ids are kept in the client profile, readable by claim expressions', async () => {
      const portalId = randomUUID();
      const created = await create({ portal_id: portalId });
      const token = await issueToken(server.url, { clientId: created.client_id, clientSecret: created.client_secret, scope: 'orders:read' });
      expect(decodeJwt(token).payload.konnect_portal).toBe(portalId);
      const admin = adminClient(server.url, await OpenApiConformance.load(server.url));
      const { body } = await admin.get(`/clients/${created.client_id}`);
      expect(body.profile.konnect).toEqual(expect.objectContaining({ portal_id: portalId, application_description: 'An application of the Dev Portal' }));
      expect(body.grant_types).toEqual(['client_credentials']);
      expect(body.client_name).toBe('Konnect app');
    });

    test.each([
      ['client_credentials', ['client_credentials']],
      ['bearer', ['client_credentials']],
      ['session', ['client_credentials']],
      ['authorization_code', ['authorization_code']],
    ])('Konnect grant %s becomes %j', async (grant, expected) => {
      const created = await create({ grant_types: [grant] });
      const admin = adminClient(server.url, await OpenApiConformance.load(server.url));
      expect((await admin.get(`/clients/${created.client_id}`)).body.grant_types).toEqual(expected);
    });

    test('client_secret_post is honoured', async () => {
      const created = await create({ token_endpoint_auth_method: 'client_secret_post' });
      await request(server.url).post('/token').type('form')
        .send({ grant_type: 'client_credentials', client_id: created.client_id, client_secret: created.client_secret }).expect(200);
    });

    test.each([
      ['a missing required field', () => { const { client_name: _omitted, ...rest } = application(); return rest; }, 'client_name'],
      ['a member outside the contract', () => application({ colour: 'red' }), 'colour'],
      ['a non-uuid Konnect id', () => application({ portal_id: 'not-a-uuid' }), 'portal_id'],
      ['a wrong type', () => application({ scopes: 'orders:read' }), 'scopes'],
      ['an unsupported grant', () => application({ grant_types: ['password'] }), 'grant_types'],
      ['an unsupported auth method', () => application({ token_endpoint_auth_method: 'private_key_jwt' }), 'token_endpoint_auth_method'],
      ['a scope nobody offers', () => application({ scopes: ['admin.clients'] }), 'scope'],
      ['malformed JSON', () => '{"client_name":', ''],
    ])('%s answers 400 {error, error_description}, never a 500', async (_label, body, member) => {
      const response = await call('post', '/', '/', body());
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: expect.any(String), error_description: expect.stringContaining(member) });
    });

    test('a missing field is reported as "<field> is required"', async () => {
      const { redirect_uris: _omitted, ...rest } = application();
      const response = await call('post', '/', '/', rest);
      expect(response.body).toEqual({ error: 'invalid_request', error_description: 'redirect_uris is required' });
    });
  });

  describe('DELETE /{clientId}', () => {
    test('204, and the client\'s tokens die', async () => {
      const created = await create();
      const token = await issueToken(server.url, { clientId: created.client_id, clientSecret: created.client_secret, scope: 'orders:read' });
      expect((await call('delete', `/${created.client_id}`, '/{clientId}')).status).toBe(204);
      expect((await introspect(server.url, token, GATEWAY)).body).toEqual({ active: false });
      expect((await requestToken(server.url, { clientId: created.client_id, clientSecret: created.client_secret })).status).toBe(401);
    });

    test('an unknown client, or one the bridge did not create, answers 400 and reveals nothing', async () => {
      const unknown = await call('delete', '/no-such-client', '/{clientId}');
      const foreign = await call('delete', '/gateway', '/{clientId}');
      expect(unknown.status).toBe(400);
      expect(foreign.status).toBe(400);
      expect(foreign.body).toEqual(unknown.body);
      await introspect(server.url, 'x', GATEWAY).expect(200);
    });
  });

  describe('POST /{clientId}/new-secret', () => {
    test('200 {client_id, client_secret}; the old secret no longer works', async () => {
      const created = await create();
      const response = await call('post', `/${created.client_id}/new-secret`, '/{clientId}/new-secret');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ client_id: created.client_id, client_secret: expect.any(String) });
      expect((await requestToken(server.url, { clientId: created.client_id, clientSecret: created.client_secret })).status).toBe(401);
      await requestToken(server.url, { clientId: created.client_id, clientSecret: response.body.client_secret }).expect(200);
    });

    test('an unknown client answers 400', async () => {
      expect((await call('post', '/no-such-client/new-secret', '/{clientId}/new-secret')).status).toBe(400);
    });
  });

  describe('POST /{clientId}/event-hook', () => {
    const createWithIds = async () => {
      const base = ids();
      const created = await create({ ...base, grant_types: ['authorization_code', 'client_credentials'] });
      return { created, base };
    };

    test('update_application replaces the redirect URIs', async () => {
      const { created, base } = await createWithIds();
      const response = await call('post', `/${created.client_id}/event-hook`, '/{clientId}/event-hook',
        event(created.client_id, { event_type: 'update_application', redirect_uris: ['https://new.example.com/cb'], application_name: 'Renamed' }, base));
      expect(response.status).toBe(200);
      const admin = adminClient(server.url, await OpenApiConformance.load(server.url));
      const { body } = await admin.get(`/clients/${created.client_id}`);
      expect(body.redirect_uris).toEqual(['https://new.example.com/cb']);
      expect(body.client_name).toBe('Renamed');
    });

    test('add_registration grants the audience and its scopes; remove_registration withdraws them', async () => {
      const { created, base } = await createWithIds();
      const credentials = { clientId: created.client_id, clientSecret: created.client_secret };
      await requestToken(server.url, { ...credentials, resource: 'https://billing.example.com', scope: 'billing:read' }).expect(400);

      const added = await call('post', `/${created.client_id}/event-hook`, '/{clientId}/event-hook',
        event(created.client_id, { event_type: 'add_registration', api_product_version_id: randomUUID(), audience: 'https://billing.example.com' }, base));
      expect(added.status).toBe(200);
      const token = await issueToken(server.url, { ...credentials, resource: 'https://billing.example.com', scope: 'billing:read' });
      expect(decodeJwt(token).payload.aud).toBe('https://billing.example.com');
      // Registered for billing only now: orders is not granted.
      expect((await requestToken(server.url, { ...credentials, resource: 'https://orders.example.com', scope: 'orders:read' })).body.error).toBe('invalid_target');

      const removed = await call('post', `/${created.client_id}/event-hook`, '/{clientId}/event-hook',
        event(created.client_id, { event_type: 'remove_registration', api_product_version_id: PRODUCT_VERSION }, base));
      expect(removed.status).toBe(200);
      const refused = await requestToken(server.url, { ...credentials, resource: 'https://billing.example.com', scope: 'billing:read' });
      expect(refused.status).toBe(400);
    });

    test('the api_product_version_id mapping resolves an audience that is not a resource', async () => {
      const { created, base } = await createWithIds();
      const response = await call('post', `/${created.client_id}/event-hook`, '/{clientId}/event-hook',
        event(created.client_id, { event_type: 'add_registration', api_product_version_id: PRODUCT_VERSION, audience: 'billing-api' }, base));
      expect(response.status).toBe(200);
      await issueToken(server.url, { clientId: created.client_id, clientSecret: created.client_secret, resource: 'https://billing.example.com', scope: 'billing:read' });
    });

    test.each([
      ['an unknown event type', { event_type: 'rename_application' }],
      ['update_application without redirect_uris', { event_type: 'update_application' }],
      ['add_registration without api_product_version_id', { event_type: 'add_registration', audience: 'https://billing.example.com' }],
      ['an unknown audience', { event_type: 'add_registration', api_product_version_id: randomUUID(), audience: 'https://nowhere.example.com' }],
      ['a member outside the contract', { event_type: 'update_application', redirect_uris: [], colour: 'red' }],
    ])('%s answers 400', async (_label, payload) => {
      const { created, base } = await createWithIds();
      const response = await call('post', `/${created.client_id}/event-hook`, '/{clientId}/event-hook', event(created.client_id, payload, base));
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
    });

    test('another organization\'s application, or a mismatched client_id, is answered like an unknown one', async () => {
      const { created, base } = await createWithIds();
      const other = await createWithIds();
      const foreignOrganization = await call('post', `/${created.client_id}/event-hook`, '/{clientId}/event-hook',
        event(created.client_id, { event_type: 'update_application', redirect_uris: [] }, { ...base, organization_id: randomUUID() }));
      const mismatched = await call('post', `/${created.client_id}/event-hook`, '/{clientId}/event-hook',
        event(other.created.client_id, { event_type: 'update_application', redirect_uris: [] }, base));
      const unknown = await call('post', '/no-such-client/event-hook', '/{clientId}/event-hook',
        event('no-such-client', { event_type: 'update_application', redirect_uris: [] }, base));
      expect([foreignOrganization.status, mismatched.status, unknown.status]).toEqual([400, 400, 400]);
      expect(foreignOrganization.body).toEqual(unknown.body);
      expect(mismatched.body).toEqual(unknown.body);
      expect(JSON.stringify(foreignOrganization.body)).not.toContain(created.client_id);
    });
  });
});

test('the bridge is disabled unless configured', async () => {
  const server = await startTestServer(backends[0]!, { config: { resourceServers: config.resourceServers } });
  try {
    const response = await request(server.url).post('/konnect/').set('X-API-KEY', API_KEY).send(application());
    expect(response.status).toBe(404);
  } finally {
    await server.destroy();
  }
});
