import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import request from 'supertest';

import { ADMIN_TOKEN } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { FormBrowser } from '../support/form-browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * What the OpenID Foundation's conformance suite checks (plans oidcc-basic, -config, -dynamic and
 * -rp-initiated-logout), reproduced without the suite: each test names the modules it stands for.
 * The relying party is openid-client, registered the way client libraries register (no scope),
 * and the person signs in through the server's own pages (FormBrowser).
 */

const PASSWORD = 'a long and uncommon passphrase';
const API = 'https://api.example.com';
const REDIRECT_URI = 'http://127.0.0.1:9/cb';
const POST_LOGOUT_URI = 'http://127.0.0.1:9/signed-out';
const IDENTITY_SCOPES = 'openid profile email address phone offline_access';
const ADDRESS = { street_address: '12 Analytical Row', locality: 'London', postal_code: 'W1 1AA', country: 'GB' };
/** Every other profile claim of OpenID Connect Core §5.1 (the admin API names the profile claim profile_url). */
const PROFILE_CLAIMS = {
  middle_name: 'Augusta', nickname: 'Ada', profile: 'https://people.example.com/ada', picture: 'https://people.example.com/ada.png',
  website: 'https://ada.example.com', gender: 'female', birthdate: '1815-12-10', zoneinfo: 'Europe/London', locale: 'en-GB',
};

