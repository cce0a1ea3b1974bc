import { backends } from '../support/backends.js';
import { BASIC_CLIENT, startTestServer, STANDARD_CONFIG, TEST_ENCRYPTION_KEY, type TestServer } from '../support/test-server.js';
import { issueToken } from '../support/tokens.js';

describe.each(backends)('nothing secret is stored in clear ($name)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: STANDARD_CONFIG });
  });
  afterAll(() => server.destroy());

  test('no client secret, token value, private key or master secret appears in the raw store', async () => {
    const opaque = await issueToken(server.url, {
      clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, resource: 'https://opaque.example.com', scope: 'opaque:read',
    });
    const jwt = await issueToken(server.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, scope: 'orders:read' });
    await server.close();

    const dump = await backend.rawDump(server.settings);
    // The dump is real: it holds what was stored.
    expect(dump).toContain(BASIC_CLIENT.id);
    expect(dump).toContain('hmac-sha256:');
    expect(dump).toContain('aes256gcm.');

    const secrets = [
      ...STANDARD_CONFIG.clients.map((client) => client.client_secret),
      opaque,
      jwt,
      jwt.split('.')[2]!,
      TEST_ENCRYPTION_KEY,
    ];
    for (const secret of secrets) expect(dump).not.toContain(secret);
    // Private JWK members would show as "d":"..." in a stored key.
    expect(dump).not.toMatch(/\\?"d\\?"\s*:/);
  });
});
