import { randomUUID } from 'node:crypto';

import { generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';

import {
  claimHeader, installApache, startApacheGateway, startEchoUpstream,
  type ApacheGateway, type EchoUpstream, type GatewayMode,
} from '../support/apache-gateway.js';
import { sqliteBackend } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { decodeJwt, issueToken, revoke } from '../support/tokens.js';

/**
 * End-to-end proof with a real gateway: Apache httpd with mod_oauth2 (OpenIDC) validates this
 * server's tokens, checks their issuer and audience, and forwards the mapped client-id claim to an
 * upstream. Nothing here is skipped: without Apache or the module the tests fail.
 */

const ADMIN_TOKEN = 'gateway-test-admin-token-0123';
const API = 'https://api.example.com';
const OTHER = 'https://other.example.com';
const SHORT = 'https://short.example.com';
const OPAQUE = 'https://opaque.example.com';
const GATEWAY_CLIENT = { id: 'apache-gateway', secret: 'apache-gateway-secret-0123456789abcdef' };
const CLIENT_ID_CLAIM = 'app.clientId';
const KONNECT_KEY = 'gateway-test-konnect-key-0123456789';
/** Node lowercases the names of the headers it receives. */
const CLAIM_HEADER = claimHeader(CLIENT_ID_CLAIM).toLowerCase();

const config = {
  adminTokens: [ADMIN_TOKEN],
  resourceServers: [
    { resource: API, scopes: ['orders:read'], default: true },
    { resource: OTHER, scopes: ['other:read'] },
    // ES256, so that its keys rotate on their own schedule: retired keys leave the JWKS 1 s later.
    { resource: SHORT, scopes: ['short:read'], accessTokenTtl: 1, signingAlg: 'ES256' },
    { resource: OPAQUE, scopes: ['opaque:read'], accessTokenFormat: 'opaque' },
  ],
  claims: [{ name: CLIENT_ID_CLAIM, value: 'app.clientId' }],
  clients: [{ client_id: GATEWAY_CLIENT.id, client_secret: GATEWAY_CLIENT.secret }],
  keys: { prePublishSeconds: 0, removalDelaySeconds: 0, pollSeconds: 1 },
  konnect: { apiKeys: [KONNECT_KEY] },
};

interface Client { client_id: string; client_secret: string }

/** What Apache logs when a Require rule (here iss or aud) rejects a valid token. */
const AUTHZ_FAILURE = /AH01631: user [^:]+: authorization failure/;
/** What mod_oauth2 logs when the introspection answers {"active":false}. */
const INACTIVE = /"active" boolean object with value "false"/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Apache httpd + mod_oauth2 as the gateway', () => {
  let server: TestServer;
  let upstream: EchoUpstream;
  const gateways: ApacheGateway[] = [];
  let jwtGateway: ApacheGateway;
  let shortJwtGateway: ApacheGateway;
  let otherIssuerGateway: ApacheGateway;
  let introspectionGateway: ApacheGateway;

  beforeAll(async () => {
    // Fails (and with it every test below) when Apache or mod_oauth2 cannot be installed.
    const installation = installApache();
    if (!installation.includes('already installed')) console.log(installation);
    server = await startTestServer(sqliteBackend, { config });
    upstream = await startEchoUpstream();
    const jwt = (audience: string, issuer = server.url): GatewayMode => ({ kind: 'jwt', jwksUri: `${server.url}/jwks`, issuer, audience });
    const start = async (mode: GatewayMode) => {
      const gateway = await startApacheGateway(mode, upstream.url);
      gateways.push(gateway);
      return gateway;
    };
    jwtGateway = await start(jwt(API));
    shortJwtGateway = await start(jwt(SHORT));
    // Same keys and audience, but expecting another issuer.
    otherIssuerGateway = await start(jwt(API, 'https://issuer.example.com'));
    introspectionGateway = await start({
      kind: 'introspection',
      introspectionEndpoint: `${server.url}/token/introspection`,
      clientId: GATEWAY_CLIENT.id,
      clientSecret: GATEWAY_CLIENT.secret,
      issuer: server.url,
      audience: OPAQUE,
    });
  }, 600_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await upstream?.close();
    await server?.destroy();
  });

  /** A client created through the admin API, as a developer portal would. */
  const createClient = async (scope: string): Promise<Client> => {
    const response = await request(server.url).post('/admin/clients')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ client_name: 'Gateway test app', grant_types: ['client_credentials'], scope });
    expect(response.status).toBe(201);
    return response.body as Client;
  };
  const deleteClient = async (clientId: string) => {
    const response = await request(server.url).delete(`/admin/clients/${clientId}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(response.status).toBe(204);
  };
  const tokenFor = (client: Client, resource: string, scope: string) =>
    issueToken(server.url, { clientId: client.client_id, clientSecret: client.client_secret, resource, scope });

  const countMatches = (text: string, pattern: RegExp) => text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;

  /**
   * Calls the upstream through the gateway; asserts the status (with Apache's log on a mismatch)
   * and, when given, that Apache logged the reason of the rejection during the call.
   */
  const callThrough = async (
    gateway: ApacheGateway, expectedStatus: number, token?: string,
    { headers = {}, reason }: { headers?: Record<string, string>; reason?: RegExp } = {},
  ) => {
    const before = upstream.received.length;
    const reasonsBefore = reason ? countMatches(gateway.logs(), reason) : 0;
    const response = await fetch(`${gateway.url}/orders?x=1`, {
      headers: { ...headers, ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) },
    });
    const text = await response.text();
    if (response.status !== expectedStatus) {
      throw new Error(`expected ${expectedStatus} through the gateway, got ${response.status}: ${text}\n--- Apache log ---\n${gateway.logs()}`);
    }
    const reachedUpstream = upstream.received.length > before;
    // Only an authorized request may reach the upstream.
    expect(reachedUpstream).toBe(expectedStatus === 200);
    if (reason && countMatches(gateway.logs(), reason) <= reasonsBefore) {
      throw new Error(`Apache did not log ${reason} for this request\n--- Apache log ---\n${gateway.logs()}`);
    }
    return {
      status: response.status,
      wwwAuthenticate: response.headers.get('www-authenticate'),
      echoed: expectedStatus === 200 ? JSON.parse(text) as { url: string; headers: Record<string, string> } : undefined,
    };
  };

  describe('JWT access tokens, validated offline against the jwks_uri (issuer and audience checked)', () => {
    let client: Client;

    beforeAll(async () => {
      client = await createClient('orders:read other:read short:read');
    });

    test('a registered client\'s token passes and the upstream receives its client id in the claim header', async () => {
      const token = await tokenFor(client, API, 'orders:read');
      expect(decodeJwt(token).header.typ).toBe('at+jwt');
      const { echoed } = await callThrough(jwtGateway, 200, token);
      expect(echoed!.url).toBe('/orders?x=1');
      expect(echoed!.headers[CLAIM_HEADER]).toBe(client.client_id);
      expect(echoed!.headers[claimHeader('client_id').toLowerCase()]).toBe(client.client_id);
      expect(echoed!.headers[claimHeader('aud').toLowerCase()]).toBe(API);
    });

    test('the claim header cannot be forged by the caller', async () => {
      const token = await tokenFor(client, API, 'orders:read');
      const { echoed } = await callThrough(jwtGateway, 200, token, {
        headers: { [claimHeader(CLIENT_ID_CLAIM)]: 'someone-else' },
        reason: /cleaned suspicious request header \(OAUTH2_CLAIM_app\.clientId/,
      });
      expect(echoed!.headers[CLAIM_HEADER]).toBe(client.client_id);
    });

    test('no token answers 401 with a Bearer challenge', async () => {
      const { wwwAuthenticate } = await callThrough(jwtGateway, 401);
      expect(wwwAuthenticate).toMatch(/^Bearer/);
    });

    test('a token for another audience answers 401', async () => {
      const token = await tokenFor(client, OTHER, 'other:read');
      expect(decodeJwt(token).payload.aud).toBe(OTHER);
      const { wwwAuthenticate } = await callThrough(jwtGateway, 401, token, { reason: AUTHZ_FAILURE });
      expect(wwwAuthenticate).toMatch(/^Bearer/);
    });

    test('a gateway expecting another issuer answers 401 (the iss rule is enforced)', async () => {
      const token = await tokenFor(client, API, 'orders:read');
      await callThrough(jwtGateway, 200, token);
      await callThrough(otherIssuerGateway, 401, token, { reason: AUTHZ_FAILURE });
    });

    test('an expired token answers 401 (the same token passed while valid)', async () => {
      const token = await tokenFor(client, SHORT, 'short:read');
      const { exp, iat } = decodeJwt(token).payload as { exp: number; iat: number };
      expect(exp - iat).toBe(1);
      await callThrough(shortJwtGateway, 200, token);
      // mod_oauth2 rejects once now > exp (whole seconds, no clock skew tolerance).
      await sleep(Math.max(0, (exp + 1) * 1000 - Date.now()) + 200);
      const { wwwAuthenticate } = await callThrough(shortJwtGateway, 401, token, { reason: /"exp" validation failure/ });
      expect(wwwAuthenticate).toMatch(/^Bearer.*invalid_token/);
    });

    test('a token signed by a foreign key with the same kid answers 401', async () => {
      const genuine = await tokenFor(client, API, 'orders:read');
      const { header, payload } = decodeJwt(genuine);
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: header.kid as string })
        .sign(privateKey);
      const { wwwAuthenticate } = await callThrough(jwtGateway, 401, forged, { reason: /cjose_jws_verify failed/ });
      expect(wwwAuthenticate).toMatch(/^Bearer.*invalid_token/);
      // The genuine token with the same claims still passes: only the signature differs.
      await callThrough(jwtGateway, 200, genuine);
    });
  });

  describe('opaque access tokens, validated by introspection with the gateway\'s own credentials', () => {
    test('a valid opaque token passes and the upstream receives its client id in the claim header', async () => {
      const client = await createClient('opaque:read');
      const token = await tokenFor(client, OPAQUE, 'opaque:read');
      expect(token.split('.')).toHaveLength(1);
      const { echoed } = await callThrough(introspectionGateway, 200, token);
      expect(echoed!.headers[CLAIM_HEADER]).toBe(client.client_id);
      expect(echoed!.headers[claimHeader('active').toLowerCase()]).toBe('true');
    });

    test('a revoked token answers 401', async () => {
      const client = await createClient('opaque:read');
      const token = await tokenFor(client, OPAQUE, 'opaque:read');
      await callThrough(introspectionGateway, 200, token);
      const revocation = await revoke(server.url, token, { id: client.client_id, secret: client.client_secret });
      expect(revocation.status).toBe(200);
      const { wwwAuthenticate } = await callThrough(introspectionGateway, 401, token, { reason: INACTIVE });
      expect(wwwAuthenticate).toMatch(/^Bearer.*invalid_token/);
    });

    test('a token of a deleted client answers 401', async () => {
      const client = await createClient('opaque:read');
      const token = await tokenFor(client, OPAQUE, 'opaque:read');
      await callThrough(introspectionGateway, 200, token);
      await deleteClient(client.client_id);
      const { wwwAuthenticate } = await callThrough(introspectionGateway, 401, token, { reason: INACTIVE });
      expect(wwwAuthenticate).toMatch(/^Bearer.*invalid_token/);
    });

    test('no token answers 401 with a Bearer challenge', async () => {
      const { wwwAuthenticate } = await callThrough(introspectionGateway, 401);
      expect(wwwAuthenticate).toMatch(/^Bearer/);
    });

    test('an active token for another audience answers 401', async () => {
      const client = await createClient('orders:read');
      const token = await tokenFor(client, API, 'orders:read');
      await callThrough(jwtGateway, 200, token);
      await callThrough(introspectionGateway, 401, token, { reason: AUTHZ_FAILURE });
    });
  });

  describe('signing-key rotation', () => {
    test('a token signed by a key that was rotated out and has expired answers 401; the new key\'s tokens pass', async () => {
      const client = await createClient('short:read');
      const old = await tokenFor(client, SHORT, 'short:read');
      await callThrough(shortJwtGateway, 200, old);

      const rotation = await request(server.url).post('/admin/keys/rotate').set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .send({ alg: 'ES256' }).expect(200);
      const { next, previous } = rotation.body.rotations[0] as { next: { kid: string }; previous: { kid: string }[] };
      expect(previous.map((key) => key.kid)).toEqual([decodeJwt(old).header.kid]);

      const fresh = await tokenFor(client, SHORT, 'short:read');
      expect(decodeJwt(fresh).header.kid).toBe(next.kid);
      await callThrough(shortJwtGateway, 200, fresh);

      const { exp } = decodeJwt(old).payload as { exp: number };
      await sleep(Math.max(0, (exp + 1) * 1000 - Date.now()) + 500);
      const jwks = (await request(server.url).get('/jwks').expect(200)).body as { keys: { kid: string }[] };
      expect(jwks.keys.map((key) => key.kid)).not.toContain(previous[0]!.kid);
      await callThrough(shortJwtGateway, 401, old);
    });
  });

  describe('a client registered by Kong Konnect through the bridge', () => {
    test('its tokens pass both gateways; once the bridge deletes it, introspection refuses them', async () => {
      const konnect = (method: 'post' | 'delete', path: string) => request(server.url)[method](`/konnect${path}`).set('X-API-KEY', KONNECT_KEY);
      const created = await konnect('post', '/').send({
        redirect_uris: [], client_name: 'Portal app', grant_types: ['client_credentials', 'bearer'],
        scopes: ['orders:read', 'opaque:read'], token_endpoint_auth_method: 'client_secret_basic',
        application_description: 'registered in the Dev Portal', portal_id: randomUUID(), organization_id: randomUUID(),
        developer_id: randomUUID(), auth_strategy_id: randomUUID(), dcr_provider_id: randomUUID(),
      }).expect(201);
      const client = created.body as Client;

      const jwt = await tokenFor(client, API, 'orders:read');
      const { echoed } = await callThrough(jwtGateway, 200, jwt);
      expect(echoed!.headers[CLAIM_HEADER]).toBe(client.client_id);
      const opaque = await tokenFor(client, OPAQUE, 'opaque:read');
      const introspected = await callThrough(introspectionGateway, 200, opaque);
      expect(introspected.echoed!.headers[CLAIM_HEADER]).toBe(client.client_id);

      await konnect('delete', `/${client.client_id}`).expect(204);
      await callThrough(introspectionGateway, 401, opaque, { reason: INACTIVE });
      const refused = await request(server.url).post('/token').auth(client.client_id, client.client_secret)
        .type('form').send({ grant_type: 'client_credentials', scope: 'orders:read' });
      expect(refused.status).toBe(401);
    });
  });
});
