import request from 'supertest';

import { backends, mongoBackend, sqliteBackend } from '../support/backends.js';
import { BASIC_CLIENT, GATEWAY_CLIENT, startTestServer, STANDARD_CONFIG } from '../support/test-server.js';
import { introspect, issueToken } from '../support/tokens.js';

describe.each(backends)('health and persistence ($name)', (backend) => {
  test('GET /healthz answers 200 while the store is reachable', async () => {
    const server = await startTestServer(backend, { config: STANDARD_CONFIG });
    try {
      const response = await request(server.url).get('/healthz').expect(200);
      expect(response.body).toEqual({ status: 'ok' });
    } finally {
      await server.destroy();
    }
  });

  test('keys, clients and tokens survive a restart', async () => {
    const first = await startTestServer(backend, { config: STANDARD_CONFIG });
    const jwksBefore = (await request(first.url).get('/jwks').expect(200)).body;
    const jwt = await issueToken(first.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, scope: 'orders:read' });
    const opaque = await issueToken(first.url, {
      clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, resource: 'https://opaque.example.com', scope: 'opaque:read',
    });
    await first.close();

    const second = await startTestServer(backend, { config: STANDARD_CONFIG, settings: first.settings, port: Number(new URL(first.url).port) });
    try {
      expect((await request(second.url).get('/jwks').expect(200)).body).toEqual(jwksBefore);
      const jwtIntrospection = (await introspect(second.url, jwt, GATEWAY_CLIENT).expect(200)).body;
      expect(jwtIntrospection).toEqual(expect.objectContaining({ active: true, client_id: BASIC_CLIENT.id }));
      const opaqueIntrospection = (await introspect(second.url, opaque, GATEWAY_CLIENT).expect(200)).body;
      expect(opaqueIntrospection).toEqual(expect.objectContaining({ active: true, client_id: BASIC_CLIENT.id }));
      await issueToken(second.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret });
    } finally {
      await second.destroy();
    }
  });
});

test('GET /healthz answers 503 when the store is unreachable (sqlite)', async () => {
  const server = await startTestServer(sqliteBackend, { config: STANDARD_CONFIG });
  try {
    await server.store.close();
    const response = await request(server.url).get('/healthz').expect(503);
    expect(response.body).toEqual({ status: 'unavailable', store: 'cannot take writes' });
  } finally {
    await server.destroy();
  }
});

test('instances sharing one MongoDB database publish and sign with the same keys', async () => {
  const settings = mongoBackend.settings();
  const [a, b] = await Promise.all([
    startTestServer(mongoBackend, { config: STANDARD_CONFIG, settings }),
    startTestServer(mongoBackend, { config: STANDARD_CONFIG, settings }),
  ]);
  try {
    const jwksA = (await request(a!.url).get('/jwks').expect(200)).body;
    const jwksB = (await request(b!.url).get('/jwks').expect(200)).body;
    expect(jwksA).toEqual(jwksB);
    const tokenA = await issueToken(a!.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret });
    const tokenB = await issueToken(b!.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret });
    const kid = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
    expect(kid(tokenA)).toBe(kid(tokenB));
  } finally {
    await a!.close();
    await b!.destroy();
  }
});
