import { exportJWK, generateKeyPair } from 'jose';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import request from 'supertest';

import { ADMIN_TOKEN, adminClient, adminConfig, OpenApiConformance, SECOND_ADMIN_TOKEN, type AdminClient } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { manage, register } from '../support/registration.js';
import { basicAuth, startTestServer, type TestServer } from '../support/test-server.js';
import { decodeJwt, introspect, issueToken, requestToken } from '../support/tokens.js';

const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' };
const IAT = 'admin-test-initial-access-token-0123456789';
const CC = { grant_types: ['client_credentials'] };

describe.each(backends)('admin API ($name)', (backend) => {
  let server: TestServer;
  let conformance: OpenApiConformance;
  let admin: AdminClient;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    server = await startTestServer(backend, { config: adminConfig(), now: () => new Date(Date.now() + clockOffsetMs) });
    conformance = await OpenApiConformance.load(server.url);
    admin = adminClient(server.url, conformance);
  });
  afterAll(async () => {
    expect(conformance.checked).toBeGreaterThan(50);
    await server.destroy();
  });
  afterEach(() => {
    clockOffsetMs = 0;
  });

  const create = async (body: Record<string, unknown> = { ...CC, scope: 'orders:read', client_name: 'Created' }) => {
    const response = await admin.post('/clients', body);
    expect(response.status).toBe(201);
    return response.body as { client_id: string; client_secret: string; registration_access_token: string; [key: string]: unknown };
  };

  describe('authentication', () => {
    test.each([
      ['no credentials', null],
      ['a wrong token', 'wrong-admin-token-0123456789'],
    ])('%s answers 401 with WWW-Authenticate: Bearer', async (_label, token) => {
      const response = await adminClient(server.url, conformance, token).get('/clients');
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.body.error).toBe('invalid_token');
    });

    test('every token of the comma-separated list works (rotation)', async () => {
      expect((await adminClient(server.url, conformance, SECOND_ADMIN_TOKEN).get('/clients')).status).toBe(200);
    });

    test('a client holding admin.clients can use its access token for the admin resource', async () => {
      const automation = await create({ ...CC, scope: 'admin.clients' });
      const token = await issueToken(server.url, {
        clientId: automation.client_id, clientSecret: automation.client_secret, resource: `${server.url}/admin`, scope: 'admin.clients',
      });
      expect(decodeJwt(token).payload.aud).toBe(`${server.url}/admin`);
      const automated = adminClient(server.url, conformance, token);
      expect((await automated.get(`/clients/${automation.client_id}`)).status).toBe(200);
      expect((await automated.patch(`/clients/${automation.client_id}`, { client_name: 'automation' })).status).toBe(200);
      const events = (await admin.get(`/audit?client_id=${automation.client_id}`)).body.events;
      expect(events[0]).toEqual(expect.objectContaining({ action: 'client.update', actor: `client:${automation.client_id}` }));
    });

    test('a valid token without the admin.clients scope answers 403', async () => {
      const automation = await create({ ...CC, scope: 'admin.clients' });
      const token = await issueToken(server.url, { clientId: automation.client_id, clientSecret: automation.client_secret, resource: `${server.url}/admin` });
      const response = await adminClient(server.url, conformance, token).get('/clients');
      expect(response.status).toBe(403);
      expect(response.body.error).toBe('insufficient_scope');
    });

    test('a token for another audience answers 401', async () => {
      const client = await create({ ...CC, scope: 'orders:read' });
      const token = await issueToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret, scope: 'orders:read' });
      expect((await adminClient(server.url, conformance, token).get('/clients')).status).toBe(401);
    });

    test('self-registration cannot obtain the admin scope', async () => {
      const response = await register(server.url, { ...CC, scope: 'admin.clients' }, IAT).expect(400);
      expect(response.body.error).toBe('invalid_client_metadata');
    });
  });

  describe('POST /admin/clients', () => {
    test('201 with the full registration, credentials shown once', async () => {
      const client = await create({ ...CC, client_name: 'Portal app', scope: 'orders:read', profile: { tenant: 't1' } });
      expect(client).toEqual(expect.objectContaining({
        client_id: expect.any(String), client_secret: expect.any(String), registration_access_token: expect.any(String),
        registration_client_uri: `${server.url}/reg/${client.client_id}`, client_name: 'Portal app', profile: { tenant: 't1' },
      }));
      await issueToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret, scope: 'orders:read' });
      const read = await admin.get(`/clients/${client.client_id}`);
      expect(read.body).not.toHaveProperty('client_secret');
    });

    test('an admin may choose the client_id (migrations) and client_secret_expires_at', async () => {
      const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
      const client = await create({ ...CC, client_id: `migrated-${backend.name}`, client_secret_expires_at: expiresAt });
      expect(client.client_id).toBe(`migrated-${backend.name}`);
      expect(client.client_secret_expires_at).toBe(expiresAt);
      const duplicate = await admin.post('/clients', { ...CC, client_id: `migrated-${backend.name}` });
      expect(duplicate.status).toBe(400);
      expect(duplicate.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringContaining('client_id') });
    });

    test('an expired secret no longer authenticates', async () => {
      const client = await create({ ...CC, client_secret_expires_at: Math.floor(Date.now() / 1000) - 60 });
      const response = await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret }).expect(401);
      expect(response.body.error).toBe('invalid_client');
    });

    test.each([
      ['a grant type the server does not support', { grant_types: ['implicit'] }, 'grant_types'],
      ['a public client (none) with client credentials', { ...CC, token_endpoint_auth_method: 'none' }, 'token_endpoint_auth_method'],
      ['an auth method the server does not support', { ...CC, token_endpoint_auth_method: 'tls_client_auth' }, 'token_endpoint_auth_method'],
      ['grant_types of the wrong type', { grant_types: 'client_credentials' }, 'grant_types'],
      ['a redirect URI that is not a URI', { ...CC, redirect_uris: ['not a uri'] }, 'redirect_uris'],
      ['a body that is not an object', [1, 2], '(body)'],
    ])('%s fails with the same error as at the registration endpoint, naming the field', async (_label, body, field) => {
      const viaAdmin = await admin.post('/clients', body);
      const viaRegistration = await register(server.url, body, IAT);
      expect(viaAdmin.status).toBe(400);
      expect(viaRegistration.status).toBe(400);
      expect(viaAdmin.body.error).toBe(viaRegistration.body.error);
      expect(viaAdmin.body.error_description).toContain(field);
      expect(viaRegistration.body.error_description).toContain(field);
    });

    test('a scope no resource server offers fails like a scope beyond the registration policy', async () => {
      const viaAdmin = await admin.post('/clients', { ...CC, scope: 'nope' });
      const viaRegistration = await register(server.url, { ...CC, scope: 'nope' }, IAT);
      expect([viaAdmin.status, viaRegistration.status]).toEqual([400, 400]);
      expect(viaAdmin.body.error).toBe('invalid_client_metadata');
      expect(viaRegistration.body.error).toBe('invalid_client_metadata');
    });
  });

  describe('GET /admin/clients', () => {
    test('pages with limit and cursor, a Link header, and never a secret', async () => {
      const name = `paged-${backend.name}`;
      for (let index = 0; index < 5; index += 1) await create({ ...CC, client_name: name });
      const first = await admin.get(`/clients?limit=2&client_name=${name}`);
      expect(first.status).toBe(200);
      expect(first.body.clients).toHaveLength(2);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const link = /^<([^>]+)>; rel="next"$/.exec(first.headers.link)?.[1];
      expect(link).toBeDefined();
      const linked = new URL(link!);
      expect(linked.origin).toBe(server.url);
      const second = await admin.get(`/clients${linked.search}`);
      const third = await admin.get(`/clients?limit=2&client_name=${name}&cursor=${second.body.next_cursor}`);
      expect(third.body.next_cursor).toBeNull();
      expect(third.headers.link).toBeUndefined();
      const ids = [...first.body.clients, ...second.body.clients, ...third.body.clients].map((client: { client_id: string }) => client.client_id);
      expect(new Set(ids).size).toBe(5);
      for (const client of [...first.body.clients, ...second.body.clients, ...third.body.clients]) {
        expect(client).not.toHaveProperty('client_secret');
        expect(client).not.toHaveProperty('registration_access_token');
        expect(client.client_name).toBe(name);
      }
    });

    test('filters on software_id', async () => {
      const softwareId = `sw-${backend.name}`;
      const client = await create({ ...CC, software_id: softwareId });
      const response = await admin.get(`/clients?software_id=${softwareId}`);
      expect(response.body.clients.map((c: { client_id: string }) => c.client_id)).toEqual([client.client_id]);
    });

    test('limit defaults to 50 and is at most 200', async () => {
      for (let index = 0; index < 3; index += 1) await create({ ...CC });
      const all = await admin.get('/clients');
      expect(all.body.clients.length).toBeLessThanOrEqual(50);
      expect((await admin.get('/clients?limit=200')).status).toBe(200);
      for (const limit of ['201', '0', 'ten']) {
        const response = await admin.get(`/clients?limit=${limit}`);
        expect(response.status).toBe(400);
        expect(response.body.error).toBe('invalid_request');
      }
      expect((await admin.get('/clients?cursor=garbage')).status).toBe(400);
    });

    test('returns every client exactly once while clients are inserted and deleted concurrently', async () => {
      const name = `concurrent-${backend.name}`;
      const stable: string[] = [];
      for (let index = 0; index < 12; index += 1) stable.push((await create({ ...CC, client_name: name })).client_id);
      const doomed: string[] = [];
      for (let index = 0; index < 4; index += 1) doomed.push((await create({ ...CC, client_name: name })).client_id);

      const seen: string[] = [];
      let cursor: string | null = null;
      let page = 0;
      do {
        const query: string = `/clients?limit=3&client_name=${name}${cursor ? `&cursor=${cursor}` : ''}`;
        const [response] = await Promise.all([
          admin.get(query),
          create({ ...CC, client_name: name }),
          doomed[page] ? admin.delete(`/clients/${doomed[page]}`) : Promise.resolve(),
        ]);
        seen.push(...response.body.clients.map((client: { client_id: string }) => client.client_id));
        cursor = response.body.next_cursor;
        page += 1;
      } while (cursor && page < 50);

      expect(new Set(seen).size).toBe(seen.length);
      for (const id of stable) expect(seen).toContain(id);
    });
  });

  describe('GET, PUT, PATCH, DELETE /admin/clients/{id}', () => {
    test('GET answers 404 not_found for an unknown client', async () => {
      const response = await admin.get('/clients/no-such-client');
      expect(response.status).toBe(404);
      expect(response.body.error).toBe('not_found');
    });

    test('PUT replaces the registration without a secret and never invalidates the registration access token', async () => {
      const client = await create({ ...CC, client_name: 'Before', scope: 'orders:read', profile: { a: 1 } });
      const response = await admin.put(`/clients/${client.client_id}`, { ...CC, client_name: 'After' });
      expect(response.status).toBe(200);
      expect(response.body.client_name).toBe('After');
      // A scope left out is reset to the default: the identity scopes, never a resource server's.
      expect(response.body.scope).toBe('openid profile email address phone offline_access');
      expect(response.body).not.toHaveProperty('profile');
      await manage(server.url, 'get', client.client_id, client.registration_access_token).expect(200);
      // The secret still authenticates; without a resource server's scope the client is entitled to none.
      expect((await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret }).expect(400)).body.error).toBe('invalid_target');
      const invalid = await admin.put(`/clients/${client.client_id}`, { grant_types: ['implicit'] });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error).toBe('invalid_client_metadata');
      expect((await admin.put('/clients/no-such-client', CC)).status).toBe(404);
    });

    test('an update that moves a client to a secret-based method shows the new secret once', async () => {
      const { publicKey } = await generateKeyPair('ES256');
      const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256', use: 'sig' }] };
      const client = await create({ ...CC, scope: 'orders:read', token_endpoint_auth_method: 'private_key_jwt', jwks });
      expect(client).not.toHaveProperty('client_secret');
      const response = await admin.patch(`/clients/${client.client_id}`, { token_endpoint_auth_method: 'client_secret_basic', jwks: null });
      expect(response.status).toBe(200);
      expect(response.body.client_secret).toEqual(expect.any(String));
      await requestToken(server.url, { clientId: client.client_id, clientSecret: response.body.client_secret }).expect(200);
      expect((await admin.get(`/clients/${client.client_id}`)).body).not.toHaveProperty('client_secret');
      const again = await admin.patch(`/clients/${client.client_id}`, { client_name: 'no new secret' });
      expect(again.body).not.toHaveProperty('client_secret');
    });

    test('PATCH applies a JSON Merge Patch (RFC 7396)', async () => {
      const client = await create({ ...CC, client_name: 'Patch me', scope: 'orders:read', profile: { tenant: 't1', tier: 'silver' } });
      const response = await admin.patch(`/clients/${client.client_id}`, { client_name: 'Patched', scope: null, profile: { tier: 'gold', region: 'eu' } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expect.objectContaining({ client_name: 'Patched', profile: { tenant: 't1', tier: 'gold', region: 'eu' } }));
      expect(response.body.scope).toBe('openid profile email address phone offline_access');
      const invalid = await admin.patch(`/clients/${client.client_id}`, { grant_types: ['implicit'] });
      expect(invalid.status).toBe(400);
      expect((await admin.get(`/clients/${client.client_id}`)).body.client_name).toBe('Patched');
    });

    test('DELETE answers 204 and the client\'s tokens die as after an RFC 7592 delete', async () => {
      const client = await create({ ...CC, scope: 'orders:read reports:read' });
      const jwt = await issueToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret, scope: 'orders:read' });
      const opaque = await issueToken(server.url, {
        clientId: client.client_id, clientSecret: client.client_secret, resource: 'https://reports.example.com', scope: 'reports:read',
      });
      expect((await admin.delete(`/clients/${client.client_id}`)).status).toBe(204);
      expect((await introspect(server.url, jwt, GATEWAY)).body).toEqual({ active: false });
      expect((await introspect(server.url, opaque, GATEWAY)).body).toEqual({ active: false });
      expect((await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret })).body.error).toBe('invalid_client');
      await manage(server.url, 'get', client.client_id, client.registration_access_token).expect(401);
      expect((await admin.get(`/clients/${client.client_id}`)).status).toBe(404);
      expect((await admin.delete(`/clients/${client.client_id}`)).status).toBe(404);
    });
  });

  describe('POST /admin/clients/{id}/secret', () => {
    test('by default the old secret stops working at once', async () => {
      const client = await create();
      const response = await admin.post(`/clients/${client.client_id}/secret`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ client_id: client.client_id, client_secret: expect.any(String), client_secret_expires_at: 0 });
      await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret }).expect(401);
      await requestToken(server.url, { clientId: client.client_id, clientSecret: response.body.client_secret }).expect(200);
    });

    test('with a grace period the old secret works until the grace ends, then 401', async () => {
      const client = await create();
      const response = await admin.post(`/clients/${client.client_id}/secret`, { grace_period: 300 });
      expect(response.status).toBe(200);
      await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret }).expect(200);
      await requestToken(server.url, { clientId: client.client_id, clientSecret: response.body.client_secret }).expect(200);
      clockOffsetMs = 301_000;
      await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret }).expect(401);
      await requestToken(server.url, { clientId: client.client_id, clientSecret: response.body.client_secret }).expect(200);
    });

    test('an invalid grace period is 400 and an unknown client 404', async () => {
      const client = await create();
      expect((await admin.post(`/clients/${client.client_id}/secret`, { grace_period: -1 })).status).toBe(400);
      expect((await admin.post(`/clients/${client.client_id}/secret`, { grace: 1 })).status).toBe(400);
      expect((await admin.post('/clients/no-such-client/secret')).status).toBe(404);
    });
  });

  test('POST /admin/clients/{id}/registration-access-token replaces a lost one', async () => {
    const client = await create();
    const response = await admin.post(`/clients/${client.client_id}/registration-access-token`);
    expect(response.status).toBe(200);
    await manage(server.url, 'get', client.client_id, client.registration_access_token).expect(401);
    await manage(server.url, 'get', client.client_id, response.body.registration_access_token).expect(200);
    expect((await admin.post('/clients/no-such-client/registration-access-token')).status).toBe(404);
  });

  describe('initial access tokens', () => {
    test('create, list without values, use, revoke', async () => {
      const created = await admin.post('/initial-access-tokens', { expires_in: 600, max_uses: 2, policies: ['default'] });
      expect(created.status).toBe(201);
      const { id, initial_access_token: token, expires_at: expiresAt } = created.body;
      expect(expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000) + 500);
      await register(server.url, CC, token).expect(201);

      const listed = await admin.get('/initial-access-tokens');
      expect(listed.status).toBe(200);
      const entry = listed.body.initial_access_tokens.find((candidate: { id: string }) => candidate.id === id);
      expect(entry).toEqual({ id, policies: ['default'], expires_at: expiresAt, max_uses: 2, uses: 1, created_at: expect.any(Number) });
      expect(JSON.stringify(listed.body)).not.toContain(token);

      expect((await admin.delete(`/initial-access-tokens/${id}`)).status).toBe(204);
      await register(server.url, CC, token).expect(401);
      expect((await admin.delete(`/initial-access-tokens/${id}`)).status).toBe(404);
    });

    test('defaults: no expiry, unlimited uses, the default policy', async () => {
      const created = await admin.post('/initial-access-tokens');
      expect(created.status).toBe(201);
      expect(created.body.expires_at).toBeNull();
    });

    test('an unknown policy or member is invalid_request', async () => {
      expect((await admin.post('/initial-access-tokens', { policies: ['nope'] })).body.error).toBe('invalid_request');
      expect((await admin.post('/initial-access-tokens', { max_uses: 0 })).status).toBe(400);
      expect((await admin.post('/initial-access-tokens', { colour: 'red' })).status).toBe(400);
    });
  });

  describe('GET /admin/audit', () => {
    test('records every change with actor, action, client, time, request id and outcome, and never a secret', async () => {
      const client = await create();
      await admin.patch(`/clients/${client.client_id}`, { client_name: 'audited' });
      const rotated = await admin.post(`/clients/${client.client_id}/secret`);
      const reissued = await admin.post(`/clients/${client.client_id}/registration-access-token`);
      await admin.delete(`/clients/${client.client_id}`);
      const response = await admin.get(`/audit?client_id=${client.client_id}`);
      expect(response.status).toBe(200);
      expect(response.body.events.map((event: { action: string }) => event.action)).toEqual([
        'client.delete', 'client.registration_access_token.reissue', 'client.secret.rotate', 'client.update', 'client.create',
      ]);
      for (const event of response.body.events) {
        expect(event).toEqual(expect.objectContaining({ actor: 'admin-token#1', outcome: 'success', client_id: client.client_id, request_id: expect.any(String), time: expect.any(String) }));
      }
      const text = JSON.stringify(response.body);
      for (const secret of [client.client_secret, client.registration_access_token, rotated.body.client_secret, reissued.body.registration_access_token, ADMIN_TOKEN]) {
        expect(text).not.toContain(secret);
      }
    });

    test('records self-registration changes and failed authentications', async () => {
      await request(server.url).get('/admin/clients').set('Authorization', 'Bearer nope-nope-nope');
      await register(server.url, CC, 'not-an-initial-access-token').expect(401);
      const registered = (await register(server.url, CC, IAT).expect(201)).body;
      await manage(server.url, 'delete', registered.client_id, registered.registration_access_token).expect(204);

      const failedAdmin = (await admin.get('/audit?action=admin.authenticate&limit=1')).body.events[0];
      expect(failedAdmin).toEqual(expect.objectContaining({ outcome: 'failure', actor: 'anonymous' }));
      const failedRegistration = (await admin.get('/audit?action=registration.authenticate&limit=1')).body.events[0];
      expect(failedRegistration).toEqual(expect.objectContaining({ outcome: 'failure' }));
      const history = (await admin.get(`/audit?client_id=${registered.client_id}`)).body.events;
      expect(history.map((event: { action: string; actor: string }) => [event.action, event.actor])).toEqual([
        ['client.delete', `client:${registered.client_id}`],
        ['client.create', 'registration:test-iat'],
      ]);
    });

    test('pages newest first with a cursor', async () => {
      for (let index = 0; index < 3; index += 1) await create();
      const first = await admin.get('/audit?action=client.create&limit=2');
      expect(first.body.events).toHaveLength(2);
      const second = await admin.get(`/audit?action=client.create&limit=2&cursor=${first.body.next_cursor}`);
      const times = [...first.body.events, ...second.body.events].map((event: { time: string }) => Date.parse(event.time));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(new Set([...first.body.events, ...second.body.events].map((event: { id: string }) => event.id)).size).toBe(4);
    });
  });

  test('GET /admin/openapi.json is an OpenAPI 3.1 document of every admin route', async () => {
    const { body } = await request(server.url).get('/admin/openapi.json').expect(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths).sort()).toEqual([
      '/audit', '/clients', '/clients/{clientId}', '/clients/{clientId}/registration-access-token', '/clients/{clientId}/secret',
      '/initial-access-tokens', '/initial-access-tokens/{id}', '/keys', '/keys/rotate', '/me', '/metrics', '/users', '/users/{userId}', '/users/{userId}/grants',
      '/users/{userId}/grants/{grantId}', '/users/{userId}/password', '/users/{userId}/sessions', '/users/{userId}/sessions/{sessionId}',
    ]);
    expect(body.servers[0].url).toBe(`${server.url}/admin`);
  });

  test('the document describes the constraints the server enforces, so that a request valid against it is not refused', async () => {
    const { body } = await request(server.url).get('/admin/openapi.json').expect(200);
    const { schemas } = body.components;
    expect(schemas.InitialAccessTokenRequest.properties.policies.items.enum.sort()).toEqual(['default']);
    expect(schemas.InitialAccessTokenRequest.properties.max_uses.maximum).toBe(1_000_000);
    expect(schemas.KeyRotationRequest.properties.alg.enum).toEqual(['RS256']);
    const cursor = body.paths['/clients'].get.parameters.find((parameter: { name: string }) => parameter.name === 'cursor');
    expect(new RegExp(cursor.schema.pattern).test('')).toBe(false);
    const clientName = body.paths['/clients'].get.parameters.find((parameter: { name: string }) => parameter.name === 'client_name');
    expect(clientName.schema).toEqual(expect.objectContaining({ minLength: 1, maxLength: 255 }));
    expect((await admin.get('/clients?client_name=')).status).toBe(400);
    expect((await admin.get(`/audit?client_id=${'x'.repeat(256)}`)).status).toBe(400);

    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const validRequest = ajv.compile({ ...schemas.ClientRequest, components: body.components });
    // authorization_code, the default grant type, needs redirect_uris: the document says so.
    expect(validRequest({ client_name: 'no grant types, no redirect URIs' })).toBe(false);
    expect((await admin.post('/clients', { client_name: 'no grant types, no redirect URIs' })).status).toBe(400);
    const withRedirect = { client_name: 'web', redirect_uris: ['https://app.example.com/cb'], scope: 'orders:read' };
    expect(validRequest(withRedirect)).toBe(true);
    expect((await admin.post('/clients', withRedirect)).status).toBe(201);
    // A scope no resource server offers and a resource that does not exist are outside the document too.
    expect(validRequest({ ...CC, scope: 'orders:read nonsense' })).toBe(false);
    expect(validRequest({ ...CC, allowed_resources: ['https://elsewhere.example.com'] })).toBe(false);
    // Only the grant types the server issues tokens for: no implicit flow, no device flow.
    expect(validRequest({ ...CC, grant_types: ['client_credentials', 'implicit'] })).toBe(false);
    expect(validRequest({ ...withRedirect, grant_types: ['authorization_code', 'refresh_token'] })).toBe(true);
    // A path id that could not be addressed is outside the document.
    const clientId = new RegExp(body.paths['/clients/{clientId}'].parameters[0].schema.pattern);
    for (const unaddressable of ['.', '..', '', 'a b', 'é']) expect(clientId.test(unaddressable)).toBe(false);
  });

  test('admin responses are never cached', async () => {
    const response = await admin.get('/clients');
    expect(response.headers['cache-control']).toBe('no-store');
    const created = await request(server.url).post('/admin/clients').set('Authorization', basicAuth('x', 'y')).send(CC);
    expect(created.status).toBe(401);
  });
});
