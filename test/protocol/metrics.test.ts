import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import request from 'supertest';

import { backends } from '../support/backends.js';
import { BASIC_CLIENT, basicAuth, STANDARD_CONFIG, startTestServer, type TestServer } from '../support/test-server.js';
import { ADMIN_TOKEN } from '../support/admin.js';
import { introspect, issueToken } from '../support/tokens.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe.each(backends)('GET /metrics ($name)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, {
      config: { ...STANDARD_CONFIG, adminTokens: [ADMIN_TOKEN], registration: { mode: 'open' }, metrics: { token: METRICS_TOKEN } },
    });
  });
  afterAll(() => server.destroy());

  test('counts requests, store operations and failed client authentications, labelled without any client id', async () => {
    await issueToken(server.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, scope: 'orders:read' });
    await request(server.url).post('/token').set('Authorization', basicAuth(BASIC_CLIENT.id, 'wrong-secret-0123456789')).type('form')
      .send({ grant_type: 'client_credentials' }).expect(401);
    const { text, headers } = await request(server.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(headers['content-type']).toMatch(/^text\/plain/);
    expect(text).toMatch(/^http_request_duration_seconds_count\{route="token",method="POST",status="2xx"\} [1-9]/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{route="token",method="POST",status="4xx"\} [1-9]/m);
    expect(text).toMatch(new RegExp(`^store_operation_duration_seconds_count\\{backend="${backend.name}",operation="[a-zA-Z.]+"\\} [1-9]`, 'm'));
    expect(text).toMatch(/^client_authentication_failures_total\{route="token"\} 1$/m);
    expect(text).not.toContain(BASIC_CLIENT.id);
  });

  test('after traffic, a Prometheus text-format parser reads tokens by grant, format and resource, introspections, audited events and key state', async () => {
    const jwt = await issueToken(server.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, scope: 'orders:read' });
    await issueToken(server.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, scope: 'opaque:read', resource: 'https://opaque.example.com' });
    await introspect(server.url, jwt, { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' });
    await introspect(server.url, 'not-a-token', { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' });
    const registered = await request(server.url).post('/reg').send({ grant_types: ['client_credentials'], scope: 'orders:read' }).expect(201);
    await request(server.url).post('/admin/users').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ username: 'metered' }).expect(201);

    const { text } = await request(server.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
    const value = (name: string, labels: Record<string, string>) => {
      const sample = families.get(name)?.metrics.find((candidate) => Object.entries(labels).every(([key, wanted]) => candidate.labels?.[key] === wanted));
      return sample?.value === undefined ? undefined : Number(sample.value);
    };
    expect(families.get('tokens_issued_total')?.type).toBe('COUNTER');
    expect(value('tokens_issued_total', { kind: 'access_token', grant_type: 'client_credentials', format: 'jwt', resource: 'https://api.example.com' })).toBeGreaterThanOrEqual(1);
    expect(value('tokens_issued_total', { kind: 'access_token', grant_type: 'client_credentials', format: 'opaque', resource: 'https://opaque.example.com' })).toBe(1);
    expect(value('token_introspections_total', { outcome: 'active' })).toBe(1);
    expect(value('token_introspections_total', { outcome: 'inactive' })).toBe(1);
    expect(value('audit_events_total', { action: 'client.create', outcome: 'success', actor: 'registration' })).toBe(1);
    expect(value('audit_events_total', { action: 'user.create', outcome: 'success', actor: 'admin-token' })).toBe(1);
    expect(value('signing_keys', { alg: 'RS256', state: 'active' })).toBe(1);
    expect(value('signing_key_active_age_seconds', { alg: 'RS256' })).toBeGreaterThanOrEqual(0);
    expect(families.get('http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    // Bounded labels only: no client id (not even of the client registered just now), no user id.
    expect(text).not.toContain(registered.body.client_id);
    expect(text).not.toContain(BASIC_CLIENT.id);
  });

  test('behind its token when one is configured', async () => {
    await request(server.url).get('/metrics').expect(401);
    await request(server.url).get('/metrics').set('Authorization', 'Bearer not-the-metrics-token-0123').expect(401);
  });
});
