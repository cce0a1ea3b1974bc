import request from 'supertest';

import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const KONNECT_KEY = 'konnect-api-key-0123456789abcdef';
const IAT = 'admin-test-initial-access-token-0123456789';
const CLIENT = '{clientId}';
const TOKEN_ID = '{id}';
const USER = '{userId}';

/** Every route that needs credentials, by method and path template. */
const PROTECTED: readonly { method: string; path: string }[] = [
  { method: 'GET', path: '/admin/clients' },
  { method: 'POST', path: '/admin/clients' },
  { method: 'GET', path: `/admin/clients/${CLIENT}` },
  { method: 'PUT', path: `/admin/clients/${CLIENT}` },
  { method: 'PATCH', path: `/admin/clients/${CLIENT}` },
  { method: 'DELETE', path: `/admin/clients/${CLIENT}` },
  { method: 'POST', path: `/admin/clients/${CLIENT}/secret` },
  { method: 'POST', path: `/admin/clients/${CLIENT}/registration-access-token` },
  { method: 'GET', path: '/admin/initial-access-tokens' },
  { method: 'POST', path: '/admin/initial-access-tokens' },
  { method: 'DELETE', path: `/admin/initial-access-tokens/${TOKEN_ID}` },
  { method: 'GET', path: '/admin/keys' },
  { method: 'POST', path: '/admin/keys/rotate' },
  { method: 'GET', path: '/admin/audit' },
  { method: 'GET', path: '/admin/me' },
  { method: 'GET', path: '/admin/metrics' },
  { method: 'GET', path: '/admin/users' },
  { method: 'POST', path: '/admin/users' },
  { method: 'GET', path: `/admin/users/${USER}` },
  { method: 'PUT', path: `/admin/users/${USER}` },
  { method: 'PATCH', path: `/admin/users/${USER}` },
  { method: 'DELETE', path: `/admin/users/${USER}` },
  { method: 'POST', path: `/admin/users/${USER}/password` },
  { method: 'GET', path: `/admin/users/${USER}/sessions` },
  { method: 'DELETE', path: `/admin/users/${USER}/sessions` },
  { method: 'DELETE', path: `/admin/users/${USER}/sessions/{sessionId}` },
  { method: 'GET', path: `/admin/users/${USER}/grants` },
  { method: 'DELETE', path: `/admin/users/${USER}/grants/{grantId}` },
  { method: 'POST', path: '/konnect' },
  { method: 'POST', path: '/konnect/' },
  { method: 'DELETE', path: `/konnect/${CLIENT}` },
  { method: 'POST', path: `/konnect/${CLIENT}/new-secret` },
  { method: 'POST', path: `/konnect/${CLIENT}/event-hook` },
  { method: 'POST', path: '/reg' },
  { method: 'GET', path: `/reg/${CLIENT}` },
  { method: 'PUT', path: `/reg/${CLIENT}` },
  { method: 'DELETE', path: `/reg/${CLIENT}` },
];

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'];

const swapCase = (text: string) => [...text].map((char) => (char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase())).join('');
const encodeLetter = (segment: string, index = 0) => {
  const position = [...segment].findIndex((char, at) => at >= index && /[A-Za-z]/.test(char));
  if (position < 0) return segment;
  return `${segment.slice(0, position)}%${segment.charCodeAt(position).toString(16)}${segment.slice(position + 1)}`;
};

/** Other spellings of a path: letter case, trailing and doubled slashes, dot segments, percent-encoding, backslashes. */
function spellings(path: string): string[] {
  const segments = path.split('/').slice(1);
  const first = segments[0]!;
  const rest = segments.slice(1);
  const join = (parts: string[]) => `/${parts.join('/')}`;
  const variants = new Set<string>([
    path.toUpperCase(),
    swapCase(path),
    join([first[0]!.toUpperCase() + first.slice(1), ...rest]),
    join([first, ...rest.map((segment) => segment.toUpperCase())]),
    path.endsWith('/') ? path.slice(0, -1) : `${path}/`,
    `${path}//`,
    `/${path}`,
    join([first, '', ...rest]),
    join(['.', ...segments]),
    join([first, '.', ...rest]),
    join(['x', '..', ...segments]),
    join([first, 'x', '..', ...rest]),
    join(['%2e', ...segments]),
    join(['x', '%2E%2E', ...segments]),
    `${path}/.`,
    join([encodeLetter(first), ...rest]),
    join([encodeLetter(first, 1).replace(/%([0-9a-f]{2})/, (_, hex: string) => `%${hex.toUpperCase()}`), ...rest]),
    join([first, ...rest.map((segment) => encodeLetter(segment))]),
    `/${first}%2F${rest.join('/')}`,
    `/${first}%2f${rest.join('/')}`,
    `/${first}\\${rest.join('/')}`,
    `${path};x=1`,
    `${path}%00`,
    `${path}%20`,
  ]);
  variants.delete(path);
  return [...variants];
}

