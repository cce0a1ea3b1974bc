import { request as httpRequest, type ClientRequest } from 'node:http';

import request from 'supertest';

import { ADMIN_TOKEN } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { CLIENT_CREDENTIALS_ONLY, IAT, manage, register, registrationConfig } from '../support/registration.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { decodeJwt, issueToken, requestToken } from '../support/tokens.js';

interface RegistrationSection {
  policies: Record<string, unknown>;
  initialAccessTokens: { policies?: string[] }[];
  [key: string]: unknown;
}

const CONFIG: Record<string, unknown> & { registration: RegistrationSection } = {
  ...(registrationConfig() as { registration: RegistrationSection }),
  adminTokens: [ADMIN_TOKEN],
  claims: [{ name: 'app.clientId', value: 'app.clientId' }, { name: 'tenant', value: 'app.profile.tenant' }],
};

/** A JSON request whose headers go out now and whose body goes out on send(): in flight while the test acts. */
function heldRequest(url: string, method: string, path: string, token: string, body: unknown): { send(): Promise<{ status: number; body: unknown }> } {
  const text = JSON.stringify(body);
  const { hostname, port } = new URL(url);
  let outgoing: ClientRequest;
  const answered = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    outgoing = httpRequest({
      host: hostname, port, method, path,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
    });
    outgoing.on('error', reject);
    outgoing.write(text.slice(0, 1));
  });
  return {
    send: async () => {
      // Let the guard read the client before the administrator acts.
      await new Promise((resolve) => setTimeout(resolve, 50));
      outgoing.end(text.slice(1));
      return answered;
    },
  };
}

interface Registration {
  client_id: string;
  client_secret: string;
  registration_access_token?: string;
  [field: string]: unknown;
}

