import request from 'supertest';

import { silentLogger, type Logger } from '../../src/logging/index.js';
import { ADMIN_TOKEN } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { startTestServer } from '../support/test-server.js';
import { issueToken, requestToken } from '../support/tokens.js';

const API = { resource: 'https://api.example.com', scopes: ['orders:read'], default: true };
const staying = { client_id: 'staying', client_secret: 'staying-secret-0123456789abcdef', scope: 'orders:read' };
const leaving = { client_id: 'leaving', client_secret: 'leaving-secret-0123456789abcdef', scope: 'orders:read' };
const alsoLeaving = { client_id: 'also-leaving', client_secret: 'also-leaving-secret-0123456789ab', scope: 'orders:read' };

/** A logger that keeps the warnings it is given. */
function recordingLogger() {
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = { ...silentLogger, warn: (message, fields) => warnings.push({ message, fields }) };
  return { logger, warnings };
}

describe.each(backends)('the configuration file is the source of truth for static clients ($name)', (backend) => {
  test('static clients that left the file are kept, and named, until a start-up is told to prune them', async () => {
    const first = await startTestServer(backend, { config: { adminTokens: [ADMIN_TOKEN], resourceServers: [API], clients: [staying, leaving, alsoLeaving] } });
    const settings = first.settings;
    await issueToken(first.url, { clientId: leaving.client_id, clientSecret: leaving.client_secret });
    // A client made through the admin API is never touched by the file.
    const dynamic = (await request(first.url).post('/admin/clients').set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ grant_types: ['client_credentials'], scope: 'orders:read' }).expect(201)).body;
    await first.close();

    // Another configuration file on the same data: nothing is deleted, the clients it lacks are named.
    const { logger, warnings } = recordingLogger();
    const second = await startTestServer(backend, { config: { adminTokens: [ADMIN_TOKEN], resourceServers: [API], clients: [staying] }, settings, logger });
    await request(second.url).get('/admin/clients/leaving').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    await issueToken(second.url, { clientId: leaving.client_id, clientSecret: leaving.client_secret });
    expect(warnings).toEqual([expect.objectContaining({
      message: expect.stringContaining('--prune-static-clients'), fields: { clientIds: expect.arrayContaining(['leaving', 'also-leaving']) },
    })]);
    // No longer the file's: an administrator can rotate its secret (and delete it).
    await request(second.url).post('/admin/clients/also-leaving/secret').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    await request(second.url).post('/admin/clients/staying/secret').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(409);
    await second.close();

    // Still remembered at the next start: a start-up told to prune deletes them and what they were issued.
    const third = await startTestServer(backend, {
      config: { adminTokens: [ADMIN_TOKEN], resourceServers: [API], clients: [staying], pruneStaticClients: true }, settings,
    });
    try {
      await request(third.url).get('/admin/clients/leaving').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(404);
      await request(third.url).get('/admin/clients/also-leaving').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(404);
      expect((await requestToken(third.url, { clientId: leaving.client_id, clientSecret: leaving.client_secret })).status).toBe(401);
      await issueToken(third.url, { clientId: staying.client_id, clientSecret: staying.client_secret });
      await issueToken(third.url, { clientId: dynamic.client_id, clientSecret: dynamic.client_secret });
    } finally {
      await third.destroy();
    }
  });

  test('the console\'s own client goes when the console is switched off, without pruning', async () => {
    const first = await startTestServer(backend, { config: { adminTokens: [ADMIN_TOKEN], resourceServers: [API] } });
    await request(first.url).get('/admin/clients/admin-console').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    await first.close();
    const second = await startTestServer(backend, { config: { adminTokens: [ADMIN_TOKEN], resourceServers: [API], console: { enabled: false } }, settings: first.settings });
    try {
      await request(second.url).get('/admin/clients/admin-console').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(404);
    } finally {
      await second.destroy();
    }
  });

  test('the admin API shows a static client\'s effective metadata, defaults included', async () => {
    const server = await startTestServer(backend, { config: { adminTokens: [ADMIN_TOKEN], resourceServers: [API], clients: [staying] } });
    try {
      const { body } = await request(server.url).get('/admin/clients/staying').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
      expect(body).toEqual(expect.objectContaining({
        grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic', scope: 'orders:read',
      }));
    } finally {
      await server.destroy();
    }
  });
});
