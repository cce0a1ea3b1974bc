import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import request from 'supertest';

import { backends } from '../support/backends.js';
import { CLIENT_CREDENTIALS_ONLY, IAT, register, registrationConfig } from '../support/registration.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { decodeJwt, requestToken, issueToken } from '../support/tokens.js';

async function clientCount(server: TestServer): Promise<number> {
  return (await server.store.clients.list({ limit: 1000 })).length;
}

describe.each(backends)('RFC 7591 dynamic client registration ($name)', (backend) => {
  let server: TestServer;
  let statementKey: CryptoKey;
  let jwksServer: Server;
  let remoteKey: CryptoKey;

  beforeAll(async () => {
    const local = await generateKeyPair('ES256');
    statementKey = local.privateKey;
    const remote = await generateKeyPair('RS256');
    remoteKey = remote.privateKey;
    const remoteJwks = { keys: [{ ...(await exportJWK(remote.publicKey)), kid: 'remote', alg: 'RS256' }] };
    jwksServer = createServer((_req, res) => res.setHeader('Content-Type', 'application/json').end(JSON.stringify(remoteJwks)));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;

    const config = registrationConfig({
      softwareStatements: {
        trustedIssuers: [
          { issuer: 'https://vendor.example', jwks: { keys: [{ ...(await exportJWK(local.publicKey)), kid: 'v1', alg: 'ES256' }] } },
          { issuer: 'https://remote-vendor.example', jwksUri },
        ],
      },
    });
    (config.registration as { policies: Record<string, unknown> }).policies.vetted = { requireSoftwareStatement: true, scopes: ['orders:read'] };
    config.claims = [{ name: 'app.clientId', value: 'app.clientId' }, { name: 'software', value: 'app.softwareId' }];
    (config.registration as { initialAccessTokens: unknown[] }).initialAccessTokens.push({ id: 'vetted-token', token: `${IAT}-vetted`, policies: ['vetted'] });
    (config.registration as { policies: Record<string, unknown> }).policies.people = {
      grantTypes: ['authorization_code'], tokenEndpointAuthMethods: ['none'], redirectUriHosts: ['127.0.0.1'], scopes: ['openid', 'profile', 'orders:read'],
    };
    (config.registration as { initialAccessTokens: unknown[] }).initialAccessTokens.push({ id: 'people-token', token: `${IAT}-people`, policies: ['people'] });
    server = await startTestServer(backend, { config });
  });
  afterAll(async () => {
    await server.destroy();
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  const statement = (claims: Record<string, unknown>, issuer = 'https://vendor.example', key = statementKey, alg = 'ES256') =>
    new SignJWT(claims).setProtectedHeader({ alg }).setIssuer(issuer).setIssuedAt().sign(key);

  describe('§3 client registration endpoint', () => {
    test('advertised as registration_endpoint', async () => {
      const { body } = await request(server.url).get('/.well-known/openid-configuration').expect(200);
      expect(body.registration_endpoint).toBe(`${server.url}/reg`);
      const { body: oauth } = await request(server.url).get('/.well-known/oauth-authorization-server').expect(200);
      expect(oauth.registration_endpoint).toBe(`${server.url}/reg`);
    });

    test.each([
      ['no token', null],
      ['a bogus token', 'not-a-token'],
      ['an expired token', `${IAT}-expired`],
    ])('§3 with %s answers 401 invalid_token and creates nothing', async (_label, token) => {
      const before = await clientCount(server);
      const response = await register(server.url, CLIENT_CREDENTIALS_ONLY, token).expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(response.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
      expect(await clientCount(server)).toBe(before);
    });

    test('§3 a used-up initial access token answers 401 and creates nothing', async () => {
      await register(server.url, CLIENT_CREDENTIALS_ONLY, `${IAT}-two-uses`).expect(201);
      await register(server.url, CLIENT_CREDENTIALS_ONLY, `${IAT}-two-uses`).expect(201);
      const before = await clientCount(server);
      const response = await register(server.url, CLIENT_CREDENTIALS_ONLY, `${IAT}-two-uses`).expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(await clientCount(server)).toBe(before);
    });

    test('§3 a refused registration does not use up the token', async () => {
      const token = await server.store.initialAccessTokens.findByHash((await server.store.initialAccessTokens.list()).find((t) => t.id === 'default-token')!.tokenHash);
      await register(server.url, { grant_types: ['implicit'] }).expect(400);
      const after = (await server.store.initialAccessTokens.list()).find((t) => t.id === 'default-token')!;
      expect(after.uses).toBe(token!.uses);
    });
  });

  describe('§3.2.1 client information response', () => {
    test('a client-credentials-only client registers with grant_types alone', async () => {
      const response = await register(server.url, CLIENT_CREDENTIALS_ONLY).expect(201);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.pragma).toBe('no-cache');
      expect(response.body).toEqual(expect.objectContaining({
        client_id: expect.any(String),
        client_secret: expect.any(String),
        client_id_issued_at: expect.any(Number),
        client_secret_expires_at: 0,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        registration_access_token: expect.any(String),
        registration_client_uri: `${server.url}/reg/${response.body.client_id}`,
      }));
      // Its credentials work; without a scope it is entitled to no resource server's tokens.
      const refused = await requestToken(server.url, { clientId: response.body.client_id, clientSecret: response.body.client_secret }).expect(400);
      expect(refused.body.error).toBe('invalid_target');
    });

    test('§2 unknown metadata is ignored, not an error', async () => {
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, colour: 'blue', 'x.dotted': { a: 1 } }).expect(201);
      expect(response.body).not.toHaveProperty('colour');
      expect(response.body).not.toHaveProperty('x.dotted');
    });

    test('§2 client_name, software_id and software_version are kept', async () => {
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, client_name: 'Orders', software_id: 'sw-1', software_version: '2.0' }).expect(201);
      expect(response.body).toEqual(expect.objectContaining({ client_name: 'Orders', software_id: 'sw-1', software_version: '2.0' }));
    });

    test('§3.1 a client-chosen client_id or client_secret is never honoured', async () => {
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, client_id: 'chosen-id', client_secret: 'chosen-secret-0123456789' }).expect(201);
      expect(response.body.client_id).not.toBe('chosen-id');
      expect(response.body.client_secret).not.toBe('chosen-secret-0123456789');
      expect(await server.store.clients.find('chosen-id')).toBeUndefined();
    });

    test('private_key_jwt clients get no secret', async () => {
      const { publicKey } = await generateKeyPair('ES256');
      const response = await register(server.url, {
        ...CLIENT_CREDENTIALS_ONLY,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256', use: 'sig' }] },
      }).expect(201);
      expect(response.body).not.toHaveProperty('client_secret');
      expect(response.body.token_endpoint_auth_method).toBe('private_key_jwt');
    });
  });

  describe('§3.2.2 client registration error response', () => {
    test.each([
      ['not JSON', 'grant_types=client_credentials'],
      ['malformed JSON', '{"grant_types": ['],
      ['a JSON array', '[]'],
      ['an empty body', ''],
    ])('a body that is %s is a 400 invalid_client_metadata, never a 500', async (_label, body) => {
      const response = await register(server.url, body).expect(400);
      expect(response.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.any(String) });
      expect(response.headers['cache-control']).toBe('no-store');
    });

    test.each([
      ['grant_types of the wrong type', { grant_types: 'client_credentials' }, 'grant_types'],
      ['a redirect URI that is not a URI', { grant_types: ['client_credentials'], redirect_uris: ['not a uri'] }, 'redirect_uris'],
      ['a grant type outside the policy', { grant_types: ['authorization_code'], redirect_uris: ['https://app.example.com/cb'] }, 'grant_types'],
      ['an auth method outside the policy', { ...CLIENT_CREDENTIALS_ONLY, token_endpoint_auth_method: 'none' }, 'token_endpoint_auth_method'],
      ['a scope beyond the policy', { ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read admin:all' }, 'scope'],
    ])('%s is invalid_client_metadata naming the field', async (_label, body, field) => {
      const before = await clientCount(server);
      const response = await register(server.url, body).expect(400);
      expect(response.body.error).toBe('invalid_client_metadata');
      expect(response.body.error_description).toContain(field);
      expect(await clientCount(server)).toBe(before);
    });

    test('RFC 7591 defaults apply to what is left out: {} asks for authorization_code, which the policy refuses', async () => {
      const response = await register(server.url, {}).expect(400);
      expect(response.body.error_description).toContain('grant_types');
    });

    test('a redirect URI host outside the policy is invalid_redirect_uri', async () => {
      const response = await register(server.url, {
        grant_types: ['authorization_code'], redirect_uris: ['https://evil.example.com/cb'],
      }, `${IAT}-web`).expect(400);
      expect(response.body.error).toBe('invalid_redirect_uri');
      expect(response.body.error_description).toContain('redirect_uris');
    });

    test('a redirect URI host inside the policy registers', async () => {
      const response = await register(server.url, {
        grant_types: ['authorization_code'], redirect_uris: ['https://app.example.com/cb'],
      }, `${IAT}-web`).expect(201);
      expect(response.body).toEqual(expect.objectContaining({ response_types: ['code'], redirect_uris: ['https://app.example.com/cb'] }));
    });
  });

  describe('registration policies', () => {
    test('the policy of the initial access token applies: its default scope and resource are in the effective metadata and the tokens', async () => {
      const response = await register(server.url, CLIENT_CREDENTIALS_ONLY, `${IAT}-partners`).expect(201);
      expect(response.body.scope).toBe('partners:read');
      expect(response.body.default_resource).toBe('https://partners.example.com');
      const token = await issueToken(server.url, { clientId: response.body.client_id, clientSecret: response.body.client_secret, scope: 'partners:read' });
      expect(decodeJwt(token).payload.aud).toBe('https://partners.example.com');
    });

    test('without a scope, a client gets the OpenID Connect identity scopes its policy allows, never a resource server\'s', async () => {
      const people = await register(server.url, { redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' }, `${IAT}-people`).expect(201);
      expect(people.body.scope).toBe('openid profile');
      // A policy that allows no identity scope (this default one offers only resource servers' scopes) gives none.
      const machine = await register(server.url, CLIENT_CREDENTIALS_ONLY).expect(201);
      expect(machine.body).not.toHaveProperty('scope');
      expect((await requestToken(server.url, { clientId: machine.body.client_id, clientSecret: machine.body.client_secret }).expect(400)).body.error)
        .toBe('invalid_target');
    });

    test('a scope the token\'s policy does not allow is refused, not narrowed', async () => {
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read' }, `${IAT}-partners`).expect(400);
      expect(response.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringContaining('orders:read') });
    });

    test('a registered scope is exactly what was asked', async () => {
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read' }).expect(201);
      expect(response.body.scope).toBe('orders:read');
      const denied = await request(server.url).post('/token').auth(response.body.client_id, response.body.client_secret)
        .type('form').send({ grant_type: 'client_credentials', scope: 'orders:write' }).expect(400);
      expect(denied.body.error).toBe('invalid_scope');
    });
  });

  describe('§2.3 software statements', () => {
    test('a valid statement registers, its claims taking precedence over the request', async () => {
      const signed = await statement({ software_id: 'vendor-app', software_version: '1.2.3', client_name: 'From the statement' });
      const response = await register(server.url, {
        ...CLIENT_CREDENTIALS_ONLY, client_name: 'From the request', software_id: 'spoofed', software_statement: signed,
      }).expect(201);
      expect(response.body).toEqual(expect.objectContaining({ client_name: 'From the statement', software_id: 'vendor-app', software_version: '1.2.3' }));
      expect(response.body).not.toHaveProperty('software_statement');
    });

    test('a statement from a trusted issuer\'s remote JWKS is verified', async () => {
      const signed = await statement({ software_id: 'remote-app' }, 'https://remote-vendor.example', remoteKey, 'RS256');
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, software_statement: signed }).expect(201);
      expect(response.body.software_id).toBe('remote-app');
    });

    test('a software_id without a statement is kept but marked unverified, and never reaches tokens', async () => {
      const plain = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read', software_id: 'claimed-only' }).expect(201);
      expect(plain.body.software_id).toBe('claimed-only');
      const plainToken = await issueToken(server.url, { clientId: plain.body.client_id, clientSecret: plain.body.client_secret, scope: 'orders:read' });
      expect(decodeJwt(plainToken).payload).not.toHaveProperty('software');

      const signed = await statement({ software_id: 'vouched-for' });
      const verified = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, scope: 'orders:read', software_statement: signed }).expect(201);
      const verifiedToken = await issueToken(server.url, { clientId: verified.body.client_id, clientSecret: verified.body.client_secret, scope: 'orders:read' });
      expect(decodeJwt(verifiedToken).payload.software).toBe('vouched-for');
    });

    test.each([
      ['a header that is not JSON', `${Buffer.from('not json').toString('base64url')}.${Buffer.from('{"iss":"https://vendor.example"}').toString('base64url')}.c2ln`],
      ['no iss claim', `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('{"software_id":"x"}').toString('base64url')}.c2ln`],
      ['an iss that is not a string', `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('{"iss":42}').toString('base64url')}.c2ln`],
    ])('a statement with %s is invalid_software_statement, naming no issuer', async (_label, malformed) => {
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, software_statement: malformed }).expect(400);
      expect(response.body.error).toBe('invalid_software_statement');
      expect(response.body.error_description).not.toContain('undefined');
    });

    test('a malformed statement is invalid_software_statement', async () => {
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, software_statement: 'not.a.jwt' }).expect(400);
      expect(response.body.error).toBe('invalid_software_statement');
    });

    test('a badly signed statement is invalid_software_statement', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const signed = await statement({ software_id: 'x' }, 'https://vendor.example', privateKey);
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, software_statement: signed }).expect(400);
      expect(response.body.error).toBe('invalid_software_statement');
    });

    test('a statement of an untrusted issuer is unapproved_software_statement', async () => {
      const signed = await statement({ software_id: 'x' }, 'https://stranger.example');
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, software_statement: signed }).expect(400);
      expect(response.body.error).toBe('unapproved_software_statement');
    });

    test('a policy can require a statement', async () => {
      const missing = await register(server.url, CLIENT_CREDENTIALS_ONLY, `${IAT}-vetted`).expect(400);
      expect(missing.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringContaining('software_statement') });
      const signed = await statement({ software_id: 'vetted-app', scope: 'orders:read' });
      const response = await register(server.url, { ...CLIENT_CREDENTIALS_ONLY, software_statement: signed }, `${IAT}-vetted`).expect(201);
      expect(response.body).toEqual(expect.objectContaining({ software_id: 'vetted-app', scope: 'orders:read' }));
    });
  });
});