describe.each(backends)('every protected route is gated ($name)', (backend) => {
  let server: TestServer;
  let clientId: string;
  let registrationAccessToken: string;
  let initialAccessTokenId: string;
  let userId: string;
  const admin = () => ({ Authorization: `Bearer ${ADMIN_TOKEN}` });

  beforeAll(async () => {
    server = await startTestServer(backend, {
      config: adminConfig({ konnect: { apiKeys: [KONNECT_KEY] } }),
    });
    const created = await request(server.url).post('/reg').set('Authorization', `Bearer ${IAT}`)
      .send({ grant_types: ['client_credentials'], scope: 'orders:read' }).expect(201);
    clientId = created.body.client_id;
    registrationAccessToken = created.body.registration_access_token;
    const iat = await request(server.url).post('/admin/initial-access-tokens').set(admin()).send({}).expect(201);
    initialAccessTokenId = iat.body.id;
    const user = await request(server.url).post('/admin/users').set(admin()).send({ username: 'guarded', password: 'a guarded passphrase' }).expect(201);
    userId = user.body.id;
  });
  afterAll(() => server.destroy());

  const concrete = (path: string) => path.replace(CLIENT, clientId).replace(TOKEN_ID, initialAccessTokenId).replace(USER, userId)
    .replace('{sessionId}', 'session-1').replace('{grantId}', 'grant-1');

  /** What the store holds that an unauthenticated request could change. */
  async function snapshot() {
    const clients = await request(server.url).get('/admin/clients?limit=200').set(admin()).expect(200);
    const tokens = await request(server.url).get('/admin/initial-access-tokens').set(admin()).expect(200);
    const keys = await request(server.url).get('/admin/keys').set(admin()).expect(200);
    const client = await request(server.url).get(`/reg/${clientId}`).set('Authorization', `Bearer ${registrationAccessToken}`).expect(200);
    const events = await request(server.url).get('/admin/audit?limit=200').set(admin()).expect(200);
    const users = await request(server.url).get('/admin/users?limit=200').set(admin()).expect(200);
    const successes = (events.body.events as { outcome: string }[]).filter((event) => event.outcome === 'success');
    return { clients: clients.body, tokens: tokens.body, keys: keys.body, client: client.body, successes, users: users.body };
  }

  function expectRefused(label: string, response: RawResponse): void {
    const refused = [400, 401, 403, 404, 405].includes(response.status);
    if (!refused) throw new Error(`${label} answered ${response.status}: ${response.text.slice(0, 200)}`);
    if (response.status !== 405 || label.startsWith('HEAD')) return;
    expect(response.headers.allow).toEqual(expect.any(String));
  }

  test('the list covers every operation of the admin OpenAPI document', async () => {
    const { body } = await request(server.url).get('/admin/openapi.json').expect(200);
    const documented = Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).filter((key) => key !== 'parameters').map((method) => `${method.toUpperCase()} /admin${path}`));
    const listed = PROTECTED.map(({ method, path }) => `${method} ${path}`);
    expect(listed).toEqual(expect.arrayContaining(documented));
  });

  test('no spelling of a protected path, and no method, reaches a handler without credentials', async () => {
    const before = await snapshot();
    let tried = 0;
    for (const { method, path } of PROTECTED) {
      const canonical = concrete(path);
      const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
      const withBody = (verb: string) => (['POST', 'PUT', 'PATCH'].includes(verb) ? JSON.stringify({ grant_types: ['client_credentials'] }) : undefined);
      const body = withBody(method);
      for (const spelling of [canonical, ...spellings(canonical)]) {
        expectRefused(`${method} ${spelling}`, await rawRequest(server.url, method, spelling, headers, body));
        tried += 1;
      }
      for (const other of METHODS.filter((candidate) => candidate !== method)) {
        expectRefused(`${other} ${canonical}`, await rawRequest(server.url, other, canonical, headers, withBody(other)));
        tried += 1;
      }
    }
    expect(tried).toBeGreaterThan(500);
    expect(await snapshot()).toEqual(before);
  });

  test('a path refused for its spelling answers a JSON error naming the problem', async () => {
    for (const path of ['/%61dmin/clients', '//admin/clients', '/admin/./clients', '/x/../admin/clients', '/admin\\clients']) {
      const response = await rawRequest(server.url, 'GET', path);
      expect(response.status).toBe(400);
      expect(response.json).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('request path') });
    }
  });

  test('another letter case or a trailing slash is another path: 404 JSON, whatever the credentials', async () => {
    for (const path of ['/ADMIN/clients', '/Admin/clients', '/admin/clients/', '/admin/Clients']) {
      const response = await rawRequest(server.url, 'GET', path, admin());
      expect(response.status).toBe(404);
      expect(response.json).toEqual({ error: 'not_found', error_description: expect.any(String) });
    }
  });

  test('a method a route does not list answers 405 with Allow and a JSON error', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/admin/clients', 'GET, HEAD, POST'],
      ['GET', '/reg', 'POST'],
      ['GET', '/konnect', 'POST'],
      ['GET', '/token', 'OPTIONS, POST'],
      ['PUT', '/jwks', 'GET, HEAD, OPTIONS'],
      ['GET', '/token/introspection', 'OPTIONS, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await rawRequest(server.url, method, path, admin());
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(response.json).toEqual({ error: 'method_not_allowed', error_description: expect.stringContaining(method) });
    }
  });

  test('the canonical paths still work with credentials', async () => {
    expect((await rawRequest(server.url, 'GET', '/admin/clients', admin())).status).toBe(200);
    expect((await rawRequest(server.url, 'POST', '/konnect/x/new-secret', { 'X-API-KEY': KONNECT_KEY })).status).toBe(400);
  });

  test('no audit event ever names "undefined" as its actor', async () => {
    const { body } = await request(server.url).get('/admin/audit?limit=200').set(admin()).expect(200);
    expect(body.events.length).toBeGreaterThan(10);
    for (const event of body.events as { actor: string }[]) {
      expect(event.actor).toMatch(/^(admin-token#\d+|client:.+|registration:.+|konnect:key#\d+|anonymous|system:.+)$/);
    }
  });
});
