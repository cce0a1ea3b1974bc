import { backends } from '../support/backends.js';
import { IAT, register, registrationConfig } from '../support/registration.js';
import { BASIC_CLIENT, startTestServer, STANDARD_CONFIG, TEST_ENCRYPTION_KEY, type TestServer } from '../support/test-server.js';
import { issueToken } from '../support/tokens.js';

describe.each(backends)('nothing secret is stored in clear ($name)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    const config = registrationConfig() as { resourceServers: unknown[]; clients: unknown[] };
    config.resourceServers.push({ resource: 'https://opaque.example.com', scopes: ['opaque:read'], accessTokenFormat: 'opaque' });
    config.clients.push({ ...STANDARD_CONFIG.clients[0], scope: 'orders:read opaque:read' });
    server = await startTestServer(backend, { config });
  });
  afterAll(() => server.destroy());

  test('no client secret, token value, private key or master secret appears in the raw store', async () => {
    const opaque = await issueToken(server.url, {
      clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, resource: 'https://opaque.example.com', scope: 'opaque:read',
    });
    const jwt = await issueToken(server.url, { clientId: BASIC_CLIENT.id, clientSecret: BASIC_CLIENT.secret, scope: 'orders:read' });
    const registered = (await register(server.url, { grant_types: ['client_credentials'] }).expect(201)).body;
    await server.close();

    const dump = await backend.rawDump(server.settings);
    // The dump is real: it holds what was stored.
    expect(dump).toContain(BASIC_CLIENT.id);
    expect(dump).toContain(registered.client_id);
    expect(dump).toContain('hmac-sha256:');
    expect(dump).toContain('aes256gcm.');

    const secrets = [
      BASIC_CLIENT.secret,
      'gateway-secret-0123456789abcdef',
      opaque,
      jwt,
      jwt.split('.')[2]!,
      TEST_ENCRYPTION_KEY,
      IAT,
      registered.client_secret,
      registered.registration_access_token,
    ];
    for (const secret of secrets) expect(dump).not.toContain(secret);
    // Private JWK members would show as "d":"..." in a stored key.
    expect(dump).not.toMatch(/\\?"d\\?"\s*:/);
  });
});
