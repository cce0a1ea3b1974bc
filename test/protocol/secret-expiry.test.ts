import request from 'supertest';

import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { basicAuth, startTestServer, type TestServer } from '../support/test-server.js';
import { introspect, requestToken, revoke } from '../support/tokens.js';

/**
 * client_secret_expires_at is a date this server set itself: the secret is refused from that
 * second on, by the fast paths and by oidc-provider's own pipeline alike (whose clock tolerance,
 * meant for other parties' clocks in JWTs, would otherwise keep it for a few more seconds).
 */
describe.each(backends)('an expired client secret is refused from its expiry second on ($name)', (backend) => {
  let frozenAt: number | undefined;
  const now = () => new Date(frozenAt ?? Date.now());
  const servers: TestServer[] = [];

  beforeAll(async () => {
    for (const fastPaths of [true, false]) servers.push(await startTestServer(backend, { config: adminConfig(), now, fastPaths }));
  });
  afterAll(async () => {
    for (const server of servers) await server.destroy();
  });
  afterEach(() => {
    frozenAt = undefined;
  });

  test.each([['with the fast paths', 0], ['through oidc-provider alone', 1]])('%s: token, introspection, revocation and PAR', async (_name, index) => {
    const server = servers[index as number]!;
    const expiresAt = Math.floor(Date.now() / 1000) + 1_000;
    const created = await request(server.url).post('/admin/clients').set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ grant_types: ['client_credentials'], scope: 'orders:read', client_secret_expires_at: expiresAt }).expect(201);
    const client = { id: created.body.client_id as string, secret: created.body.client_secret as string };
    const credentials = { clientId: client.id, clientSecret: client.secret, scope: 'orders:read' };

    // The last moment before it expires: every path takes the secret.
    frozenAt = expiresAt * 1000 - 1;
    const token = (await requestToken(server.url, credentials).expect(200)).body.access_token as string;
    expect((await introspect(server.url, token, client).expect(200)).body.active).toBe(true);

    // Its expiry second: refused everywhere, with invalid_client.
    frozenAt = expiresAt * 1000;
    const refusals = [
      await requestToken(server.url, credentials),
      await introspect(server.url, token, client),
      await revoke(server.url, token, client),
      await request(server.url).post('/request').set('Authorization', basicAuth(client.id, client.secret)).type('form')
        .send({ response_type: 'code', redirect_uri: 'https://app.example.com/cb', scope: 'openid' }),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(401);
      expect(refusal.body.error).toBe('invalid_client');
    }
  });
});
