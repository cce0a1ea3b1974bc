import request from 'supertest';

import { backends } from '../support/backends.js';
import { BASIC_CLIENT, basicAuth, STANDARD_CONFIG, startTestServer, type TestServer } from '../support/test-server.js';
import { issueToken } from '../support/tokens.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe.each(backends)('GET /metrics ($name)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: { ...STANDARD_CONFIG, metrics: { token: METRICS_TOKEN } } });
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

  test('behind its token when one is configured', async () => {
    await request(server.url).get('/metrics').expect(401);
    await request(server.url).get('/metrics').set('Authorization', 'Bearer not-the-metrics-token-0123').expect(401);
  });
});
