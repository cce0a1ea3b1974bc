import request from 'supertest';

import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { rawRequest } from '../support/raw-http.js';
import { basicAuth, startTestServer, type TestServer } from '../support/test-server.js';
import { issueToken } from '../support/tokens.js';

const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' };
const IAT = 'admin-test-initial-access-token-0123456789';

/** Accept headers real clients send; Java's HttpURLConnection (used by Nimbus and many gateways) prefers HTML. */
const ACCEPT_HEADERS: [string, string | undefined][] = [
  ['Java HttpURLConnection', 'text/html, image/gif, image/jpeg, */*; q=0.2'],
  ['a browser', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  ['*/*', '*/*'],
  ['no Accept header', undefined],
];

describe.each(backends)('protocol endpoints answer JSON whatever Accept says ($name)', (backend) => {
  let server: TestServer;
  let client: { client_id: string; client_secret: string };

  beforeAll(async () => {
    server = await startTestServer(backend, { config: adminConfig({ konnect: { apiKeys: ['konnect-api-key-0123456789abcdef'] } }) });
    const created = await request(server.url).post('/admin/clients').set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ grant_types: ['client_credentials'], scope: 'orders:read' }).expect(201);
    client = created.body;
  });
  afterAll(() => server.destroy());

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const headers = (accept: string | undefined, extra: Record<string, string>) => (accept === undefined ? extra : { ...extra, Accept: accept });

  describe.each(ACCEPT_HEADERS)('with %s', (_label, accept) => {
    const expectJsonError = (response: { status: number; headers: Record<string, unknown>; json: unknown }, status: number, error: string) => {
      expect(response.status).toBe(status);
      expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
      expect(response.json).toEqual(expect.objectContaining({ error }));
    };

    test('token errors are JSON with their error code', async () => {
      const wrongSecret = await rawRequest(server.url, 'POST', '/token', headers(accept, {
        'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(client.client_id, 'not-the-secret-0123456789'),
      }), form({ grant_type: 'client_credentials' }));
      expectJsonError(wrongSecret, 401, 'invalid_client');
      const badScope = await rawRequest(server.url, 'POST', '/token', headers(accept, {
        'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(client.client_id, client.client_secret),
      }), form({ grant_type: 'client_credentials', scope: 'orders:write' }));
      expectJsonError(badScope, 400, 'invalid_scope');
    });

    test('a JWT is introspected and revoked', async () => {
      const token = await issueToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret, scope: 'orders:read' });
      const introspect = (as: { id: string; secret: string }) => rawRequest(server.url, 'POST', '/token/introspection', headers(accept, {
        'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(as.id, as.secret),
      }), form({ token }));
      const active = await introspect(GATEWAY);
      expect(active.status).toBe(200);
      expect(String(active.headers['content-type'])).toMatch(/^application\/json/);
      expect(active.json).toEqual(expect.objectContaining({ active: true, client_id: client.client_id }));

      const revoked = await rawRequest(server.url, 'POST', '/token/revocation', headers(accept, {
        'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(client.client_id, client.client_secret),
      }), form({ token }));
      expect(revoked.status).toBe(200);
      expect((await introspect(GATEWAY)).json).toEqual({ active: false });
    });

    test('registration, admin, bridge and unknown-path errors are JSON', async () => {
      expectJsonError(await rawRequest(server.url, 'POST', '/reg', headers(accept, { 'Content-Type': 'application/json' }), '{}'), 401, 'invalid_token');
      expectJsonError(await rawRequest(server.url, 'POST', '/reg', headers(accept, { 'Content-Type': 'application/json', Authorization: `Bearer ${IAT}` }), '{"redirect_uris": 5}'), 400, 'invalid_client_metadata');
      expectJsonError(await rawRequest(server.url, 'GET', '/admin/clients', headers(accept, {})), 401, 'invalid_token');
      expectJsonError(await rawRequest(server.url, 'POST', '/konnect', headers(accept, { 'Content-Type': 'application/json' }), '{}'), 401, 'unauthorized');
      expectJsonError(await rawRequest(server.url, 'GET', '/no/such/endpoint', headers(accept, {})), 404, 'not_found');
      expectJsonError(await rawRequest(server.url, 'GET', '/token', headers(accept, {})), 405, 'method_not_allowed');
    });
  });

  test('the authorization endpoint, which a browser visits, may still answer an HTML page', async () => {
    const response = await rawRequest(server.url, 'GET', '/auth?client_id=nobody', { Accept: 'text/html' });
    expect(response.status).toBe(400);
    expect(String(response.headers['content-type'])).toMatch(/^text\/html/);
  });
});
