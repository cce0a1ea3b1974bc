import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import request from 'supertest';

import { clientIdMetadataDocuments, hostAllowed, isPrivateAddress, publicOnlyLookup } from '../../src/provider/client-id-metadata.js';
import { clientResourceFetch } from '../../src/provider/outbound-fetch.js';
import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { launchBrowser, newPage } from '../support/browser.js';
import { Callback, signIn } from '../support/people.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PASSWORD = 'a long and uncommon passphrase';

/** A self-signed certificate for 127.0.0.1, made with openssl (a real TLS server, trusted through the configuration). */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cimd-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(backends)('OAuth Client ID Metadata Documents ($name)', (backend) => {
  let server: TestServer;
  let browser: Browser;
  let callback: Callback;
  let documents: Server;
  let origin: string;
  const fetched: string[] = [];

  beforeAll(async () => {
    callback = await new Callback().start();
    const tls = selfSignedCertificate();
    documents = createServer(tls, (req, res) => {
      fetched.push(req.url ?? '');
      const clientId = `${origin}${req.url}`;
      const base = { client_id: clientId, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none', scope: 'openid' };
      const bodies: Record<string, object> = {
        '/mcp-client.json': { ...base, client_name: 'Document-defined MCP client', redirect_uris: [`${callback.url}/cimd`] },
        '/outside-policy.json': { ...base, client_name: 'Elsewhere', redirect_uris: ['https://attacker.example/cb'] },
        '/self-trusted.json': { ...base, client_name: 'Trust me', redirect_uris: [`${callback.url}/cimd`], first_party: true, profile: { tier: 'platinum' } },
      };
      if (req.url === '/moved.json') {
        res.writeHead(302, { Location: '/mcp-client.json' }).end();
        return;
      }
      const body = bodies[req.url ?? ''];
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=60' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(documents.address() as AddressInfo).port}`;
    server = await startTestServer(backend, {
      config: adminConfig({
        signIn: { passwordHashCost: 10 },
        registration: {
          policies: {
            documents: { grantTypes: ['authorization_code'], tokenEndpointAuthMethods: ['none'], redirectUriHosts: ['127.0.0.1'], scopes: ['openid'] },
          },
        },
        clientIdMetadataDocuments: {
          enabled: true, allowedHosts: ['127.0.0.1'], policy: 'documents', allowPrivateAddresses: true, trustedCertificates: tls.cert,
        },
      }),
    });
    await request(server.url).post('/admin/users').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ username: 'carol', password: PASSWORD }).expect(201);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await callback?.stop();
    await new Promise<void>((resolve) => documents?.close(() => resolve()));
    await server?.destroy();
  });

  test('discovery says so; a client whose id is its document URL signs a person in with PKCE', async () => {
    const discovery = (await request(server.url).get('/.well-known/oauth-authorization-server').expect(200)).body;
    expect(discovery.client_id_metadata_document_supported).toBe(true);

    const clientId = `${origin}/mcp-client.json`;
    const rp = await oidc.discovery(new URL(server.url), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const page = await newPage(browser);
    await page.goto(oidc.buildAuthorizationUrl(rp, {
      redirect_uri: `${callback.url}/cimd`, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).href);
    expect(await page.locator('main').textContent()).toContain('Document-defined MCP client');
    await signIn(page, 'carol', PASSWORD);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${callback.url}/cimd?**`);
    const tokens = await oidc.authorizationCodeGrant(rp, callback.last('/cimd'), { pkceCodeVerifier: verifier });
    expect(tokens.claims()).toEqual(expect.objectContaining({ aud: clientId, iss: server.url }));
    await page.context().close();
  });

  test.each([
    ['a document outside the registration policy', () => `${origin}/outside-policy.json`],
    ['a document setting what only an administrator sets (first_party, profile)', () => `${origin}/self-trusted.json`],
    ['a document behind a redirect', () => `${origin}/moved.json`],
    ['a missing document', () => `${origin}/nothing-here.json`],
    ['a host the configuration does not trust', () => `https://localhost:${new URL(origin).port}/mcp-client.json`],
  ])('%s is refused', async (_label, clientIdOf) => {
    const clientId = clientIdOf();
    const before = fetched.length;
    const response = await request(server.url).get('/auth').query({
      client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: `${callback.url}/cimd`,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    });
    expect(response.status).toBe(400);
    expect(response.text).toContain('invalid_client');
    if (clientId.startsWith('https://localhost')) expect(fetched.length).toBe(before);
  });
});

describe('which metadata documents may be fetched', () => {
  const policy = { name: 'p', grantTypes: ['authorization_code' as const], tokenEndpointAuthMethods: ['none' as const], scopes: ['openid'], redirectUriHosts: ['127.0.0.1'], requireSoftwareStatement: false };
  const settings = { enabled: true, allowedHosts: ['clients.example.com', '*.apps.example.net'], policy: 'p', allowPrivateAddresses: false, minCacheSeconds: 30, maxCacheSeconds: 60 };
  const allowFetch = (clientId: string, overrides = {}) =>
    clientIdMetadataDocuments({ ...settings, ...overrides }, policy, clientResourceFetch({ allowPrivateAddresses: false })).feature.allowFetch(undefined as never, clientId);

  test.each([
    ['https://clients.example.com/c.json', true],
    ['https://CLIENTS.example.com/c.json', true],
    ['https://a.apps.example.net/c.json', true],
    ['https://apps.example.net/c.json', false],
    ['https://evilapps.example.net/c.json', false],
    ['https://clients.example.com.evil.org/c.json', false],
    ['https://other.example.org/c.json', false],
  ])('%s: %s', (clientId, allowed) => {
    expect(allowFetch(clientId)).toBe(allowed);
  });

  test.each(['https://127.0.0.1/c.json', 'https://10.1.2.3/c.json', 'https://169.254.169.254/c.json', 'https://[::1]/c.json', 'https://[fd00::1]/c.json'])(
    'the private address %s is refused even when its host is listed, unless allowed',
    (clientId) => {
      const host = new URL(clientId).hostname;
      expect(allowFetch(clientId, { allowedHosts: [host] })).toBe(false);
      expect(allowFetch(clientId, { allowedHosts: [host], allowPrivateAddresses: true })).toBe(true);
    },
  );

  test('a document never makes a client-credentials client or sets admin-only fields, whatever the policy allows', () => {
    const permissive = { ...policy, grantTypes: ['client_credentials' as const, 'authorization_code' as const], tokenEndpointAuthMethods: ['none' as const, 'private_key_jwt' as const] };
    const { allowClient } = clientIdMetadataDocuments(settings, permissive, clientResourceFetch({ allowPrivateAddresses: false })).feature;
    const client = (metadata: Record<string, unknown>) => ({ metadata: () => ({ token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/cb'], ...metadata }) });
    expect(allowClient(undefined as never, client({ grant_types: ['authorization_code'] }))).toBe(true);
    expect(allowClient(undefined as never, client({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt' }))).toBe(false);
    for (const field of ['first_party', 'require_pkce', 'profile', 'allowed_resources', 'default_resource', 'software_id']) {
      expect(allowClient(undefined as never, client({ grant_types: ['authorization_code'], [field]: field === 'profile' ? {} : 'x' }))).toBe(false);
    }
  });

  test('an approved document fetch keeps the section\'s own guard: the outbound fetch (which outboundFetch loosens) never takes it', async () => {
    const outbound: string[] = [];
    const { feature, fetch } = clientIdMetadataDocuments({ ...settings, allowedHosts: ['docs.example.com'] }, policy, async (url) => {
      outbound.push(String(url));
      return new Response('{}');
    });
    const document = 'https://docs.example.com/client.json';
    expect(feature.allowFetch(undefined as never, document)).toBe(true);
    // oidc-provider hands its guarded dispatcher over; it must reach the platform's fetch untouched.
    const handedOver = { dispatch: () => { throw new Error('guarded dispatcher reached'); } };
    await expect(fetch(document, { dispatcher: handedOver } as never)).rejects.toThrow();
    expect(outbound).toEqual([]);
    // Anything else (a client's jwks_uri) is the outbound fetch's.
    await fetch('https://clients.example.org/jwks', {});
    expect(outbound).toEqual(['https://clients.example.org/jwks']);
  });

  test('public addresses are not private', () => {
    expect(isPrivateAddress('93.184.216.34')).toBe(false);
    expect(isPrivateAddress('2606:2800:220:1::1')).toBe(false);
    expect(isPrivateAddress('192.168.1.1')).toBe(true);
    expect(isPrivateAddress('::ffff:127.0.0.1')).toBe(true);
    for (const special of ['64:ff9b::7f00:1', '2002:7f00:1::1', '::127.0.0.1', 'fec0::1']) expect(isPrivateAddress(special)).toBe(true);
    expect(hostAllowed('x.apps.example.net', ['*.apps.example.net'])).toBe(true);
  });

  // IANA's IPv4 and IPv6 Special-Purpose Address Registries, each range by its first and last address.
  const SPECIAL_PURPOSE = [
    ['0.0.0.0', '0.255.255.255'], ['10.0.0.0', '10.255.255.255'], ['100.64.0.0', '100.127.255.255'], ['127.0.0.0', '127.255.255.255'],
    ['169.254.0.0', '169.254.255.255'], ['172.16.0.0', '172.31.255.255'], ['192.0.0.0', '192.0.0.255'], ['192.0.2.0', '192.0.2.255'],
    ['192.31.196.0', '192.31.196.255'], ['192.52.193.0', '192.52.193.255'], ['192.88.99.0', '192.88.99.255'], ['192.168.0.0', '192.168.255.255'],
    ['192.175.48.0', '192.175.48.255'], ['198.18.0.0', '198.19.255.255'], ['198.51.100.0', '198.51.100.255'], ['203.0.113.0', '203.0.113.255'],
    ['240.0.0.0', '255.255.255.255'],
    ['::', '::'], ['::1', '::1'], ['::ffff:0.0.0.0', '::ffff:0.255.255.255'], ['::ffff:10.0.0.1', '::ffff:192.168.255.255'],
    ['64:ff9b::', '64:ff9b::ffff:ffff'], ['64:ff9b:1::', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff'],
    ['100::', '100::ffff:ffff:ffff:ffff'], ['100:0:0:1::', '100::1:ffff:ffff:ffff:ffff'],
    ['2001::', '2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff'], ['2001:0:4136:e378::1', '2001:0:ffff::1'], ['2001:2::', '2001:2:0:ffff::1'],
    ['2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'], ['2002::', '2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['2620:4f:8000::', '2620:4f:8000:ffff:ffff:ffff:ffff:ffff'], ['3fff::', '3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['5f00::', '5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['fc00::', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['fe80::', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['ff00::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ] as const;

  test.each(SPECIAL_PURPOSE)('every IANA special-purpose range is refused: %s to %s', (first, last) => {
    expect(isPrivateAddress(first)).toBe(true);
    expect(isPrivateAddress(last)).toBe(true);
  });

  test('the addresses just outside the special-purpose ranges are public', () => {
    for (const address of ['1.0.0.1', '100.128.0.1', '192.0.3.1', '198.20.0.1', '203.0.114.1', '64:ff9b:2::1', '100:0:0:2::1',
      '2001:200::1', '2001:db9::1', '2620:4f:8001::1', '3fff:1000::1', '5f01::1', '2606:2800:220:1::1']) {
      expect(isPrivateAddress(address)).toBe(false);
    }
  });

  test('a name that resolves to a special-purpose address is refused by the DNS lookup itself', async () => {
    const refused = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      publicOnlyLookup('localhost', { all: true }, (error) => resolve(error));
    });
    expect(refused?.code).toBe('EPRIVATE');
  });
});
