import { generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';

import { backends } from '../support/backends.js';
import { BASIC_CLIENT, GATEWAY_CLIENT, startTestServer, STANDARD_CONFIG, type TestServer } from '../support/test-server.js';
import { decodeJwt, introspect, issueToken, revoke } from '../support/tokens.js';

const OPAQUE = { resource: 'https://opaque.example.com', scope: 'opaque:read' };
const asClient = { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret };
const basicAs = { id: BASIC_CLIENT.id, secret: BASIC_CLIENT.secret };

describe.each(backends)('introspection (RFC 7662) and revocation (RFC 7009) ($name)', (backend) => {
  let server: TestServer;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    const config = {
      ...STANDARD_CONFIG,
      resourceServers: [
        ...STANDARD_CONFIG.resourceServers,
        { resource: 'https://short.example.com', scopes: ['short'], accessTokenFormat: 'opaque', accessTokenTtl: 3 },
      ],
      clients: [
        ...STANDARD_CONFIG.clients,
        { client_id: 'short-lived', client_secret: 'short-lived-secret-0123456789', scope: 'orders:read opaque:read short' },
      ],
    };
    server = await startTestServer(backend, { config, now: () => new Date(Date.now() + clockOffsetMs) });
  });
  afterAll(() => server.destroy());
  afterEach(() => {
    clockOffsetMs = 0;
  });

  describe.each([
    ['JWT', {}],
    ['opaque', OPAQUE],
  ])('%s access tokens', (format, tokenParameters) => {
    const issue = () => issueToken(server.url, { ...asClient, scope: 'orders:read', ...tokenParameters });

    test('an active token introspects with its claims, including the mapped ones', async () => {
      const token = await issue();
      const response = await introspect(server.url, token, GATEWAY_CLIENT).expect(200);
      expect(response.headers['cache-control']).toContain('no-store');
      expect(response.body).toEqual(expect.objectContaining({
        active: true,
        client_id: BASIC_CLIENT.id,
        iss: server.url,
        aud: format === 'JWT' ? 'https://api.example.com' : 'https://opaque.example.com',
        scope: format === 'JWT' ? 'orders:read' : 'opaque:read',
        token_type: 'Bearer',
        exp: expect.any(Number),
        iat: expect.any(Number),
        'app.clientId': BASIC_CLIENT.id,
      }));
    });

    test('a revoked token is exactly {"active":false}', async () => {
      const token = await issue();
      await revoke(server.url, token, basicAs).expect(200);
      expect((await introspect(server.url, token, GATEWAY_CLIENT).expect(200)).body).toEqual({ active: false });
    });

    test('another client cannot revoke it', async () => {
      const token = await issue();
      const response = await revoke(server.url, token, GATEWAY_CLIENT).expect(400);
      expect(response.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
      expect((await introspect(server.url, token, GATEWAY_CLIENT)).body.active).toBe(true);
    });

    test('introspection requires client authentication', async () => {
      const token = await issue();
      const anonymous = await request(server.url).post('/token/introspection').type('form').send({ token });
      expect(anonymous.status).toBeGreaterThanOrEqual(400);
      expect(anonymous.body.error).toEqual(expect.any(String));
      expect(anonymous.body).not.toHaveProperty('active');
      const wrongSecret = await introspect(server.url, token, { id: GATEWAY_CLIENT.id, secret: 'not-the-secret-0123456789' }).expect(401);
      expect(wrongSecret.body.error).toBe('invalid_client');
    });

    test('a token whose client no longer exists is exactly {"active":false}', async () => {
      const clientId = `doomed-${format}`;
      // Registered through the provider's adapter, so that the secret is stored hashed like every other.
      const adapter = (server.server.provider as unknown as { Client: { adapter: { upsert(id: string, payload: object): Promise<void>; destroy(id: string): Promise<void> } } }).Client.adapter;
      await adapter.upsert(clientId, { client_id: clientId, client_secret: 'doomed-secret-0123456789', scope: 'orders:read opaque:read' });
      const token = await issueToken(server.url, { clientId, clientSecret: 'doomed-secret-0123456789', scope: 'orders:read', ...tokenParameters });
      expect((await introspect(server.url, token, GATEWAY_CLIENT)).body.active).toBe(true);
      await adapter.destroy(clientId);
      expect((await introspect(server.url, token, GATEWAY_CLIENT).expect(200)).body).toEqual({ active: false });
    });
  });

  test('an unknown token is exactly {"active":false}', async () => {
    expect((await introspect(server.url, 'no-such-token', GATEWAY_CLIENT).expect(200)).body).toEqual({ active: false });
  });

  test('a JWT signed by another key is exactly {"active":false}', async () => {
    const genuine = decodeJwt(await issueToken(server.url, { ...asClient, scope: 'orders:read' }));
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(genuine.payload)
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: String(genuine.header.kid) })
      .sign(privateKey);
    expect((await introspect(server.url, forged, GATEWAY_CLIENT).expect(200)).body).toEqual({ active: false });
  });

  test('an expired JWT is exactly {"active":false}', async () => {
    const token = await issueToken(server.url, { ...asClient, scope: 'orders:read' });
    clockOffsetMs = 2 * 3_600_000;
    expect((await introspect(server.url, token, GATEWAY_CLIENT).expect(200)).body).toEqual({ active: false });
  });

  test('an expired opaque token is exactly {"active":false}', async () => {
    const token = await issueToken(server.url, {
      clientId: 'short-lived', clientSecret: 'short-lived-secret-0123456789', resource: 'https://short.example.com', scope: 'short',
    });
    expect((await introspect(server.url, token, GATEWAY_CLIENT)).body.active).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    expect((await introspect(server.url, token, GATEWAY_CLIENT).expect(200)).body).toEqual({ active: false });
  });

  test('revoking an unknown token answers 200 (RFC 7009 §2.2)', async () => {
    await revoke(server.url, 'no-such-token', basicAs).expect(200);
  });

  test('a revoked JWT stays revoked for every instance sharing the store', async () => {
    const token = await issueToken(server.url, { ...asClient, scope: 'orders:read' });
    await revoke(server.url, token, basicAs).expect(200);
    const { jti } = decodeJwt(token).payload;
    expect(await server.store.revocations.isRevoked(String(jti), new Date())).toBe(true);
  });
});
