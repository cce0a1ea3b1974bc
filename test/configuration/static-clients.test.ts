import request from 'supertest';

import { ADMIN_TOKEN } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { startTestServer } from '../support/test-server.js';
import { issueToken, requestToken } from '../support/tokens.js';

const API = { resource: 'https://api.example.com', scopes: ['orders:read'], default: true };
const staying = { client_id: 'staying', client_secret: 'staying-secret-0123456789abcdef', scope: 'orders:read' };
const leaving = { client_id: 'leaving', client_secret: 'leaving-secret-0123456789abcdef', scope: 'orders:read' };

describe.each(backends)('the configuration file is the source of truth for static clients ($name)', (backend) => {
  test('a static client that left the file is removed at start-up, with what was issued to it', async () => {
    const first = await startTestServer(backend, { config: { adminTokens: [ADMIN_TOKEN], resourceServers: [API], clients: [staying, leaving] } });
    const settings = first.settings;
    await issueToken(first.url, { clientId: leaving.client_id, clientSecret: leaving.client_secret });
    // A client made through the admin API is never touched by the file.
    const dynamic = (await request(first.url).post('/admin/clients').set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ grant_types: ['client_credentials'], scope: 'orders:read' }).expect(201)).body;
    await first.close();

    const second = await startTestServer(backend, { config: { adminTokens: [ADMIN_TOKEN], resourceServers: [API], clients: [staying] }, settings });
    try {
      await request(second.url).get('/admin/clients/leaving').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(404);
      expect((await requestToken(second.url, { clientId: leaving.client_id, clientSecret: leaving.client_secret })).status).toBe(401);
      await issueToken(second.url, { clientId: staying.client_id, clientSecret: staying.client_secret });
      await issueToken(second.url, { clientId: dynamic.client_id, clientSecret: dynamic.client_secret });
    } finally {
      await second.destroy();
    }
  });
});
