import type { Browser, Page } from 'playwright-core';
import request from 'supertest';

import { ADMIN_TOKEN, adminClient, adminConfig, OpenApiConformance } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { launchBrowser, newPage, screenshot } from '../support/browser.js';
import { signIn } from '../support/people.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PASSWORD = 'console test passphrase, not common';

/** The little of the DOM the layout checks read in the browser (the tests compile without the DOM library). */
interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
  height: number;
}
interface PageElement {
  textContent: string | null;
  scrollWidth: number;
  clientWidth: number;
  getBoundingClientRect(): Box;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  ownerDocument: { documentElement: PageElement; createRange(): { selectNodeContents(node: PageElement): void; getBoundingClientRect(): Box } };
}

/**
 * The admin console in Chromium, against the real server on each store: administrators sign in
 * through the server's own sign-in page and the console acts only through the admin API, with
 * what the user's groups allow at the time of each call.
 */
describe.each(backends)('the admin console ($name)', (backend) => {
  let server: TestServer;
  let browser: Browser;
  let conformance: OpenApiConformance;
  const ids: Record<string, string> = {};

  const adminPost = (path: string, body: object) => request(server.url).post(`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).send(body);
  const adminPatch = (path: string, body: object) => request(server.url).patch(`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).send(body);
  const clientCredentials = (clientId: string, secret: string) =>
    request(server.url).post('/token').auth(clientId, secret).type('form').send({ grant_type: 'client_credentials', scope: 'orders:read' });

  beforeAll(async () => {
    server = await startTestServer(backend, {
      config: adminConfig({
        signIn: { passwordHashCost: 10 },
        console: { adminGroups: ['admins'], readOnlyGroups: ['auditors'] },
      }),
    });
    conformance = await OpenApiConformance.load(server.url);
    for (const [username, groups] of [['root', ['admins', 'staff']], ['reader', ['auditors']], ['bob', ['staff']]] as const) {
      const created = await adminPost('/users', { username, password: PASSWORD, name: `${username[0]!.toUpperCase()}${username.slice(1)} Example`, groups }).expect(201);
      ids[username] = created.body.id;
    }
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
  });

  /** Opens the console, signs in on the server's sign-in page, and waits for the console to show its first page. */
  async function signInToConsole(username: string, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await newPage(browser, viewport);
    await page.goto(`${server.url}/console/`);
    await page.waitForURL(`${server.url}/interaction/**`);
    expect(await page.title()).toMatch(/^Sign in/);
    await signIn(page, username, PASSWORD);
    await page.waitForURL(`${server.url}/console/#/**`);
    await page.locator('main h1').waitFor();
    return page;
  }

  const accessTokenOf = (page: Page) => page.evaluate(() => (JSON.parse(sessionStorage.getItem('console.session') ?? '{}') as { accessToken?: string }).accessToken ?? '');

  test('an administrator signs in, creates a client, edits it, rotates its secret and finds each change in the audit trail', async () => {
    const page = await signInToConsole('root');
    expect(await page.locator('main h1').textContent()).toBe('Dashboard');
    expect(await page.locator('#who').textContent()).toContain('Root Example');
    expect(await page.locator('#who').textContent()).toContain('administrator');
    // The sign-in itself was counted, and the dashboard reads it from the admin API.
    const signIns = page.locator('article', { has: page.getByRole('heading', { name: 'Sign-ins' }) });
    expect(Number(await signIns.locator('.figure').textContent())).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'console-dashboard-desktop.png');

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('link', { name: 'Create client' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Orders reporting job');
    await page.getByLabel('Scope').fill('orders:read');
    await page.getByRole('button', { name: 'Create client' }).click();
    const secretBox = page.getByRole('region', { name: 'Client secret' });
    const firstSecret = await secretBox.getByRole('textbox').inputValue();
    const clientId = (await page.locator('main p code').first().textContent())!;
    expect(firstSecret.length).toBeGreaterThanOrEqual(32);
    expect(await page.getByRole('status').textContent()).toContain('Orders reporting job created');
    // The secret the console showed is the client's real one.
    await clientCredentials(clientId, firstSecret).expect(200);

    // Editing keeps what the form does not show (the JSON box holds the rest) and changes what it does.
    await page.getByRole('link', { name: 'Orders reporting job' }).click();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Nightly orders report');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Nightly orders report' }).waitFor();
    const edited = (await request(server.url).get(`/admin/clients/${clientId}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200)).body;
    expect(edited).toEqual(expect.objectContaining({ client_name: 'Nightly orders report', scope: 'orders:read', grant_types: ['client_credentials'] }));

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const rotatedBox = page.getByRole('region', { name: 'New client secret' });
    const secondSecret = await rotatedBox.getByRole('textbox').inputValue();
    expect(secondSecret).not.toBe(firstSecret);
    await screenshot(page, 'console-client-desktop.png');
    await clientCredentials(clientId, firstSecret).expect(401);
    await clientCredentials(clientId, secondSecret).expect(200);

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit trail' }).click();
    await page.getByLabel('Client id').fill(clientId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(`**/console/#/audit?client_id=${clientId}`);
    const rows = page.locator('main tbody tr');
    await rows.first().waitFor();
    const audit = await rows.allTextContents();
    expect(audit.some((row) => row.includes('client.secret.rotate') && row.includes(`user:${ids.root}`))).toBe(true);
    expect(audit.some((row) => row.includes('client.create') && row.includes(`user:${ids.root}`))).toBe(true);
    expect(audit.some((row) => row.includes('client.update') && row.includes(`user:${ids.root}`))).toBe(true);
    await screenshot(page, 'console-audit-desktop.png');

    // The admin API recorded the same: the person who acted, not the console's client.
    const events = (await request(server.url).get(`/admin/audit?client_id=${clientId}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200)).body.events as { action: string; actor: string }[];
    expect(events.map((event) => [event.action, event.actor])).toEqual(expect.arrayContaining([
      ['client.secret.rotate', `user:${ids.root}`], ['client.create', `user:${ids.root}`],
    ]));

    // Deleting asks for confirmation first, then the client is gone.
    await page.goto(`${server.url}/console/#/clients/${clientId}`);
    await page.getByRole('button', { name: 'Delete client' }).click();
    expect(await page.getByText('Its tokens, grants and registration stop working.').count()).toBe(1);
    await request(server.url).get(`/admin/clients/${clientId}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    await page.getByRole('button', { name: 'Yes, delete client' }).click();
    await page.waitForURL('**/console/#/clients');
    await request(server.url).get(`/admin/clients/${clientId}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(404);
    await page.context().close();
  });

  test('a client created in the console gets self-management unless it is unticked, as one created through the admin API does', async () => {
    const page = await signInToConsole('root');
    const apiDefault = (await adminPost('/clients', { client_name: 'Created without self_management', grant_types: ['client_credentials'] }).expect(201)).body;
    expect(apiDefault.self_management).toBe(true);

    await page.goto(`${server.url}/console/#/clients/new`);
    const selfManagement = page.getByLabel('Allow self-management (RFC 7592 registration access token)');
    expect(await selfManagement.isChecked()).toBe(true);
    await page.getByLabel('Name', { exact: true }).fill('Self-managed job');
    await page.getByLabel('Scope').fill('orders:read');
    await page.getByRole('button', { name: 'Create client' }).click();
    const registrationToken = await page.getByRole('region', { name: 'Registration access token' }).getByRole('textbox').inputValue();
    const clientId = (await page.locator('main p code').first().textContent())!;
    const admin = async () => (await request(server.url).get(`/admin/clients/${clientId}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200)).body as
      { self_management: boolean; registration_client_uri: string };
    const created = await admin();
    expect(created.self_management).toBe(true);
    // The token the console showed reads the registration (RFC 7592).
    await request(server.url).get(new URL(created.registration_client_uri).pathname).set('Authorization', `Bearer ${registrationToken}`).expect(200);

    // An existing client's own setting is what the form shows, not the default.
    await page.goto(`${server.url}/console/#/clients/${clientId}/edit`);
    await selfManagement.uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Self-managed job', exact: true }).waitFor();
    expect((await admin()).self_management).toBe(false);
    await page.goto(`${server.url}/console/#/clients/${clientId}/edit`);
    expect(await selfManagement.isChecked()).toBe(false);
    await page.context().close();
  });

  test('the dashboard\'s signing key card is labelled like the others: its figure counts the active keys, its breakdown gives each one\'s age', async () => {
    const { keys } = (await request(server.url).get('/admin/keys').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200)).body as { keys: { alg: string; state: string }[] };
    const active = keys.filter((key) => key.state === 'active');
    expect(active.length).toBeGreaterThanOrEqual(1);
    const page = await signInToConsole('root');
    const card = page.locator('article', { has: page.getByRole('heading', { name: 'Active signing keys' }) });
    expect(await card.locator('.figure').textContent()).toBe(String(active.length));
    const breakdown = await card.locator('.breakdown li').allTextContents();
    for (const { alg } of active) expect(breakdown).toContainEqual(expect.stringMatching(new RegExp(`^${alg} key age: (\\d+ (min|h|days)|< 1 min)$`)));
    await page.context().close();
  });

  test('the console has a favicon, at /favicon.ico and under /console/, cached and with the console\'s headers', async () => {
    const ico = await request(server.url).get('/favicon.ico').expect(200).expect('Content-Type', 'image/x-icon');
    // An ICON resource (type 1) with at least one image.
    expect((ico.body as Buffer).readUInt32LE(0)).toBe(0x10000);
    expect((ico.body as Buffer).readUInt16LE(4)).toBeGreaterThanOrEqual(1);
    const svg = await request(server.url).get('/console/favicon.svg').expect(200).expect('Content-Type', 'image/svg+xml');
    expect((svg.body as Buffer).toString('utf8')).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const icon of [ico, svg]) {
      expect(icon.headers['cache-control']).toMatch(/^public, max-age=\d+/);
      expect(icon.headers['content-security-policy']).toContain("default-src 'none'");
      expect(icon.headers['x-content-type-options']).toBe('nosniff');
    }
    await request(server.url).get('/console/favicon.ico').expect(200).expect('Content-Type', 'image/x-icon');

    // The console page names its icons, and the browser gets each one under the page's CSP.
    const page = await signInToConsole('root');
    const icons = [];
    for (const link of await page.locator('link[rel="icon"]').all()) {
      const href = (await link.getAttribute('href'))!;
      icons.push({ href, ...await page.evaluate(async (url) => {
        const answer = await fetch(url);
        return { status: answer.status, type: answer.headers.get('content-type') };
      }, href) });
    }
    expect(icons).toEqual(expect.arrayContaining([
      { href: '/console/favicon.svg', status: 200, type: 'image/svg+xml' },
      { href: '/console/favicon.ico', status: 200, type: 'image/x-icon' },
    ]));
    await page.context().close();
  });

  test('on a phone the sections fit in one row that scrolls sideways, with the current one in view', async () => {
    const page = await signInToConsole('root', { width: 390, height: 844 });
    for (const width of [390, 320]) {
      await page.setViewportSize({ width, height: 844 });
      for (const [route, section] of [['#/', 'Dashboard'], ['#/audit', 'Audit trail']] as const) {
        await page.goto(`${server.url}/console/${route}`);
        await page.locator('main h1').waitFor();
        const layout = await page.locator('#nav').evaluate((nav: PageElement) => {
          const links = Array.from(nav.querySelectorAll('a'), (link) => link.getBoundingClientRect());
          const current = nav.querySelector('a[aria-current="page"]')!;
          const box = nav.getBoundingClientRect();
          return {
            nav: { left: box.left, right: box.right, height: box.height }, linkHeight: Math.max(...links.map((link) => link.height)),
            rows: new Set(links.map((link) => link.top)).size, current: current.textContent,
            currentBox: { left: current.getBoundingClientRect().left, right: current.getBoundingClientRect().right },
            pageWidth: nav.ownerDocument.documentElement.scrollWidth, viewportWidth: nav.ownerDocument.documentElement.clientWidth,
          };
        });
        expect(layout.rows).toBe(1);
        expect(layout.nav.height).toBeLessThanOrEqual(layout.linkHeight + 1);
        // The page itself does not scroll sideways; the current section is in view.
        expect(layout.pageWidth).toBeLessThanOrEqual(layout.viewportWidth);
        expect(layout.current).toBe(section);
        expect(layout.currentBox.left).toBeGreaterThanOrEqual(layout.nav.left);
        expect(layout.currentBox.right).toBeLessThanOrEqual(layout.nav.right);
      }
    }
    await page.context().close();
  });

  test('the link-buttons beside a page heading ("Create client", "Edit") are centred: their text in their box, their box on the heading', async () => {
    const created = await adminPost('/clients', { client_name: 'Centred', grant_types: ['client_credentials'] }).expect(201);
    const page = await signInToConsole('root');
    for (const [width, route, label] of [[1280, '#/clients', 'Create client'], [390, '#/clients', 'Create client'], [1280, `#/clients/${created.body.client_id}`, 'Edit']] as const) {
      await page.setViewportSize({ width, height: 844 });
      await page.goto(`${server.url}/console/${route}`);
      // The console changes pages in place: wait for this page's link, not for any heading.
      const heading = page.locator('main .page-heading', { has: page.getByRole('link', { name: label, exact: true }) });
      await heading.waitFor();
      const offsets = await heading.evaluate((element: PageElement, text: string) => {
        const link = Array.from(element.querySelectorAll('a')).find((candidate) => candidate.textContent === text)!;
        const range = link.ownerDocument.createRange();
        range.selectNodeContents(link);
        const words = range.getBoundingClientRect();
        const box = link.getBoundingClientRect();
        const title = element.querySelector('h1')!;
        const titleWords = title.ownerDocument.createRange();
        titleWords.selectNodeContents(title);
        const titleBox = titleWords.getBoundingClientRect();
        const middle = (rect: Box): number => rect.top + rect.height / 2;
        return { textInBox: Math.abs(middle(words) - middle(box)), boxOnHeading: Math.abs(middle(box) - middle(titleBox)), sameRow: box.top < titleBox.bottom };
      }, label);
      expect(offsets.textInBox).toBeLessThanOrEqual(1);
      if (offsets.sameRow) expect(offsets.boxOnHeading).toBeLessThanOrEqual(2);
    }
    await page.context().close();
  });

  test('an administrator creates a user with a phone number and an address, then edits them', async () => {
    const page = await signInToConsole('root');
    await page.goto(`${server.url}/console/#/users/new`);
    await page.getByLabel('Username').fill('grace');
    await page.getByLabel('Phone number', { exact: true }).fill('+15550100');
    await page.getByLabel('Phone number verified').check();
    await page.getByLabel('Street address').fill('1 Navy Yard');
    await page.getByLabel('City or locality').fill('Arlington');
    await page.getByLabel('Country').fill('US');
    await page.getByLabel('Nickname').fill('Amazing Grace');
    await page.getByLabel('Birthdate').fill('1906-12-09');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { name: 'grace' }).waitFor();
    const shown = await page.locator('dl.details').textContent();
    expect(shown).toContain('+15550100 (verified)');
    expect(shown).toContain('1 Navy Yard, Arlington, US');
    const userId = (await page.locator('dl.details code').first().textContent())!;
    const admin = (path: string) => request(server.url).get(`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    expect((await admin(`/users/${userId}`)).body).toEqual(expect.objectContaining({
      phone_number: '+15550100', phone_number_verified: true, address: { street_address: '1 Navy Yard', locality: 'Arlington', country: 'US' },
      nickname: 'Amazing Grace', birthdate: '1906-12-09',
    }));

    await page.getByLabel('Street address').fill('');
    await page.getByLabel('Region').fill('VA');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'grace saved' }).waitFor();
    expect((await admin(`/users/${userId}`)).body.address).toEqual({ locality: 'Arlington', region: 'VA', country: 'US' });
    await page.context().close();
  });

  test('the console page is locked down: no inline script, no framing, no referrer, and its token is for the admin API only', async () => {
    const response = await request(server.url).get('/console/').expect(200);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toContain('unsafe');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    await request(server.url).get('/console').expect(302).expect('Location', '/console/');
    await request(server.url).get('/console/app/main.js').expect(200).expect('Content-Type', /javascript/);
    await request(server.url).get('/console/app/../../config/schema.json').expect((answer) => expect(answer.status).toBeGreaterThanOrEqual(400));
    await request(server.url).post('/console/').expect(405);

    const page = await signInToConsole('root');
    const token = await accessTokenOf(page);
    // An RFC 9068 access token for the admin API, issued to the console for the person.
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toEqual(expect.objectContaining({ aud: `${server.url}/admin`, client_id: 'admin-console', sub: ids.root, scope: expect.stringContaining('admin.clients') }));
    // It is no token for the other resource servers.
    await request(server.url).post('/token/introspection').auth('gateway', 'gateway-secret-0123456789abcdef').type('form').send({ token })
      .expect(200).expect((answer) => expect(answer.body.aud).toBe(`${server.url}/admin`));
    const me = await adminClient(server.url, conformance, token).get('/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ actor: `user:${ids.root}`, role: 'full', user: { id: ids.root, username: 'root', name: 'Root Example', groups: ['admins', 'staff'] } });
    await page.context().close();
  });

  test('a read-only administrator sees everything and the admin API refuses every change', async () => {
    const page = await signInToConsole('reader', { width: 390, height: 844 });
    expect(await page.getByText('Read-only access').count()).toBe(1);
    expect(await page.locator('#who').textContent()).toContain('read-only');
    await screenshot(page, 'console-dashboard-phone.png');

    await page.goto(`${server.url}/console/#/clients`);
    await page.getByRole('link', { name: 'gateway' }).waitFor();
    expect(await page.getByRole('link', { name: 'Create client' }).count()).toBe(0);
    await page.getByRole('link', { name: 'gateway' }).click();
    await page.getByRole('heading', { name: 'gateway' }).waitFor();
    for (const name of ['Rotate secret', 'Delete client', 'Edit']) expect(await page.getByRole('button', { name }).or(page.getByRole('link', { name })).count()).toBe(0);
    await page.goto(`${server.url}/console/#/users`);
    await page.getByRole('link', { name: 'root' }).waitFor();
    expect(await page.getByRole('link', { name: 'Create user' }).count()).toBe(0);
    await page.goto(`${server.url}/console/#/keys`);
    await page.locator('main table').waitFor();
    expect(await page.getByRole('button', { name: 'Rotate signing keys' }).count()).toBe(0);

    // Hiding buttons is no protection: the API itself refuses the reader's token for every change.
    const api = adminClient(server.url, conformance, await accessTokenOf(page));
    expect((await api.get('/clients')).status).toBe(200);
    expect((await api.get('/audit')).status).toBe(200);
    expect((await api.get('/me')).body).toEqual(expect.objectContaining({ role: 'read-only', actor: `user:${ids.reader}` }));
    const changes = [
      await api.post('/clients', { client_name: 'not allowed', grant_types: ['client_credentials'] }),
      await api.post('/clients/gateway/secret'),
      await api.delete('/clients/gateway'),
      await api.patch(`/users/${ids.reader}`, { groups: ['admins'] }),
      await api.post('/keys/rotate', {}),
      await api.post('/initial-access-tokens', {}),
    ];
    for (const refused of changes) {
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ error: 'access_denied', error_description: 'read-only administrators cannot change anything' });
    }
    expect((await request(server.url).get(`/admin/users/${ids.reader}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`)).body.groups).toEqual(['auditors']);
    const refusals = (await request(server.url).get('/admin/audit?action=admin.authenticate').set('Authorization', `Bearer ${ADMIN_TOKEN}`)).body.events as { actor: string; outcome: string }[];
    expect(refusals.filter((event) => event.actor === `user:${ids.reader}` && event.outcome === 'failure').length).toBeGreaterThanOrEqual(changes.length);
    await page.context().close();
  });

  test('a user in no administrators\' group gets no admin API token: the console says why', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/console/`);
    await page.waitForURL(`${server.url}/interaction/**`);
    await signIn(page, 'bob', PASSWORD);
    await page.waitForURL(`${server.url}/console/callback**`);
    await page.getByRole('heading', { name: 'Sign-in failed' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('not an administrator');
    expect(await accessTokenOf(page)).toBe('');
    expect(await page.getByRole('button', { name: 'Sign in with another account' }).count()).toBe(1);
    await page.context().close();
  });

  test('group changes apply at the next call; disabling the user, revoking the grant or setting a password ends the token for good', async () => {
    const carol = (await adminPost('/users', { username: 'carol', password: PASSWORD, groups: ['admins'] }).expect(201)).body.id as string;
    const introspect = async (token: string) => (await request(server.url).post('/token/introspection')
      .auth('gateway', 'gateway-secret-0123456789abcdef').type('form').send({ token }).expect(200)).body.active as boolean;
    const consoleApi = async () => {
      const page = await signInToConsole('carol');
      const token = await accessTokenOf(page);
      await page.context().close();
      return { token, api: adminClient(server.url, conformance, token) };
    };

    let { token, api } = await consoleApi();
    await adminPatch(`/users/${carol}`, { groups: ['staff'] }).expect(200);
    expect((await api.get('/me')).status).toBe(403);
    await adminPatch(`/users/${carol}`, { groups: ['admins'] }).expect(200);
    expect((await api.get('/me')).body.role).toBe('full');
    // Disabling ends the user's grants: enabling again does not bring the old token back.
    await adminPatch(`/users/${carol}`, { disabled: true }).expect(200);
    expect((await api.get('/me')).status).toBe(401);
    await adminPatch(`/users/${carol}`, { disabled: false }).expect(200);
    expect((await api.get('/me')).status).toBe(401);
    expect(await introspect(token)).toBe(false);

    ({ token, api } = await consoleApi());
    expect((await api.get('/me')).status).toBe(200);
    const grants = (await request(server.url).get(`/admin/users/${carol}/grants`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200)).body.grants as { id: string; client_id: string }[];
    const consoleGrant = grants.find((grant) => grant.client_id === 'admin-console')!;
    await request(server.url).delete(`/admin/users/${carol}/grants/${consoleGrant.id}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(204);
    expect((await api.post('/users', { username: 'mallory', password: PASSWORD, groups: ['admins'] })).status).toBe(401);
    expect(await introspect(token)).toBe(false);

    ({ token, api } = await consoleApi());
    expect(await introspect(token)).toBe(true);
    await request(server.url).post(`/admin/users/${carol}/password`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ password: `${PASSWORD} renewed` }).expect(204);
    expect((await api.get('/clients')).status).toBe(401);
    expect(await introspect(token)).toBe(false);
  });

  test('signing out revokes the token, ends the session at the server and leaves the console signed out', async () => {
    const page = await signInToConsole('root');
    const token = await accessTokenOf(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.url}/session/end**`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.url}/console/**`);
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('console.session'))).toBeNull();
    expect((await adminClient(server.url, conformance, token).get('/me')).status).toBe(401);
    // Signing in again needs the password: the server's session is gone.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/interaction/**`);
    expect(await page.title()).toMatch(/^Sign in/);
    await page.context().close();
  });
});

describe('the admin console, switched off', () => {
  test('serves nothing and has no client', async () => {
    const [sqlite] = backends;
    const server = await startTestServer(sqlite!, { config: adminConfig({ console: { enabled: false } }) });
    try {
      await request(server.url).get('/console/').expect(404);
      await request(server.url).get('/console/favicon.svg').expect(404);
      await request(server.url).get('/admin/clients/admin-console').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(404);
    } finally {
      await server.destroy();
    }
  });
});
