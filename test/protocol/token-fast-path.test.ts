import { connect } from 'node:net';

import { decodeProtectedHeader, decodeJwt } from 'jose';
import request from 'supertest';

import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const API = 'https://api.example.com';
const REPORTS = 'https://reports.example.com';
const BASIC = { id: 'basic-client', secret: 'basic-secret-0123456789abcdef' };
const POST = { id: 'post-client', secret: 'post-secret-0123456789abcdef' };
const CONFIG = {
  resourceServers: [
    { resource: API, scopes: ['orders:read', 'orders:write'], default: true, signingAlg: 'ES256' },
    { resource: REPORTS, scopes: ['reports:read'], accessTokenFormat: 'opaque' },
  ],
  claims: [{ name: 'app.clientId', value: 'app.clientId' }],
  clients: [
    { client_id: BASIC.id, client_secret: BASIC.secret, scope: 'orders:read reports:read' },
    { client_id: POST.id, client_secret: POST.secret, scope: 'orders:read', token_endpoint_auth_method: 'client_secret_post' },
    { client_id: 'gateway', client_secret: 'gateway-secret-0123456789abcdef' },
  ],
};

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

interface TokenRequest {
  label: string;
  form: string;
  headers?: Record<string, string>;
}

/** Requests of every shape: the common ones the fast path answers, and the ones it must hand over. */
const REQUESTS: TokenRequest[] = [
  { label: 'basic, resource and scope', form: `grant_type=client_credentials&resource=${encodeURIComponent(API)}&scope=orders:read`, headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'basic, no resource, no scope', form: 'grant_type=client_credentials', headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'basic, an opaque resource', form: `grant_type=client_credentials&resource=${encodeURIComponent(REPORTS)}&scope=reports:read`, headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'post', form: `grant_type=client_credentials&scope=orders:read&client_id=${POST.id}&client_secret=${POST.secret}` },
  { label: 'a wrong secret', form: 'grant_type=client_credentials&scope=orders:read', headers: { Authorization: basic(BASIC.id, 'not-the-secret') } },
  { label: 'an unknown client', form: 'grant_type=client_credentials', headers: { Authorization: basic('nobody', 'secret') } },
  { label: 'the other authentication method', form: `grant_type=client_credentials&client_id=${BASIC.id}&client_secret=${BASIC.secret}` },
  { label: 'a scope not registered', form: 'grant_type=client_credentials&scope=orders:write', headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'a scope of another resource', form: `grant_type=client_credentials&resource=${encodeURIComponent(API)}&scope=reports:read`, headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'an unknown resource', form: 'grant_type=client_credentials&resource=https%3A%2F%2Fnope.example', headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'a repeated parameter', form: 'grant_type=client_credentials&scope=orders:read&scope=orders:read', headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'an unknown parameter', form: 'grant_type=client_credentials&audience=x', headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'no grant type', form: 'scope=orders:read', headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'both authentication methods', form: `grant_type=client_credentials&client_id=${BASIC.id}`, headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'a client not allowed the grant', form: 'grant_type=client_credentials&scope=openid', headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'a DPoP proof that is not one', form: 'grant_type=client_credentials', headers: { Authorization: basic(BASIC.id, BASIC.secret), DPoP: 'not-a-jwt' } },
  { label: 'Basic credentials with needless padding', form: 'grant_type=client_credentials', headers: { Authorization: `${basic(BASIC.id, BASIC.secret)}==` } },
  { label: 'a client attestation beside the secret', form: 'grant_type=client_credentials', headers: { Authorization: basic(BASIC.id, BASIC.secret), 'OAuth-Client-Attestation': 'x' } },
  { label: 'a scope with a leading space', form: 'grant_type=client_credentials&scope=+orders:read', headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
  { label: 'a URL as client id', form: 'grant_type=client_credentials&client_id=https%3A%2F%2Fclient.example%2Fc&client_secret=x' },
];

/**
 * The fast paths (client credentials issuance, JWT introspection) answer exactly as oidc-provider's own pipeline does: the same
 * requests against a server with it and one without give the same statuses, errors, headers and
 * token contents, and the tokens work the same at introspection.
 */
describe.each(backends)('the token and introspection fast paths ($name)', (backend) => {
  let fast: TestServer;
  let general: TestServer;
  beforeAll(async () => {
    fast = await startTestServer(backend, { config: CONFIG });
    general = await startTestServer(backend, { config: CONFIG, fastPaths: false });
  });
  afterAll(async () => {
    await fast?.destroy();
    await general?.destroy();
  });

  const send = (server: TestServer, { form, headers = {} }: TokenRequest) => {
    const pending = request(server.url).post('/token').type('form');
    for (const [name, value] of Object.entries(headers)) pending.set(name, value);
    return pending.send(form);
  };
  const introspect = async (server: TestServer, token: string) =>
    (await request(server.url).post('/token/introspection').auth('gateway', 'gateway-secret-0123456789abcdef').type('form').send({ token }).expect(200)).body as Record<string, unknown>;
  /** What must be equal: everything but the values that are unique per token. */
  const comparable = (claims: Record<string, unknown>, server: TestServer) => {
    const { jti, iat, exp, ...rest } = claims;
    expect([typeof iat, typeof exp]).toEqual(['number', 'number']);
    return JSON.parse(JSON.stringify({ ...rest, jti: typeof jti, lifetime: Number(exp) - Number(iat) }).replaceAll(server.url, '<issuer>'));
  };

  test.each(REQUESTS)('$label: the same answer either way', async (tokenRequest) => {
    const [viaFast, viaGeneral] = [await send(fast, tokenRequest), await send(general, tokenRequest)];
    expect(viaFast.status).toBe(viaGeneral.status);
    expect(viaFast.headers['cache-control']).toBe(viaGeneral.headers['cache-control']);
    expect(viaFast.headers.pragma).toBe(viaGeneral.headers.pragma);
    expect(viaFast.headers['content-type']).toBe(viaGeneral.headers['content-type']);
    const challenge = (answer: { headers: Record<string, string> }, server: TestServer) => answer.headers['www-authenticate']?.replace(server.url, '<issuer>');
    expect(challenge(viaFast, fast)).toBe(challenge(viaGeneral, general));
    if (viaGeneral.status !== 200) {
      expect(viaFast.body).toEqual(viaGeneral.body);
      return;
    }
    const { access_token: fastToken, ...fastRest } = viaFast.body as Record<string, unknown> & { access_token: string };
    const { access_token: generalToken, ...generalRest } = viaGeneral.body as Record<string, unknown> & { access_token: string };
    expect(fastRest).toEqual(generalRest);
    if (fastToken.split('.').length === 3) {
      expect(decodeProtectedHeader(fastToken)).toEqual({ ...decodeProtectedHeader(generalToken), kid: expect.any(String) });
      expect(comparable(decodeJwt(fastToken), fast)).toEqual(comparable(decodeJwt(generalToken), general));
    } else {
      expect(fastToken.length).toBe(generalToken.length);
    }
    expect(comparable(await introspect(fast, fastToken), fast)).toEqual(comparable(await introspect(general, generalToken), general));
  });

  test('the common requests are answered without oidc-provider\'s pipeline, the others with it', async () => {
    const pipelineSuccesses = (server: TestServer) => {
      let count = 0;
      server.server.provider.on('grant.success', () => count++);
      return () => count;
    };
    const [fastCount, generalCount] = [pipelineSuccesses(fast), pipelineSuccesses(general)];
    const common = REQUESTS.slice(0, 4);
    for (const tokenRequest of common) {
      await send(fast, tokenRequest).expect(200);
      await send(general, tokenRequest).expect(200);
    }
    expect(generalCount()).toBe(common.length);
    expect(fastCount()).toBe(0);
    // A request the fast path does not take reaches the pipeline, body and all.
    await send(fast, { label: 'percent-encoded basic credentials', form: 'grant_type=client_credentials', headers: { Authorization: basic(BASIC.id.replace('-', '%2D'), BASIC.secret) } }).expect(200);
    expect(fastCount()).toBe(1);
  });

  /** Introspection requests of every shape; token() picks the server's own token of a kind. */
  const INTROSPECTIONS: { label: string; form: (token: string) => string; kind: 'jwt' | 'opaque' | 'forged'; headers?: Record<string, string> }[] = [
    { label: 'a JWT, basic', kind: 'jwt', form: (token) => `token=${token}`, headers: { Authorization: basic('gateway', 'gateway-secret-0123456789abcdef') } },
    { label: 'a JWT, post, with a hint', kind: 'jwt', form: (token) => `token=${token}&token_type_hint=access_token&client_id=${POST.id}&client_secret=${POST.secret}` },
    { label: 'a JWT, hinted as a refresh token', kind: 'jwt', form: (token) => `token=${token}&token_type_hint=refresh_token`, headers: { Authorization: basic(BASIC.id, BASIC.secret) } },
    { label: 'an opaque token', kind: 'opaque', form: (token) => `token=${token}`, headers: { Authorization: basic('gateway', 'gateway-secret-0123456789abcdef') } },
    { label: 'a forged JWT', kind: 'forged', form: (token) => `token=${token}`, headers: { Authorization: basic('gateway', 'gateway-secret-0123456789abcdef') } },
    { label: 'a wrong secret', kind: 'jwt', form: (token) => `token=${token}`, headers: { Authorization: basic('gateway', 'wrong') } },
    { label: 'an unknown parameter', kind: 'jwt', form: (token) => `token=${token}&extra=1`, headers: { Authorization: basic('gateway', 'gateway-secret-0123456789abcdef') } },
    { label: 'no token', kind: 'jwt', form: () => 'token_type_hint=access_token', headers: { Authorization: basic('gateway', 'gateway-secret-0123456789abcdef') } },
  ];
  const tokenOf = async (server: TestServer, kind: 'jwt' | 'opaque' | 'forged') => {
    if (kind === 'forged') return 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    return (await send(server, REQUESTS[kind === 'jwt' ? 0 : 2]!).expect(200)).body.access_token as string;
  };

  test.each(INTROSPECTIONS)('introspection of $label: the same answer either way', async ({ form, kind, headers = {} }) => {
    const introspectWith = async (server: TestServer) => {
      const pending = request(server.url).post('/token/introspection').type('form');
      for (const [name, value] of Object.entries(headers)) pending.set(name, value);
      return pending.send(form(await tokenOf(server, kind)));
    };
    const [viaFast, viaGeneral] = [await introspectWith(fast), await introspectWith(general)];
    expect(viaFast.status).toBe(viaGeneral.status);
    expect(viaFast.headers['cache-control']).toBe(viaGeneral.headers['cache-control']);
    expect(viaFast.headers['content-type']).toBe(viaGeneral.headers['content-type']);
    if (viaGeneral.status === 200 && viaGeneral.body.active === true) {
      expect(comparable(viaFast.body, fast)).toEqual(comparable(viaGeneral.body, general));
    } else {
      expect(viaFast.body).toEqual(viaGeneral.body);
    }
  });

  test('JWT introspection by a client with a secret skips oidc-provider\'s token lookups; opaque tokens still get them', async () => {
    const refusedAsJwt = (server: TestServer) => {
      let count = 0;
      server.server.provider.on('introspection.error', () => count++);
      return () => count;
    };
    const [fastRefusals, generalRefusals] = [refusedAsJwt(fast), refusedAsJwt(general)];
    for (const server of [fast, general]) {
      const answer = await introspect(server, await tokenOf(server, 'jwt'));
      expect(answer).toEqual(expect.objectContaining({ active: true, client_id: BASIC.id }));
    }
    expect(generalRefusals()).toBe(1);
    expect(fastRefusals()).toBe(0);
    expect(await introspect(fast, await tokenOf(fast, 'opaque'))).toEqual(expect.objectContaining({ active: true, client_id: BASIC.id }));
  });

  test('a client that hangs up halfway through its body is a client error, not a server error, on both paths', async () => {
    const statusCounts = async (server: TestServer) => {
      const text = (await request(server.url).get('/metrics').expect(200)).text;
      const count = (status: string) => Number(new RegExp(`http_request_duration_seconds_count\\{route="token",method="POST",status="${status}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { clientErrors: count('4xx'), serverErrors: count('5xx') };
    };
    for (const server of [fast, general]) {
      const before = await statusCounts(server);
      const { port } = new URL(server.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      socket.write(`POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: ${basic(BASIC.id, BASIC.secret)}\r\nContent-Length: 100\r\n\r\ngrant_type=cl`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      let after = before;
      for (let attempt = 0; attempt < 50 && after.clientErrors === before.clientErrors; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        after = await statusCounts(server);
      }
      expect(after.clientErrors).toBe(before.clientErrors + 1);
      expect(after.serverErrors).toBe(before.serverErrors);
    }
  });

  test('a revoked fast-path token is inactive, and the metrics count what the fast path issued', async () => {
    const issued = await send(fast, REQUESTS[0]!).expect(200);
    await request(fast.url).post('/token/revocation').auth(BASIC.id, BASIC.secret).type('form').send({ token: issued.body.access_token }).expect(200);
    expect(await introspect(fast, issued.body.access_token)).toEqual({ active: false });
    const metrics = await request(fast.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/tokens_issued_total\{kind="access_token",grant_type="client_credentials",format="jwt",resource="https:\/\/api\.example\.com"\} [1-9]/);
    expect(metrics.text).toMatch(/http_request_duration_seconds_count\{route="token",method="POST",status="2xx"\} [1-9]/);
    expect(metrics.text).toMatch(/token_introspections_total\{outcome="inactive"\} [1-9]/);
    expect(metrics.text).toMatch(/http_request_duration_seconds_count\{route="introspection",method="POST",status="2xx"\} [1-9]/);
  });
});
