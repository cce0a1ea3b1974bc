import { randomUUID } from 'node:crypto';

import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import request from 'supertest';

import { backends } from '../support/backends.js';
import { basicAuth, BASIC_CLIENT, startTestServer, STANDARD_CONFIG, type TestServer } from '../support/test-server.js';
import { decodeJwt, issueToken, requestToken } from '../support/tokens.js';

const RFC9068_CLAIMS = ['iss', 'aud', 'sub', 'client_id', 'iat', 'exp', 'jti'];

describe.each(backends)('token endpoint, client_credentials ($name)', (backend) => {
  let server: TestServer;
  let jwtClientKey: CryptoKey;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    jwtClientKey = privateKey;
    const config = {
      ...STANDARD_CONFIG,
      clients: [
        ...STANDARD_CONFIG.clients,
        {
          client_id: 'jwt-client',
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] },
          scope: 'orders:read',
        },
      ],
    };
    server = await startTestServer(backend, { config });
  });
  afterAll(() => server.destroy());

  const verifyWithJwks = async (token: string, audience: string) => {
    const { body: jwks } = await request(server.url).get('/jwks').expect(200);
    return jwtVerify(token, createLocalJWKSet(jwks), { issuer: server.url, audience, typ: 'at+jwt' });
  };

  test('client_secret_basic yields an RFC 9068 JWT for the default resource server', async () => {
    const response = await requestToken(server.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, scope: 'orders:read' }).expect(200);
    expect(response.headers['cache-control']).toContain('no-store');
    expect(response.body).toEqual(expect.objectContaining({ token_type: 'Bearer', expires_in: 3600, scope: 'orders:read' }));
    const { payload, protectedHeader } = await verifyWithJwks(response.body.access_token, 'https://api.example.com');
    expect(protectedHeader).toEqual(expect.objectContaining({ typ: 'at+jwt', alg: 'RS256', kid: expect.any(String) }));
    for (const claim of RFC9068_CLAIMS) expect(payload).toHaveProperty(claim);
    expect(payload).toEqual(expect.objectContaining({
      iss: server.url,
      aud: 'https://api.example.com',
      sub: BASIC_CLIENT.id,
      client_id: BASIC_CLIENT.id,
      scope: 'orders:read',
      'app.clientId': BASIC_CLIENT.id,
    }));
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  test('client_secret_post authenticates too', async () => {
    const response = await request(server.url).post('/token').type('form').send({
      grant_type: 'client_credentials', client_id: BASIC_CLIENT.id, client_secret: BASIC_CLIENT.secret,
    }).expect(200);
    expect(decodeJwt(response.body.access_token).payload.client_id).toBe(BASIC_CLIENT.id);
  });

  test('private_key_jwt authenticates with a signed client assertion', async () => {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('jwt-client').setSubject('jwt-client').setAudience(server.url)
      .setJti(randomUUID()).setIssuedAt().setExpirationTime('1m')
      .sign(jwtClientKey);
    const response = await request(server.url).post('/token').type('form').send({
      grant_type: 'client_credentials',
      scope: 'orders:read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).expect(200);
    const { payload } = await verifyWithJwks(response.body.access_token, 'https://api.example.com');
    expect(payload.client_id).toBe('jwt-client');
  });

  test.each([
    ['ES256', 'https://es.example.com', 'es:read'],
    ['EdDSA', 'https://ed.example.com', 'ed:read'],
  ])('a resource server can sign with %s', async (alg, resource, scope) => {
    const token = await issueToken(server.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, resource, scope });
    const { protectedHeader, payload } = await verifyWithJwks(token, resource);
    expect(protectedHeader.alg).toBe(alg);
    expect(payload.scope).toBe(scope);
  });

  test('an opaque resource server yields an opaque token', async () => {
    const token = await issueToken(server.url, {
      clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, resource: 'https://opaque.example.com', scope: 'opaque:read',
    });
    expect(token.split('.')).toHaveLength(1);
    expect(token.length).toBeGreaterThanOrEqual(40);
  });

  test('a scope the client did not register is invalid_scope', async () => {
    const response = await requestToken(server.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, scope: 'orders:write' }).expect(400);
    expect(response.body.error).toBe('invalid_scope');
  });

  test('a scope the resource server does not offer is invalid_scope, not silently dropped', async () => {
    const response = await requestToken(server.url, {
      clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, scope: 'orders:read es:read',
    }).expect(400);
    expect(response.body.error).toBe('invalid_scope');
    expect(response.body.error_description).toContain('es:read');
  });

  test('an unknown scope is invalid_scope', async () => {
    const response = await requestToken(server.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, scope: 'nonsense' }).expect(400);
    expect(response.body.error).toBe('invalid_scope');
  });

  test('an unknown resource is invalid_target', async () => {
    const response = await requestToken(server.url, {
      clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, resource: 'https://unknown.example.com',
    }).expect(400);
    expect(response.body.error).toBe('invalid_target');
  });

  test.each([
    ['a wrong secret', basicAuth(BASIC_CLIENT.id, 'wrong-secret-0123456789')],
    ['an unknown client', basicAuth('nobody', 'whatever-secret-0123456789')],
  ])('%s is invalid_client with 401', async (_label, authorization) => {
    const response = await request(server.url).post('/token').set('Authorization', authorization).type('form')
      .send({ grant_type: 'client_credentials' }).expect(401);
    expect(response.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
  });

  test('a malformed body is a 400 with an RFC-shaped error', async () => {
    const response = await request(server.url).post('/token').set('Content-Type', 'application/x-www-form-urlencoded').send('%%%').expect(400);
    expect(response.body.error).toEqual(expect.any(String));
  });
});
