import request from 'supertest';

import { backends } from '../support/backends.js';
import { CLIENT_CREDENTIALS_ONLY, IAT, manage, register, registrationConfig } from '../support/registration.js';
import { basicAuth, startTestServer, type TestServer } from '../support/test-server.js';
import { introspect, issueToken, requestToken } from '../support/tokens.js';

const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' };

interface Registration {
  client_id: string;
  client_secret: string;
  registration_access_token: string;
  registration_client_uri: string;
  [field: string]: unknown;
}

describe.each(backends)('RFC 7592 client management ($name)', (backend) => {
  let server: TestServer;
  const registerClient = async (body: Record<string, unknown> = { ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read', client_name: 'Orders' }, token = IAT) =>
    (await register(server.url, body, token).expect(201)).body as Registration;

  beforeAll(async () => {
    server = await startTestServer(backend, { config: registrationConfig() });
  });
  afterAll(() => server.destroy());

  describe('§2.1 read', () => {
    test('GET returns the current registration, without the secret, and keeps the token', async () => {
      const client = await registerClient();
      for (let read = 0; read < 2; read += 1) {
        const response = await manage(server.url, 'get', client.client_id, client.registration_access_token).expect(200);
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.body).toEqual(expect.objectContaining({
          client_id: client.client_id,
          client_name: 'Orders',
          scope: 'orders:read',
          grant_types: ['client_credentials'],
          registration_access_token: client.registration_access_token,
          registration_client_uri: client.registration_client_uri,
          client_id_issued_at: client.client_id_issued_at,
          client_secret_expires_at: 0,
        }));
        expect(response.body).not.toHaveProperty('client_secret');
      }
    });

    test('registration_client_uri is the management URL', async () => {
      const client = await registerClient();
      const path = new URL(client.registration_client_uri).pathname;
      await request(server.url).get(path).set('Authorization', `Bearer ${client.registration_access_token}`).expect(200);
    });
  });

  describe('§2.2 update', () => {
    test('PUT replaces the registration: fields left out are removed or reset to defaults', async () => {
      const client = await registerClient({ ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read', client_name: 'Orders', software_id: 'sw' });
      const response = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
        client_id: client.client_id, grant_types: ['client_credentials'], client_name: 'Renamed',
      }).expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual(expect.objectContaining({ client_id: client.client_id, client_name: 'Renamed', token_endpoint_auth_method: 'client_secret_basic' }));
      expect(response.body).not.toHaveProperty('scope');
      expect(response.body).not.toHaveProperty('software_id');
      // The secret is unchanged (it authenticates; without a scope no resource server's tokens are due).
      expect((await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret }).expect(400)).body.error).toBe('invalid_target');
    });

    test('PUT rotates the registration access token; GET never does', async () => {
      const client = await registerClient();
      const response = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
        client_id: client.client_id, grant_types: ['client_credentials'],
      }).expect(200);
      const rotated = response.body.registration_access_token as string;
      expect(rotated).toEqual(expect.any(String));
      expect(rotated).not.toBe(client.registration_access_token);
      await manage(server.url, 'get', client.client_id, client.registration_access_token).expect(401);
      await manage(server.url, 'get', client.client_id, rotated).expect(200);
    });

    test.each(['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at'])(
      'PUT with %s in the body is refused',
      async (field) => {
        const client = await registerClient();
        const response = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
          client_id: client.client_id, grant_types: ['client_credentials'], [field]: client[field] ?? 0,
        }).expect(400);
        expect(response.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringContaining(field) });
      },
    );

    test('PUT requires the matching client_id', async () => {
      const client = await registerClient();
      for (const clientId of [undefined, 'another-client']) {
        const response = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
          client_id: clientId, grant_types: ['client_credentials'],
        }).expect(400);
        expect(response.body.error_description).toContain('client_id');
      }
    });

    test('PUT accepts the current client_secret and refuses another', async () => {
      const client = await registerClient();
      const wrong = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
        client_id: client.client_id, client_secret: 'not-the-secret-0123456789', grant_types: ['client_credentials'],
      }).expect(400);
      expect(wrong.body.error_description).toContain('client_secret');
      const right = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
        client_id: client.client_id, client_secret: client.client_secret, grant_types: ['client_credentials'], client_name: 'ok',
      }).expect(200);
      expect(right.body.client_name).toBe('ok');
    });

    test('PUT applies the policy the client registered under', async () => {
      const client = await registerClient(CLIENT_CREDENTIALS_ONLY, `${IAT}-partners`);
      const response = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
        client_id: client.client_id, grant_types: ['client_credentials'], scope: 'orders:read',
      }).expect(400);
      expect(response.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringContaining('scope') });
      const reset = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
        client_id: client.client_id, grant_types: ['client_credentials'],
      }).expect(200);
      expect(reset.body.scope).toBe('partners:read');
    });
  });

  describe('§2.3 delete', () => {
    test('DELETE answers 204', async () => {
      const client = await registerClient();
      const response = await manage(server.url, 'delete', client.client_id, client.registration_access_token).expect(204);
      expect(response.text).toBe('');
    });
  });

  describe('§2 authorization failures answer 401 with WWW-Authenticate: Bearer and reveal nothing', () => {
    test.each(['get', 'put', 'delete'] as const)('%s', async (method) => {
      const client = await registerClient();
      const other = await registerClient();
      const deleted = await registerClient();
      await manage(server.url, 'delete', deleted.client_id, deleted.registration_access_token).expect(204);
      const body = { client_id: client.client_id, grant_types: ['client_credentials'] };

      const failures = [
        manage(server.url, method, client.client_id, undefined, method === 'put' ? body : undefined),
        manage(server.url, method, client.client_id, 'bogus-token', method === 'put' ? body : undefined),
        manage(server.url, method, client.client_id, other.registration_access_token, method === 'put' ? body : undefined),
        manage(server.url, method, client.client_id, client.client_secret, method === 'put' ? body : undefined),
        manage(server.url, method, deleted.client_id, deleted.registration_access_token, method === 'put' ? { ...body, client_id: deleted.client_id } : undefined),
        manage(server.url, method, 'never-existed', client.registration_access_token, method === 'put' ? { ...body, client_id: 'never-existed' } : undefined),
      ];
      const responses = await Promise.all(failures);
      for (const response of responses) {
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      }
      expect(new Set(responses.map((response) => JSON.stringify(response.body))).size).toBe(1);
      // Nothing happened to the client.
      await manage(server.url, 'get', client.client_id, client.registration_access_token).expect(200);
    });
  });

  test('conformance flow: register, use, delete, and everything issued to the client is dead', async () => {
    const client = await registerClient();
    const jwt = await issueToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret, scope: 'orders:read' });
    expect((await introspect(server.url, jwt, GATEWAY)).body.active).toBe(true);

    await manage(server.url, 'delete', client.client_id, client.registration_access_token).expect(204);
    const read = await manage(server.url, 'get', client.client_id, client.registration_access_token).expect(401);
    expect(read.headers['www-authenticate']).toMatch(/^Bearer/);
    await manage(server.url, 'delete', client.client_id, client.registration_access_token).expect(401);
    const denied = await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret }).expect(401);
    expect(denied.body.error).toBe('invalid_client');
    expect((await introspect(server.url, jwt, GATEWAY).expect(200)).body).toEqual({ active: false });
  });
});

describe.each(backends)('deleting a client kills its opaque tokens ($name)', (backend) => {
  test('the opaque token record is deleted from the store', async () => {
    const config = registrationConfig();
    (config.resourceServers as Record<string, unknown>[])[0]!.accessTokenFormat = 'opaque';
    const server = await startTestServer(backend, { config });
    try {
      const client = (await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read' }).expect(201)).body as Registration;
      const token = await issueToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret, scope: 'orders:read' });
      expect((await introspect(server.url, token, GATEWAY)).body.active).toBe(true);
      await manage(server.url, 'delete', client.client_id, client.registration_access_token).expect(204);
      // Nothing of the client's is left to delete: its opaque token and registration access token are gone.
      expect(await server.store.models.destroyByClientId(client.client_id)).toBe(0);
      expect((await introspect(server.url, token, GATEWAY)).body).toEqual({ active: false });
      await request(server.url).post('/token').set('Authorization', basicAuth(client.client_id, client.client_secret))
        .type('form').send({ grant_type: 'client_credentials' }).expect(401);
    } finally {
      await server.destroy();
    }
  });
});
