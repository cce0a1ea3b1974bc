import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';

import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { launchBrowser, newPage } from '../support/browser.js';
import { Callback, signIn } from '../support/people.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Authorization and logout requests by POST from another site, in a real browser: the server is on
 * 127.0.0.1, the other site on localhost (another site to the browser), whose page submits a form
 * to the server. The browser sends no SameSite=Lax session cookie with that POST; the server
 * answers with the same request by GET, which it does send the cookie with.
 */
const PASSWORD = 'a long and uncommon passphrase';

describe('requests by POST from another site, in Chromium', () => {
  let server: TestServer;
  let callback: Callback;
  let otherSite: Server;
  let otherSiteUrl = '';
  let browser: Browser;
  let page: Page;
  let rp: oidc.Configuration;
  /** The next page the other site serves: a form that submits itself to the server. */
  let form = { action: '', fields: {} as Record<string, string> };

  const escape = (text: string) => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);

  beforeAll(async () => {
    callback = await new Callback().start();
    server = await startTestServer(backends[0]!, { config: adminConfig({ signIn: { passwordHashCost: 10 } }) });
    await request(server.url).post('/admin/users').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ username: 'ada', password: PASSWORD }).expect(201);
    const client = await request(server.url).post('/admin/clients').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({
      client_name: 'A web app', grant_types: ['authorization_code'], redirect_uris: [`${callback.url}/cb`], post_logout_redirect_uris: [`${callback.url}/signed-out`],
    }).expect(201);
    rp = await oidc.discovery(new URL(server.url), client.body.client_id, client.body.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    otherSite = createServer((_req, res) => {
      const inputs = Object.entries(form.fields).map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`).join('');
      res.writeHead(200, { 'Content-Type': 'text/html' })
        .end(`<!DOCTYPE html><title>another site</title><form id="f" method="post" action="${escape(form.action)}">${inputs}</form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
    otherSiteUrl = `http://localhost:${(otherSite.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
    page = await newPage(browser);

    // Signed in, at the server's origin.
    await page.goto(oidc.buildAuthorizationUrl(rp, { redirect_uri: `${callback.url}/cb`, scope: 'openid', state: 'first' }).href);
    await signIn(page, 'ada', PASSWORD);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${callback.url}/cb**`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => otherSite?.close(resolve));
    await callback?.stop();
    await server?.destroy();
  });

  async function submitFromOtherSite(action: string, fields: Record<string, string>): Promise<void> {
    form = { action: `${server.url}${action}`, fields };
    await page.goto(otherSiteUrl);
  }

  test('a logout form from another site shows the confirmation, and the person stays signed in', async () => {
    await submitFromOtherSite('/session/end', { client_id: rp.clientMetadata().client_id, post_logout_redirect_uri: `${callback.url}/signed-out` });
    await page.getByRole('heading', { name: 'Do you want to sign out?' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/session/end');

    // Still signed in: prompt=none gets a code.
    await page.goto(oidc.buildAuthorizationUrl(rp, { redirect_uri: `${callback.url}/cb`, scope: 'openid', state: 'after-logout-form', prompt: 'none' }).href);
    await page.waitForURL(`${callback.url}/cb**`);
    const returned = callback.last('/cb');
    expect(returned.searchParams.get('state')).toBe('after-logout-form');
    expect(returned.searchParams.get('error')).toBeNull();
    expect(returned.searchParams.get('code')).toEqual(expect.any(String));
  });

  test('an authorization request by POST from another site meets the sign-in session: prompt=none answers with a code', async () => {
    await submitFromOtherSite('/auth', {
      client_id: rp.clientMetadata().client_id, response_type: 'code', redirect_uri: `${callback.url}/cb`, scope: 'openid', state: 'by-post', prompt: 'none',
    });
    await page.waitForURL(`${callback.url}/cb**`);
    const returned = callback.last('/cb');
    expect(returned.searchParams.get('state')).toBe('by-post');
    expect(returned.searchParams.get('error')).toBeNull();
    expect(returned.searchParams.get('code')).toEqual(expect.any(String));
  });
});