describe.each(backends)('RFC 7592 never grants more than an administrator did ($name)', (backend) => {
  let server: TestServer;
  const admin = {
    post: (path: string, body: unknown) => request(server.url).post(`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).send(body as object),
    get: (path: string) => request(server.url).get(`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    patch: (path: string, body: unknown) => request(server.url).patch(`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .set('Content-Type', 'application/merge-patch+json').send(JSON.stringify(body)),
  };
  const restricted = async (extra: Record<string, unknown> = {}) => (await admin.post('/clients', {
    ...CLIENT_CREDENTIALS_ONLY,
    client_name: 'Restricted',
    scope: 'orders:read',
    allowed_resources: ['https://api.example.com'],
    profile: { tenant: 'acme' },
    ...extra,
  }).expect(201)).body as Registration;

  beforeAll(async () => {
    server = await startTestServer(backend, { config: CONFIG });
  });
  afterAll(() => server.destroy());

  test('an admin-made client cannot widen its scope, grants or resources through PUT /reg', async () => {
    const client = await restricted();
    const attempts: [string, Record<string, unknown>][] = [
      ['scope', { scope: 'orders:read orders:write' }],
      ['scope', { scope: 'partners:read' }],
      ['grant_types', { grant_types: ['client_credentials', 'authorization_code'], redirect_uris: ['https://evil.example/cb'] }],
      ['redirect_uris', { redirect_uris: ['https://evil.example/cb'] }],
    ];
    for (const [field, widening] of attempts) {
      const response = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
        client_id: client.client_id, ...CLIENT_CREDENTIALS_ONLY, ...widening,
      });
      expect(response.status).toBe(400);
      expect(response.body.error_description).toContain(field);
    }
  });

  test('a PUT /reg keeps every administrator-set field: profile (and so mapped claims), allowed_resources', async () => {
    const client = await restricted();
    const updated = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
      client_id: client.client_id, ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read', client_name: 'Renamed', profile: { tenant: 'evil' }, allowed_resources: [],
    }).expect(200);
    expect(updated.body).toEqual(expect.objectContaining({
      client_name: 'Renamed', scope: 'orders:read', profile: { tenant: 'acme' }, allowed_resources: ['https://api.example.com'],
    }));
    const token = await issueToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret, scope: 'orders:read' });
    expect(decodeJwt(token).payload.tenant).toBe('acme');
    const other = await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret, resource: 'https://partners.example.com' });
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('invalid_target');
  });

  test('a self-registered client an administrator narrowed cannot widen itself back within its policy', async () => {
    const client = (await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read orders:write' }).expect(201)).body as Registration;
    await admin.patch(`/clients/${client.client_id}`, { scope: 'orders:read' }).expect(200);
    const widened = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
      client_id: client.client_id, ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read orders:write',
    });
    expect(widened.status).toBe(400);
    expect(widened.body.error_description).toContain('scope');
  });

  test('a self-registered client may still change what its own policy allows', async () => {
    const client = (await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read' }).expect(201)).body as Registration;
    await manage(server.url, 'put', client.client_id, client.registration_access_token, {
      client_id: client.client_id, ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read orders:write',
    }).expect(200);
  });

  test('an administrator decides per client whether RFC 7592 self-management is allowed', async () => {
    const managed = await restricted();
    expect(managed.registration_access_token).toEqual(expect.any(String));
    expect((await admin.get(`/clients/${managed.client_id}`).expect(200)).body.self_management).toBe(true);

    const unmanaged = await restricted({ self_management: false });
    expect(unmanaged).not.toHaveProperty('registration_access_token');
    expect(unmanaged.self_management).toBe(false);
    const refused = await request(server.url).post(`/admin/clients/${unmanaged.client_id}/registration-access-token`).set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(refused.status).toBe(409);

    // Turning it off revokes the token the client holds.
    await manage(server.url, 'get', managed.client_id, managed.registration_access_token).expect(200);
    await admin.patch(`/clients/${managed.client_id}`, { self_management: false }).expect(200);
    const afterwards = await manage(server.url, 'get', managed.client_id, managed.registration_access_token);
    expect(afterwards.status).toBe(401);
    expect(afterwards.body.error).toBe('invalid_token');
    await manage(server.url, 'delete', managed.client_id, managed.registration_access_token).expect(401);
    await admin.get(`/clients/${managed.client_id}`).expect(200);
  });

  test('concurrent updates with one registration access token: exactly one wins, and one token lives on', async () => {
    const client = (await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read' }).expect(201)).body as Registration;
    const responses = await Promise.all(Array.from({ length: 8 }, (_, index) => manage(server.url, 'put', client.client_id, client.registration_access_token, {
      client_id: client.client_id, ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read', client_name: `attempt ${index}`,
    })));
    const winners = responses.filter((response) => response.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of responses.filter((response) => response.status !== 200)) expect(loser.status).toBe(401);
    const current = (await manage(server.url, 'get', client.client_id, winners[0]!.body.registration_access_token).expect(200)).body;
    expect(current.client_name).toBe(winners[0]!.body.client_name);
    await manage(server.url, 'get', client.client_id, client.registration_access_token).expect(401);
  });

  test('an update whose body arrives after an administrator\'s change fails, and never undoes the change', async () => {
    const client = await restricted({ scope: 'orders:read partners:read', allowed_resources: ['https://api.example.com', 'https://partners.example.com'] });
    const held = heldRequest(server.url, 'PUT', `/reg/${client.client_id}`, client.registration_access_token!, {
      client_id: client.client_id, ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read partners:read', client_name: 'late',
    });
    await admin.patch(`/clients/${client.client_id}`, { allowed_resources: ['https://api.example.com'] }).expect(200);
    const rotated = await request(server.url).post(`/admin/clients/${client.client_id}/secret`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    const late = await held.send();
    expect(late.status).toBe(409);
    const now = (await admin.get(`/clients/${client.client_id}`).expect(200)).body;
    expect(now.allowed_resources).toEqual(['https://api.example.com']);
    expect(now.client_name).toBe('Restricted');
    expect((await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret })).status).toBe(401);
    await issueToken(server.url, { clientId: client.client_id, clientSecret: rotated.body.client_secret, scope: 'orders:read' });
    // The registration access token the late update sent still works: nothing of it was used up.
    await manage(server.url, 'get', client.client_id, client.registration_access_token).expect(200);
  });

  test('an update whose body arrives after the client was deleted does not bring it back', async () => {
    const client = await restricted();
    const held = heldRequest(server.url, 'PUT', `/reg/${client.client_id}`, client.registration_access_token!, {
      client_id: client.client_id, ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read',
    });
    await request(server.url).delete(`/admin/clients/${client.client_id}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(204);
    const late = await held.send();
    expect([401, 404]).toContain(late.status);
    await admin.get(`/clients/${client.client_id}`).expect(404);
    expect((await requestToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret })).status).toBe(401);
  });

  test('a client whose registration policy is gone is refused, never given the open policy instead', async () => {
    const settings = server.settings;
    const client = (await register(server.url, CLIENT_CREDENTIALS_ONLY, `${IAT}-partners`).expect(201)).body as Registration;
    await server.close();
    const { partners: _gone, ...policies } = CONFIG.registration.policies;
    const withoutPartners = {
      ...CONFIG,
      registration: {
        ...CONFIG.registration,
        mode: 'open',
        policies,
        initialAccessTokens: CONFIG.registration.initialAccessTokens.filter((token) => !token.policies?.includes('partners')),
      },
    };
    server = await startTestServer(backend, { config: withoutPartners, settings });
    const response = await manage(server.url, 'put', client.client_id, client.registration_access_token, {
      client_id: client.client_id, ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read orders:write',
    });
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('access_denied');
  });
});
