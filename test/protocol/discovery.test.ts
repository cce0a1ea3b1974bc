import request from 'supertest';

import { backends } from '../support/backends.js';
import { startTestServer, STANDARD_CONFIG, type TestServer } from '../support/test-server.js';

const FORGED = 'evil.example';

function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^https?:\/\//.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(urlsIn);
  return [];
}

describe.each(backends)('discovery ($name)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: STANDARD_CONFIG });
  });
  afterAll(() => server.destroy());

  test('OIDC Discovery and RFC 8414 metadata name the same issuer and endpoints', async () => {
    const openid = await request(server.url).get('/.well-known/openid-configuration').expect(200);
    const oauth = await request(server.url).get('/.well-known/oauth-authorization-server').expect(200);
    expect(openid.body.issuer).toBe(server.url);
    expect(oauth.body.issuer).toBe(server.url);
    for (const key of ['token_endpoint', 'jwks_uri', 'introspection_endpoint', 'revocation_endpoint']) {
      expect(openid.body[key]).toBe(oauth.body[key]);
      expect(openid.body[key].startsWith(`${server.url}/`)).toBe(true);
    }
    expect(openid.body.grant_types_supported).toContain('client_credentials');
    expect(openid.body.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt']),
    );
    expect(openid.body.scopes_supported).toEqual(expect.arrayContaining(['orders:read', 'orders:write', 'es:read']));
  });

  test.each([
    ['a forged Host header', { Host: FORGED }],
    ['X-Forwarded-Host and X-Forwarded-Proto', { 'X-Forwarded-Host': FORGED, 'X-Forwarded-Proto': 'https' }],
    ['a Forwarded header', { Forwarded: `host=${FORGED};proto=https` }],
  ])('%s never reaches the metadata', async (_label, headers) => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const response = await request(server.url).get(path).set(headers).expect(200);
      const urls = urlsIn(response.body);
      expect(urls.length).toBeGreaterThan(3);
      for (const url of urls) expect(url.startsWith(`${server.url}/`) || url === server.url).toBe(true);
      expect(JSON.stringify(response.body)).not.toContain(FORGED);
    }
  });

  test('an absolute-form request target does not change the advertised URLs', async () => {
    const { Socket } = await import('node:net');
    const { port } = new URL(server.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = new Socket();
      let data = '';
      socket.on('data', (chunk) => { data += chunk.toString(); });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.connect(Number(port), '127.0.0.1', () => {
        socket.write(`GET http://${FORGED}/.well-known/openid-configuration HTTP/1.1\r\nHost: ${FORGED}\r\nConnection: close\r\n\r\n`);
      });
    });
    expect(raw.startsWith('HTTP/1.1 200')).toBe(true);
    expect(raw).toContain(`"issuer":"${server.url}"`);
    expect(raw).not.toContain(FORGED);
  });

  test('the JWKS publishes public keys only, one per configured algorithm at least', async () => {
    const { body } = await request(server.url).get('/jwks').set('Host', FORGED).expect(200);
    const algs = body.keys.map((key: { alg: string }) => key.alg);
    expect(algs).toEqual(expect.arrayContaining(['RS256', 'ES256', 'EdDSA']));
    for (const key of body.keys) {
      expect(key.kid).toEqual(expect.any(String));
      for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(privateMember);
    }
  });
});