/** A client's key pair, its public half served as a JWKS over HTTP on a loopback address (as the suite serves its own). */
async function clientKeysServed() {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...await exportJWK(publicKey), kid: 'rp-1', use: 'sig', alg: 'RS256' }] });
  let fetches = 0;
  const jwksServer: Server = createServer((_request, response) => {
    fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  return {
    privateKey,
    jwksUri: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`,
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => jwksServer.close(() => resolve())),
  };
}

describe.each(backends)('what the OpenID Foundation conformance suite checks, without the suite ($name)', (backend) => {
  let server: TestServer;
  let userId: string;

  beforeAll(async () => {
    server = await startTestServer(backend, {
      config: {
        adminTokens: [ADMIN_TOKEN],
        resourceServers: [{ resource: API, scopes: ['orders:read'], default: true }],
        registration: { mode: 'open' },
        signIn: { passwordHashCost: 10 },
      },
    });
    const user = await request(server.url).post('/admin/users').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({
      username: 'ada', password: PASSWORD, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace',
      email: 'ada@example.com', email_verified: true, phone_number: '+44 20 7946 0000', phone_number_verified: true, address: ADDRESS,
      ...PROFILE_CLAIMS, profile: undefined, profile_url: PROFILE_CLAIMS.profile,
    }).expect(201);
    userId = user.body.id;
  });
  afterAll(async () => {
    await server?.destroy();
  });

  /** Registers as openid-client's users do: no scope (RFC 7591 §2 lets the server give a default). */
  async function registerAsLibrariesDo(extra: Record<string, unknown> = {}) {
    const registered = await request(server.url).post('/reg').send({
      redirect_uris: [REDIRECT_URI], post_logout_redirect_uris: [POST_LOGOUT_URI], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none', ...extra,
    }).expect(201);
    const configuration = await oidc.discovery(new URL(server.url), registered.body.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    return { client: registered.body as Record<string, string>, configuration };
  }

  /** An authorization request of openid-client, with PKCE, state and nonce. */
  async function authorizationRequest(configuration: oidc.Configuration, parameters: Record<string, string>) {
    const checks = { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: oidc.randomState(), expectedNonce: oidc.randomNonce() };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: REDIRECT_URI, state: checks.expectedState, nonce: checks.expectedNonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.pkceCodeVerifier), code_challenge_method: 'S256', ...parameters,
    });
    return { url, checks };
  }

  async function signIn(browser: FormBrowser, start: request.Response): Promise<URL> {
    const { leftTo, page } = await browser.complete(start, { username: 'ada', password: PASSWORD });
    if (!leftTo) throw new Error(`the sign-in stopped at a page: ${page?.status} ${page?.text.slice(0, 300)}`);
    return leftTo;
  }

  test('oidcc-scope-profile, -email, -address, -phone, -all: a client registered without scope gets every identity claim', async () => {
    const { client, configuration } = await registerAsLibrariesDo();
    expect(client.scope).toBe(IDENTITY_SCOPES);
    const { url, checks } = await authorizationRequest(configuration, { scope: IDENTITY_SCOPES, prompt: 'consent' });
    const browser = new FormBrowser(server.url);
    const returned = await signIn(browser, await browser.get(url.href));
    expect(returned.searchParams.get('error')).toBeNull();

    const tokens = await oidc.authorizationCodeGrant(configuration, returned, checks);
    const expected = {
      sub: userId, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', preferred_username: 'ada', email: 'ada@example.com',
      email_verified: true, phone_number: '+44 20 7946 0000', phone_number_verified: true, address: ADDRESS, ...PROFILE_CLAIMS,
    };
    expect(tokens.claims()).toEqual(expect.objectContaining(expected));
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.scope?.split(' ').sort()).toEqual(IDENTITY_SCOPES.split(' ').sort());
    expect(await oidc.fetchUserInfo(configuration, tokens.access_token, userId)).toEqual(expect.objectContaining(expected));
  });

  test('oidcc-discovery-*: the identity scopes, their claims and the acr of a sign-in are advertised', async () => {
    const { body } = await request(server.url).get('/.well-known/openid-configuration').expect(200);
    expect(body.scopes_supported).toEqual(expect.arrayContaining(IDENTITY_SCOPES.split(' ')));
    expect(body.claims_supported).toEqual(expect.arrayContaining([
      'address', 'phone_number', 'phone_number_verified', 'acr', 'email', 'name', ...Object.keys(PROFILE_CLAIMS),
    ]));
    expect(body.acr_values_supported).toEqual(['1']);
  });

  test('oidcc-ensure-request-with-acr-values-succeeds: the ID token carries the acr of the sign-in', async () => {
    const { configuration } = await registerAsLibrariesDo();
    const { url, checks } = await authorizationRequest(configuration, { scope: 'openid', acr_values: '1 2' });
    const browser = new FormBrowser(server.url);
    const tokens = await oidc.authorizationCodeGrant(configuration, await signIn(browser, await browser.get(url.href)), checks);
    expect(tokens.claims()).toEqual(expect.objectContaining({ acr: '1', amr: ['pwd'] }));
  });

  test('oidcc-claims-essential: a claim asked for by the claims parameter is shown on the consent page and released', async () => {
    const { configuration } = await registerAsLibrariesDo();
    const { url, checks } = await authorizationRequest(configuration, { scope: 'openid', claims: JSON.stringify({ userinfo: { name: { essential: true } } }) });
    const browser = new FormBrowser(server.url);
    let response = await browser.get(url.href);
    while (response.status === 303) response = await browser.get(response.headers.location as string);
    const login = /action="([^"]+\/login)"/.exec(response.text)![1]!;
    response = await browser.post(login, { csrf: /name="csrf" value="([^"]+)"/.exec(response.text)![1]!, username: 'ada', password: PASSWORD });
    while (response.status === 303) response = await browser.get(response.headers.location as string);
    expect(response.text).toContain('And these details about you');
    expect(response.text).toContain('<code>name</code>');
    const returned = await signIn(browser, response);
    const tokens = await oidc.authorizationCodeGrant(configuration, returned, checks);
    const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, userId);
    expect(userinfo.name).toBe('Ada Lovelace');
    expect(userinfo).not.toHaveProperty('email');
    expect((await request(server.url).get('/.well-known/openid-configuration')).body.claims_parameter_supported).toBe(true);
  });

  test('the claims parameter asks only for claims of the scopes the client is registered for', async () => {
    const { configuration } = await registerAsLibrariesDo({ scope: 'openid profile' });
    const claims = JSON.stringify({ userinfo: { email: null, name: null }, id_token: { phone_number: { essential: true } } });
    const { url } = await authorizationRequest(configuration, { scope: 'openid', claims });
    const refused = await new FormBrowser(server.url).get(url.href);
    expect(refused.status).toBe(303);
    const returned = new URL(refused.headers.location as string);
    expect(returned.searchParams.get('error')).toBe('invalid_request');
    expect(returned.searchParams.get('error_description')).toMatch(/claims\.userinfo\.email needs the email scope/);

    // Within its scope, the same request goes on to the sign-in.
    const { url: allowed } = await authorizationRequest(configuration, { scope: 'openid', claims: JSON.stringify({ userinfo: { name: null } }) });
    const signInPage = await new FormBrowser(server.url).get(allowed.href);
    expect(signInPage.headers.location).toMatch(/^\/interaction\//);
  });

  test('oidcc-ensure-post-request-succeeds: an authorization request sent by POST reaches the sign-in and completes', async () => {
    const { configuration } = await registerAsLibrariesDo();
    const { url, checks } = await authorizationRequest(configuration, { scope: 'openid email' });
    const browser = new FormBrowser(server.url);
    const posted = await browser.post('/auth', Object.fromEntries(url.searchParams));
    // The same request by GET, which a browser sends its SameSite=Lax session cookie with.
    expect(posted.status).toBe(303);
    const asGet = new URL(posted.headers.location as string, server.url);
    expect(asGet.pathname).toBe('/auth');
    expect(Object.fromEntries(asGet.searchParams)).toEqual(Object.fromEntries(url.searchParams));
    expect(posted.headers['set-cookie']).toBeUndefined();
    const tokens = await oidc.authorizationCodeGrant(configuration, await signIn(browser, posted), checks);
    expect(tokens.claims()?.email).toBe('ada@example.com');

    // With a trailing slash too; never longer than a GET may be.
    expect((await request(server.url).post('/auth/').type('form').send({ client_id: 'x' })).status).toBe(303);
    const long = await request(server.url).post('/auth').set('Accept', 'text/html').type('form').send({ client_id: 'x', state: 'a'.repeat(9_000) });
    expect(long.status).toBe(413);
    expect(long.text).toContain('Something went wrong');

    // A POST that is not a form is refused with the server's error page, not a 404.
    const notForm = await request(server.url).post('/auth').set('Accept', 'text/html').set('Content-Type', 'application/json').send('{}');
    expect(notForm.status).toBe(415);
    expect(notForm.headers['content-type']).toMatch(/^text\/html/);
    expect(notForm.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  test('oidcc-ensure-redirect-uri-in-authorization-request: a client with two redirect URIs that names none is shown the error page, never redirected', async () => {
    // The default open policy takes loopback redirect URIs only: the suite's run allows example.org in its own (scripts/conformance).
    const client = (await request(server.url).post('/admin/clients').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({
      redirect_uris: [REDIRECT_URI, 'https://example.org/redirect'], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none',
    }).expect(201)).body as { client_id: string; redirect_uris: string[] };
    expect(client.redirect_uris).toEqual([REDIRECT_URI, 'https://example.org/redirect']);
    const answer = await request(server.url).get('/auth').set('Accept', 'text/html').query({
      client_id: client.client_id, response_type: 'code', scope: 'openid', state: 'st', nonce: 'n',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.location).toBeUndefined();
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.text).toContain('Something went wrong');
    expect(answer.text).toContain('redirect_uri');
  });

  test('oidcc-rp-initiated-logout: a logout request by POST shows the confirmation, then returns to the client', async () => {
    const { client, configuration } = await registerAsLibrariesDo();
    const { url, checks } = await authorizationRequest(configuration, { scope: 'openid' });
    const browser = new FormBrowser(server.url);
    const tokens = await oidc.authorizationCodeGrant(configuration, await signIn(browser, await browser.get(url.href)), checks);

    const posted = await browser.post('/session/end', {
      id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'logout-state', client_id: client.client_id!,
    });
    expect(posted.status).toBe(303);
    const confirmation = await browser.get(posted.headers.location as string);
    expect(confirmation.status).toBe(200);
    expect(confirmation.headers['content-security-policy']).toContain('form-action \'self\' http://127.0.0.1:9');
    const form = /<form[^>]*action="([^"]+)"[\s\S]*?name="xsrf" value="([^"]+)"/.exec(confirmation.text)!;
    const confirmed = await browser.post(form[1]!, { xsrf: form[2]!, logout: 'yes' });
    expect(confirmed.status).toBe(303);
    const returned = new URL(confirmed.headers.location as string);
    expect(`${returned.origin}${returned.pathname}`).toBe(POST_LOGOUT_URI);
    expect(returned.searchParams.get('state')).toBe('logout-state');
  });

  test('oidc-provider\'s own pages carry the headers of ours: form_post answers and the logout hand-off', async () => {
    const { configuration } = await registerAsLibrariesDo();
    const { url } = await authorizationRequest(configuration, { scope: 'openid', response_mode: 'form_post' });
    const browser = new FormBrowser(server.url);
    const { page } = await browser.complete(await browser.get(url.href), { username: 'ada', password: PASSWORD });
    expect(page?.status).toBe(200);
    expect(page!.text).toContain(`action="${REDIRECT_URI}"`);
    expectSelfSubmittingPage(page!, 'http://127.0.0.1:9');

    // Without a session, /session/end hands off to its confirmation with a self-submitting form.
    const handOff = await request(server.url).get('/session/end').set('Accept', 'text/html').expect(200);
    expectSelfSubmittingPage(handOff);
    const missing = await request(server.url).get('/session/end?id_token_hint=not-a-token').set('Accept', 'text/html').expect(400);
    expect(missing.text).toContain('Something went wrong');
    expect(missing.headers['x-frame-options']).toBe('DENY');
  });

  /** The page's policy lets exactly its own inline script run, submits only to here (and to the client), and is never framed. */
  function expectSelfSubmittingPage(page: request.Response, formTarget?: string): void {
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.text)![1]!;
    const policy = String(page.headers['content-security-policy']);
    expect(policy).toContain(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(policy).toMatch(/default-src 'none'/);
    expect(policy).toMatch(new RegExp(`form-action 'self'${formTarget ? ` ${formTarget}` : ''}(;|$)`));
    expect(policy).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  }

  test('oidcc-userinfo-rs256: a client registered with userinfo_signed_response_alg gets its userinfo as a signed JWT', async () => {
    const { client, configuration } = await registerAsLibrariesDo({ userinfo_signed_response_alg: 'RS256' });
    expect(client.userinfo_signed_response_alg).toBe('RS256');
    const { url, checks } = await authorizationRequest(configuration, { scope: 'openid email' });
    const browser = new FormBrowser(server.url);
    const tokens = await oidc.authorizationCodeGrant(configuration, await signIn(browser, await browser.get(url.href)), checks);

    const userinfo = await request(server.url).get('/me').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
    expect(userinfo.headers['content-type']).toMatch(/^application\/jwt/);
    const metadata = (await request(server.url).get('/.well-known/openid-configuration')).body;
    expect(metadata.userinfo_signing_alg_values_supported).toContain('RS256');
    const { payload, protectedHeader } = await jwtVerify(userinfo.text, createRemoteJWKSet(new URL(metadata.jwks_uri)), {
      issuer: server.url, audience: client.client_id!,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toEqual(expect.objectContaining({ sub: userId, email: 'ada@example.com' }));
  });

  test('oidcc-registration-jwks-uri: a jwks_uri on a loopback address is not fetched unless outboundFetch.allowPrivateAddresses', async () => {
    const keys = await clientKeysServed();
    try {
      const { client } = await registerAsLibrariesDo({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: keys.jwksUri });
      const configuration = await oidc.discovery(new URL(server.url), client.client_id!, undefined, oidc.PrivateKeyJwt(keys.privateKey), {
        execute: [oidc.allowInsecureRequests],
      });
      const { url, checks } = await authorizationRequest(configuration, { scope: 'openid' });
      const browser = new FormBrowser(server.url);
      const returned = await signIn(browser, await browser.get(url.href));
      await expect(oidc.authorizationCodeGrant(configuration, returned, checks)).rejects.toMatchObject({ error: 'invalid_client' });
      expect(keys.fetches()).toBe(0);
    } finally {
      await keys.close();
    }
  });

  test('the consent page names a resource server\'s scope once, with its resource server', async () => {
    const { configuration } = await registerAsLibrariesDo({ scope: 'openid orders:read' });
    const { url } = await authorizationRequest(configuration, { scope: 'openid orders:read', resource: API });
    const browser = new FormBrowser(server.url);
    let response = await browser.get(url.href);
    while (response.status === 303) response = await browser.get(response.headers.location as string);
    const csrf = /name="csrf" value="([^"]+)"/.exec(response.text)![1]!;
    const login = /action="([^"]+\/login)"/.exec(response.text)![1]!;
    response = await browser.post(login, { csrf, username: 'ada', password: PASSWORD });
    while (response.status === 303) response = await browser.get(response.headers.location as string);
    expect(response.text).toContain('Allow');
    expect(response.text.match(/<code>orders:read<\/code>/g)).toHaveLength(1);
    expect(response.text).toContain(`Access to ${API} granted by this scope`);
  });
});

describe('a client\'s jwks_uri on an internal network, allowed by outboundFetch.allowPrivateAddresses', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backends[0]!, {
      config: { adminTokens: [ADMIN_TOKEN], registration: { mode: 'open' }, signIn: { passwordHashCost: 10 }, outboundFetch: { allowPrivateAddresses: true } },
    });
    await request(server.url).post('/admin/users').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ username: 'ada', password: PASSWORD }).expect(201);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  test('oidcc-registration-jwks-uri, oidcc-refresh-token-rp-key-rotation: private_key_jwt with keys fetched from the jwks_uri', async () => {
    const keys = await clientKeysServed();
    try {
      const registered = await request(server.url).post('/reg').send({
        redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: keys.jwksUri,
      }).expect(201);
      const configuration = await oidc.discovery(new URL(server.url), registered.body.client_id, undefined, oidc.PrivateKeyJwt(keys.privateKey), {
        execute: [oidc.allowInsecureRequests],
      });
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent', state,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      const browser = new FormBrowser(server.url);
      const { leftTo } = await browser.complete(await browser.get(url.href), { username: 'ada', password: PASSWORD });
      const tokens = await oidc.authorizationCodeGrant(configuration, leftTo!, { pkceCodeVerifier: verifier, expectedState: state });
      expect(tokens.id_token).toEqual(expect.any(String));
      expect(keys.fetches()).toBeGreaterThan(0);
      const refreshed = await oidc.refreshTokenGrant(configuration, tokens.refresh_token!);
      expect(refreshed.access_token).toEqual(expect.any(String));
    } finally {
      await keys.close();
    }
  });
});