describe.each(backends)('registration modes ($name)', (backend) => {
  test('open: anyone registers, rate-limited per client IP (429 with Retry-After), recovering after the window', async () => {
    const server = await startTestServer(backend, {
      config: registrationConfig({ mode: 'open', rateLimit: { windowSeconds: 1, maxRequests: 2 } }),
    });
    try {
      await register(server.url, CLIENT_CREDENTIALS_ONLY, null).expect(201);
      await register(server.url, CLIENT_CREDENTIALS_ONLY, null).expect(201);
      const limited = await register(server.url, CLIENT_CREDENTIALS_ONLY, null).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await register(server.url, CLIENT_CREDENTIALS_ONLY, null).expect(201);
    } finally {
      await server.destroy();
    }
  });

  test('admin_only: registration is not advertised and answers 403', async () => {
    const server = await startTestServer(backend, { config: registrationConfig({ mode: 'admin_only' }) });
    try {
      const { body } = await request(server.url).get('/.well-known/openid-configuration').expect(200);
      expect(body).not.toHaveProperty('registration_endpoint');
      const before = await clientCount(server);
      const response = await register(server.url, CLIENT_CREDENTIALS_ONLY).expect(403);
      expect(response.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
      expect(await clientCount(server)).toBe(before);
    } finally {
      await server.destroy();
    }
  });
});
