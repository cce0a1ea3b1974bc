import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';

import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { launchBrowser, newPage, screenshot } from '../support/browser.js';
import { Callback, signIn } from '../support/people.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PASSWORD = 'a long and uncommon passphrase';
const API = 'https://api.example.com';
const MCP_IAT = 'mcp-initial-access-token-0123456789abcdef';

describe.each(backends)('people sign in with the authorization code flow ($name)', (backend) => {
  let server: TestServer;
  let browser: Browser;
  let callback: Callback;
  let userId: string;
  let webClient: { client_id: string; client_secret: string };
  let rp: oidc.Configuration;

  const adminPost = (path: string, body: object) => request(server.url).post(`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).send(body);

  beforeAll(async () => {
    callback = await new Callback().start();
    server = await startTestServer(backend, {
      config: adminConfig({
        signIn: { passwordHashCost: 10, maxFailures: 3, lockoutSeconds: 120 },
        branding: { productName: 'Example Identity', accentColor: '#0b6e4f' },
        claims: [
          { name: 'login', value: '(appuser != null) ? appuser.userName : app.clientId', tokens: ['access_token', 'id_token', 'userinfo'] },
          { name: 'department', value: 'user.profile.department', tokens: ['id_token'] },
        ],
        registration: {
          policies: {
            mcp: {
              grantTypes: ['authorization_code', 'refresh_token'], tokenEndpointAuthMethods: ['none'], redirectUriHosts: ['127.0.0.1'],
              redirectUriSchemes: ['com.example.app'], scopes: ['openid', 'orders:read'],
            },
          },
          initialAccessTokens: [{ id: 'mcp-iat', token: MCP_IAT, policies: ['mcp'] }],
        },
      }),
    });
    const user = await adminPost('/users', {
      username: 'alice', password: PASSWORD, email: 'alice@example.com', email_verified: true, name: 'Alice Example',
      given_name: 'Alice', family_name: 'Example', groups: ['staff'], profile: { department: 'sales' },
    }).expect(201);
    userId = user.body.id;
    const client = await adminPost('/clients', {
      client_name: 'Orders web app', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [`${callback.url}/cb`],
      post_logout_redirect_uris: [`${callback.url}/signed-out`], scope: 'openid profile email groups offline_access orders:read',
    }).expect(201);
    webClient = client.body;
    rp = await oidc.discovery(new URL(server.url), webClient.client_id, webClient.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await callback?.stop();
    await server?.destroy();
  });

  /** Starts an authorization request in the page; returns what the RP must keep for the token request. */
  async function authorize(page: Page, extra: Record<string, string> = {}, configuration = rp, redirectUri = `${callback.url}/cb`) {
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri, scope: 'openid profile email groups offline_access', state,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256', ...extra,
    });
    const response = await page.goto(url.href);
    return { codeVerifier, state, response };
  }

  test('sign in, consent, then openid-client validates the ID token, calls userinfo, refreshes and is told of reuse', async () => {
    const page = await newPage(browser);
    const { codeVerifier, state, response } = await authorize(page);
    expect(await page.title()).toMatch(/^Sign in/);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['x-frame-options']).toBe('DENY');
    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === '_interaction')).toEqual(expect.objectContaining({ httpOnly: true, sameSite: 'Lax' }));
    expect(await page.getByText('Orders web app').count()).toBeGreaterThan(0);
    await screenshot(page, 'sign-in-desktop.png');

    await signIn(page, 'ALICE', PASSWORD);
    expect(await page.title()).toMatch(/^Allow access/);
    expect(await page.content()).toContain('Your email address');
    await screenshot(page, 'consent-desktop.png');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${callback.url}/cb?**`);

    const returned = callback.last('/cb');
    expect(returned.searchParams.get('iss')).toBe(server.url);
    const tokens = await oidc.authorizationCodeGrant(rp, returned, { pkceCodeVerifier: codeVerifier, expectedState: state });
    const claims = tokens.claims()!;
    expect(claims).toEqual(expect.objectContaining({
      sub: userId, iss: server.url, aud: webClient.client_id, email: 'alice@example.com', email_verified: true, name: 'Alice Example',
      preferred_username: 'alice', groups: ['staff'], amr: ['pwd'], login: 'alice', department: 'sales',
    }));
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const userinfo = await oidc.fetchUserInfo(rp, tokens.access_token, userId);
    expect(userinfo).toEqual(expect.objectContaining({ sub: userId, email: 'alice@example.com', family_name: 'Example', groups: ['staff'], login: 'alice' }));
    expect(userinfo).not.toHaveProperty('department');

    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.claims()?.sub).toBe(userId);
    const currentRefreshToken = refreshed.refresh_token ?? tokens.refresh_token!;
    const introspectRefresh = async () => (await request(server.url).post('/token/introspection').auth(webClient.client_id, webClient.client_secret)
      .type('form').send({ token: currentRefreshToken, token_type_hint: 'refresh_token' }).expect(200)).body;
    expect(await introspectRefresh()).toEqual(expect.objectContaining({ active: true, sub: userId, client_id: webClient.client_id, scope: 'openid profile email groups' }));

    // The admin API sees the session and the grant; revoking the grant kills its refresh tokens.
    const sessions = await request(server.url).get(`/admin/users/${userId}/sessions`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    expect(sessions.body.sessions[0].clients).toContain(webClient.client_id);
    const grants = await request(server.url).get(`/admin/users/${userId}/grants`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    const grant = grants.body.grants.find((candidate: { client_id: string }) => candidate.client_id === webClient.client_id);
    expect(grant.scope.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'groups']));
    await request(server.url).delete(`/admin/users/${userId}/grants/${grant.id}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(204);
    await expect(oidc.refreshTokenGrant(rp, currentRefreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await introspectRefresh()).toEqual({ active: false });
    await page.context().close();
  });

  test('the pages fit a phone', async () => {
    const page = await newPage(browser, { width: 390, height: 844 });
    // prompt=consent asks again even though an earlier test may have been granted consent.
    await authorize(page, { prompt: 'consent' });
    const overflow = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    expect(overflow).toBe(false);
    await screenshot(page, 'sign-in-phone.png');
    await signIn(page, 'alice', PASSWORD);
    await screenshot(page, 'consent-phone.png');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${callback.url}/cb?**`);
    expect(callback.last('/cb').searchParams.get('error')).toBe('access_denied');
    await page.context().close();
  });

  test('a wrong password and an unknown user get the same message; the account locks after 3 failures', async () => {
    const page = await newPage(browser);
    await authorize(page);
    await signIn(page, 'alice', 'not the password at all');
    const wrong = await page.getByRole('alert').textContent();
    await signIn(page, 'nobody-by-this-name', 'not the password at all');
    expect(await page.getByRole('alert').textContent()).toBe(wrong);
    await expect(page.getByLabel('Password')).toBeTruthy();
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');

    const locked = 'locked-out-user';
    await adminPost('/users', { username: locked, password: PASSWORD }).expect(201);
    for (let attempt = 0; attempt < 3; attempt += 1) await signIn(page, locked, 'wrong password number x');
    await signIn(page, locked, PASSWORD);
    expect(await page.getByRole('alert').textContent()).toMatch(/Too many failed attempts/);
    const { body } = await request(server.url).get('/admin/audit?action=user.lockout').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    expect(body.events.length).toBeGreaterThanOrEqual(1);
    await page.context().close();
  });

  test('prompt=none: login_required without a session, a code with one; logout ends the session', async () => {
    const page = await newPage(browser);
    await authorize(page, { prompt: 'none' });
    await page.waitForURL(`${callback.url}/cb?**`);
    expect(callback.last('/cb').searchParams.get('error')).toBe('login_required');

    const first = await authorize(page);
    await signIn(page, 'alice', PASSWORD);
    if ((await page.title()).startsWith('Allow access')) await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${callback.url}/cb?**`);
    const signedIn = callback.last('/cb');
    const tokens = await oidc.authorizationCodeGrant(rp, signedIn, { pkceCodeVerifier: first.codeVerifier, expectedState: first.state });

    await authorize(page, { prompt: 'none' });
    await page.waitForURL(`${callback.url}/cb?**`);
    expect(Object.fromEntries(callback.last('/cb').searchParams)).toEqual(expect.objectContaining({ code: expect.any(String) }));

    const logout = oidc.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${callback.url}/signed-out` });
    await page.goto(logout.href);
    expect(`${await page.title()} ${await page.locator('main').textContent()}`).toMatch(/^Sign out/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${callback.url}/signed-out**`);

    await authorize(page, { prompt: 'none' });
    await page.waitForURL(`${callback.url}/cb?**`);
    expect(callback.last('/cb').searchParams.get('error')).toBe('login_required');
    await page.context().close();
  });

  test('an MCP-style public client registers itself, signs the user in with PKCE and resource, and the MCP server verifies the token with jose', async () => {
    const registered = await request(server.url).post('/reg').set('Authorization', `Bearer ${MCP_IAT}`).send({
      client_name: 'MCP client', grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none',
      redirect_uris: [`${callback.url}/mcp`], scope: 'openid orders:read',
    });
    expect(registered.status).toBe(201);
    const publicClient = await oidc.discovery(new URL(server.url), registered.body.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });

    expect(registered.body.application_type).toBe('native');
    const page = await newPage(browser);
    // RFC 8252 §7.3: a native app's loopback redirect URI matches on any port; a web client's does not.
    const otherPort = await new Callback().start();
    try {
      await authorize(page, { prompt: 'none', scope: 'openid' }, publicClient, `${otherPort.url}/mcp`);
      await page.waitForURL(`${otherPort.url}/mcp?**`);
      expect(otherPort.last('/mcp').searchParams.get('error')).toBe('login_required');
      const refused = await authorize(page, { prompt: 'none' }, rp, `${otherPort.url}/cb`);
      expect({ status: refused.response?.status(), url: page.url() }).toEqual({ status: 400, url: expect.stringContaining(server.url) });
      expect(otherPort.hits.filter((hit) => hit.pathname === '/cb')).toEqual([]);
    } finally {
      await otherPort.stop();
    }
    // A public client without PKCE is refused.
    await page.goto(oidc.buildAuthorizationUrl(publicClient, { redirect_uri: `${callback.url}/mcp`, scope: 'openid orders:read' }).href);
    await page.waitForURL(`${callback.url}/mcp?**`);
    expect(callback.last('/mcp').searchParams.get('error')).toBe('invalid_request');

    const { codeVerifier, state } = await authorize(page, { scope: 'openid orders:read', resource: API }, publicClient, `${callback.url}/mcp`);
    await signIn(page, 'alice', PASSWORD);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${callback.url}/mcp?**`);
    const tokens = await oidc.authorizationCodeGrant(publicClient, callback.last('/mcp'), { pkceCodeVerifier: codeVerifier, expectedState: state }, { resource: API });

    const jwks = createRemoteJWKSet(new URL(`${server.url}/jwks`));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.url, audience: API, typ: 'at+jwt' });
    expect(payload).toEqual(expect.objectContaining({ sub: userId, client_id: registered.body.client_id, scope: 'orders:read', login: 'alice' }));
    expect(payload).not.toHaveProperty('department');
    // The same expression gives a machine's token the client id (Okta's system pattern).
    const service = (await adminPost('/clients', { grant_types: ['client_credentials'], scope: 'orders:read' }).expect(201)).body;
    const machine = await request(server.url).post('/token').auth(service.client_id, service.client_secret).type('form')
      .send({ grant_type: 'client_credentials', resource: API, scope: 'orders:read' }).expect(200);
    expect((await jwtVerify(machine.body.access_token, jwks, { issuer: server.url, audience: API })).payload.login).toBe(service.client_id);


    // A gateway introspecting the token sees it active while its grant stands.
    const introspect = async () => (await request(server.url).post('/token/introspection')
      .auth('gateway', 'gateway-secret-0123456789abcdef').type('form').send({ token: tokens.access_token }).expect(200)).body;
    expect(await introspect()).toEqual(expect.objectContaining({ active: true, sub: userId, grant_id: expect.any(String) }));

    // Rotation on every use for a public client; presenting a used refresh token revokes the grant.
    const rotated = await oidc.refreshTokenGrant(publicClient, tokens.refresh_token!, { resource: API });
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(publicClient, tokens.refresh_token!, { resource: API })).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(publicClient, rotated.refresh_token!, { resource: API })).rejects.toMatchObject({ error: 'invalid_grant' });

    // ...and with the grant, the JWT access token issued under it: the gateway learns it at once.
    expect(await introspect()).toEqual({ active: false });
    await page.context().close();
  });

  test('a forged form (no CSRF token) is refused and signs nobody in', async () => {
    const page = await newPage(browser);
    await authorize(page);
    const action = await page.locator('form').getAttribute('action');
    const response = await page.request.post(`${server.url}${action}`, { form: { username: 'alice', password: PASSWORD } });
    expect(response.status()).toBe(403);
    await page.context().close();
  });

  test('concurrent wrong passwords cannot slip under the lockout: at most maxFailures are checked', async () => {
    await adminPost('/users', { username: 'raced', password: PASSWORD }).expect(201);
    const page = await newPage(browser);
    await authorize(page);
    const action = await page.locator('form').getAttribute('action');
    const csrf = await page.locator('input[name=csrf]').getAttribute('value');
    const attempts = await Promise.all(Array.from({ length: 20 }, () =>
      page.request.post(`${server.url}${action}`, { form: { csrf: csrf!, username: 'raced', password: 'a wrong password here' }, maxRedirects: 0 })));
    const statuses = attempts.map((response) => response.status());
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(17);
    const correct = await page.request.post(`${server.url}${action}`, { form: { csrf: csrf!, username: 'raced', password: PASSWORD }, maxRedirects: 0 });
    expect(correct.status()).toBe(429);
    await page.context().close();
  });

  test('a sign-in cannot reach the admin API, nor scopes the client did not register', async () => {
    const page = await newPage(browser);
    const adminCapable = await adminPost('/clients', {
      client_name: 'would-be admin app', grant_types: ['authorization_code'], redirect_uris: [`${callback.url}/cb`], scope: 'openid admin.clients',
    }).expect(201);
    const adminRp = await oidc.discovery(new URL(server.url), adminCapable.body.client_id, adminCapable.body.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    await authorize(page, { scope: 'openid admin.clients', resource: `${server.url}/admin` }, adminRp);
    await page.waitForURL(`${callback.url}/cb?**`);
    expect(callback.last('/cb').searchParams.get('error')).toBe('invalid_target');

    const scopeless = await request(server.url).post('/reg').set('Authorization', `Bearer ${MCP_IAT}`).send({
      grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', redirect_uris: [`${callback.url}/mcp`],
    }).expect(201);
    const scopelessRp = await oidc.discovery(new URL(server.url), scopeless.body.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    for (const scope of ['openid email', 'openid orders:read']) {
      await authorize(page, { scope }, scopelessRp, `${callback.url}/mcp`);
      await page.waitForURL(`${callback.url}/mcp?**`);
      expect(callback.last('/mcp').searchParams.get('error')).toBe('invalid_scope');
    }
    await page.context().close();
  });
  test('a first-party client skips consent; a client made to require PKCE is refused without it', async () => {
    const firstParty = await adminPost('/clients', {
      client_name: 'Our own portal', grant_types: ['authorization_code'], redirect_uris: [`${callback.url}/cb`], scope: 'openid profile',
      first_party: true,
    }).expect(201);
    expect(firstParty.body.first_party).toBe(true);
    const portal = await oidc.discovery(new URL(server.url), firstParty.body.client_id, firstParty.body.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const page = await newPage(browser);
    await authorize(page, { scope: 'openid profile' }, portal);
    await signIn(page, 'alice', PASSWORD);
    await page.waitForURL(`${callback.url}/cb?**`);
    expect(callback.last('/cb').searchParams.get('code')).toEqual(expect.any(String));

    const strict = await adminPost('/clients', {
      grant_types: ['authorization_code'], redirect_uris: [`${callback.url}/cb`], scope: 'openid', require_pkce: true,
    }).expect(201);
    const strictRp = await oidc.discovery(new URL(server.url), strict.body.client_id, strict.body.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    await page.goto(oidc.buildAuthorizationUrl(strictRp, { redirect_uri: `${callback.url}/cb`, scope: 'openid', state: 'no-pkce' }).href);
    await page.waitForURL(`${callback.url}/cb?**`);
    expect(callback.last('/cb').searchParams.get('error')).toBe('invalid_request');
    await page.context().close();
  });

  test('registration policies: private-use schemes by name; the built-in default policy suits an MCP client', async () => {
    const native = await request(server.url).post('/reg').set('Authorization', `Bearer ${MCP_IAT}`).send({
      grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', redirect_uris: ['com.example.app:/callback'], scope: 'openid',
    });
    expect(native.status).toBe(201);
    expect(native.body.application_type).toBe('native');
    const otherScheme = await request(server.url).post('/reg').set('Authorization', `Bearer ${MCP_IAT}`).send({
      grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', redirect_uris: ['org.evil.app:/callback'], scope: 'openid',
    });
    expect(otherScheme.status).toBe(400);
    expect(otherScheme.body.error).toBe('invalid_redirect_uri');

    // No "default" policy is declared in this configuration: the built-in one applies.
    const iat = await adminPost('/initial-access-tokens', { policies: ['default'] }).expect(201);
    const mcp = await request(server.url).post('/reg').set('Authorization', `Bearer ${iat.body.initial_access_token}`).send({
      grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:33418/callback'],
      scope: 'openid orders:read',
    });
    expect(mcp.status).toBe(201);
    expect(mcp.body).toEqual(expect.objectContaining({ application_type: 'native', token_endpoint_auth_method: 'none' }));
    const remote = await request(server.url).post('/reg').set('Authorization', `Bearer ${iat.body.initial_access_token}`).send({
      grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', redirect_uris: ['https://attacker.example/callback'], scope: 'openid',
    });
    expect(remote.status).toBe(400);
  });
});

describe('behind TLS (an https issuer, a proxy terminating TLS in front)', () => {
  test('the sign-in cookies are Secure, HttpOnly and SameSite=Lax', async () => {
    const callback = await new Callback().start();
    const server = await startTestServer(backends[0]!, {
      config: adminConfig(),
      issuer: (port) => `https://127.0.0.1:${port}`,
    });
    try {
      const client = await request(server.url).post('/admin/clients').set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .send({ grant_types: ['authorization_code'], redirect_uris: [`${callback.url}/cb`], scope: 'openid' }).expect(201);
      const response = await request(server.url).get('/auth').query({
        client_id: client.body.client_id, response_type: 'code', scope: 'openid', redirect_uri: `${callback.url}/cb`,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      });
      expect(response.status).toBe(303);
      expect(response.headers.location).toMatch(/^\/interaction\//);
      const cookies = (response.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) expect(cookie.toLowerCase()).toEqual(expect.stringContaining('; secure'));
      for (const cookie of cookies) expect(cookie.toLowerCase()).toEqual(expect.stringContaining('; httponly'));
      for (const cookie of cookies) expect(cookie.toLowerCase()).toEqual(expect.stringContaining('; samesite=lax'));
    } finally {
      await server.destroy();
      await callback.stop();
    }
  });
});
