import request from 'supertest';

import { createClientAddressResolver, rateLimitKey } from '../../src/http/client-address.js';
import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { backends, sqliteBackend } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const CC = { grant_types: ['client_credentials'] };

describe('client addresses behind proxies', () => {
  const noHeaders = () => '';
  const headers = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  test('without trusted proxies every forwarding header is ignored', () => {
    const resolve = createClientAddressResolver(undefined);
    expect(resolve('203.0.113.9', headers({ 'x-forwarded-for': '198.51.100.1' }))).toBe('203.0.113.9');
    expect(resolve('::ffff:203.0.113.9', noHeaders)).toBe('203.0.113.9');
  });

  test('X-Forwarded-For is believed only from a trusted proxy, and only up to the nearest untrusted hop', () => {
    const resolve = createClientAddressResolver({ header: 'x-forwarded-for', addresses: ['10.0.0.0/8', '192.0.2.7'] });
    expect(resolve('10.1.2.3', headers({ 'x-forwarded-for': '198.51.100.1' }))).toBe('198.51.100.1');
    // A client cannot put itself first in the list: the nearest untrusted address wins.
    expect(resolve('10.1.2.3', headers({ 'x-forwarded-for': '1.1.1.1, 198.51.100.1, 192.0.2.7' }))).toBe('198.51.100.1');
    expect(resolve('203.0.113.9', headers({ 'x-forwarded-for': '198.51.100.1' }))).toBe('203.0.113.9');
    expect(resolve('10.1.2.3', headers({ 'x-forwarded-for': 'not-an-address' }))).toBe('10.1.2.3');
  });

  test('RFC 7239 Forwarded and X-Real-IP', () => {
    const forwarded = createClientAddressResolver({ header: 'forwarded', addresses: ['10.0.0.1'] });
    expect(forwarded('10.0.0.1', headers({ forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.1' }))).toBe('2001:db8:cafe::17');
    const realIp = createClientAddressResolver({ header: 'x-real-ip', addresses: ['10.0.0.1'] });
    expect(realIp('10.0.0.1', headers({ 'x-real-ip': '198.51.100.4' }))).toBe('198.51.100.4');
  });

  test('IPv6 clients are counted by their /64, IPv4 clients by their address', () => {
    expect(rateLimitKey('2001:db8:1:2:aaaa::1')).toBe(rateLimitKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(rateLimitKey('2001:db8:1:2::1')).not.toBe(rateLimitKey('2001:db8:1:3::1'));
    expect(rateLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateLimitKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(rateLimitKey('192.0.2.1')).not.toBe(rateLimitKey('192.0.2.2'));
  });
});

describe('open registration rate limit behind a trusted proxy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(sqliteBackend, {
      config: adminConfig({
        registration: { mode: 'open', rateLimit: { maxRequests: 2, windowSeconds: 60 } },
        http: { trustedProxies: { header: 'x-forwarded-for', addresses: ['127.0.0.1'] } },
      }),
    });
  });
  afterAll(() => server.destroy());

  const registerFrom = (address: string) => request(server.url).post('/reg').set('X-Forwarded-For', address).send(CC);

  test('each client behind the proxy has its own limit; an IPv6 /64 shares one', async () => {
    await registerFrom('198.51.100.1').expect(201);
    await registerFrom('198.51.100.1').expect(201);
    const limited = await registerFrom('198.51.100.1').expect(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    await registerFrom('198.51.100.2').expect(201);

    await registerFrom('2001:db8:5:6::1').expect(201);
    await registerFrom('2001:db8:5:6::2').expect(201);
    await registerFrom('2001:db8:5:6:ffff::3').expect(429);
    await registerFrom('2001:db8:5:7::1').expect(201);
  });
});

describe.each(backends)('the audit trail under a flood of failed authentications ($name)', (backend) => {
  let server: TestServer;
  let offsetMs = 0;
  beforeAll(async () => {
    server = await startTestServer(backend, {
      config: adminConfig({ audit: { failuresPerMinute: 5, retentionDays: 30 } }),
      now: () => new Date(Date.now() + offsetMs),
    });
  });
  afterAll(() => server.destroy());

  const events = async (action: string) =>
    (await request(server.url).get(`/admin/audit?action=${action}&limit=200`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200)).body.events as {
      actor: string; outcome: string; detail?: string; time: string;
    }[];

  test('past failuresPerMinute, failures are counted and summarised, not recorded one by one', async () => {
    for (let attempt = 0; attempt < 40; attempt += 1) {
      await request(server.url).get('/admin/clients').set('Authorization', 'Bearer wrong-token-0123456789abcdef').expect(401);
    }
    expect(await events('admin.authenticate')).toHaveLength(5);
    offsetMs = 61_000;
    await server.server.maintain();
    const recorded = await events('admin.authenticate');
    expect(recorded).toHaveLength(6);
    expect(recorded[0]).toEqual(expect.objectContaining({ actor: 'system:audit', outcome: 'failure', detail: expect.stringContaining('35 more failures') }));
  });

  test('events older than audit.retentionDays are deleted', async () => {
    await request(server.url).post('/admin/clients').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ ...CC, scope: 'orders:read' }).expect(201);
    expect((await events('client.create')).length).toBeGreaterThan(0);
    offsetMs += 31 * 86_400_000;
    await server.server.maintain();
    expect(await events('client.create')).toHaveLength(0);
    expect(await events('admin.authenticate')).toHaveLength(0);
  });
});
