import { ConfigurationError, loadConfiguration } from '../../src/configuration/index.js';

const load = (file: unknown, env: Record<string, string> = {}) =>
  loadConfiguration({ env: { CONFIG_FILE: 'config.json', ...env }, readFile: () => JSON.stringify(file) });

function expectConfigurationError(run: () => unknown, key: string, fragment?: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigurationError);
  const error = caught as ConfigurationError;
  expect(error.key).toBe(key);
  expect(error.message).toContain(key);
  if (fragment) expect(error.message).toContain(fragment);
}

describe('configuration', () => {
  test('defaults apply without a file', () => {
    const configuration = loadConfiguration({ env: {} });
    expect(configuration).toEqual(expect.objectContaining({
      port: 3000,
      issuer: 'http://localhost:3000',
      dataDir: './data',
      adminTokens: [],
      logLevel: 'info',
      claims: [],
      clients: [],
    }));
    expect(configuration.registration).toEqual({
      mode: 'initial_access_token',
      openPolicy: 'default',
      policies: {},
      initialAccessTokens: [],
      rotateRegistrationAccessToken: true,
      rateLimit: { windowSeconds: 60, maxRequests: 20 },
      softwareStatements: { required: false, trustedIssuers: [] },
    });
    expect(configuration.mongodbUri).toBeUndefined();
    expect(configuration.console).toEqual({ enabled: true, adminGroups: ['admins'], readOnlyGroups: [] });
    expect(configuration.resourceServers).toEqual([{
      resource: 'api://default', scopes: ['api:read', 'api:write'], default: true,
      accessTokenFormat: 'jwt', accessTokenTtl: 3600, signingAlg: 'RS256',
    }]);
  });

  test('the issuer follows PORT by default', () => {
    expect(loadConfiguration({ env: { PORT: '4100' } }).issuer).toBe('http://localhost:4100');
  });

  test('environment variables override the file', () => {
    const configuration = load(
      { port: 1, issuer: 'https://file.example', dataDir: '/file', adminTokens: ['file-token-0123456789'] },
      {
        PORT: '8080', ISSUER: 'https://env.example', DATA_DIR: '/env', ADMIN_TOKEN: 'token-one-0123456789, token-two-0123456789',
        MONGODB_URI: 'mongodb://db/x', ENCRYPTION_KEY: 'an-encryption-key-of-32-characters-or-more',
      },
    );
    expect(configuration).toEqual(expect.objectContaining({
      port: 8080, issuer: 'https://env.example', dataDir: '/env', mongodbUri: 'mongodb://db/x',
      adminTokens: ['token-one-0123456789', 'token-two-0123456789'],
    }));
  });

  test('per-item defaults fill resource servers', () => {
    const { resourceServers } = load({ resourceServers: [{ resource: 'https://a.example', scopes: ['a'] }] });
    expect(resourceServers[0]).toEqual({
      resource: 'https://a.example', scopes: ['a'], accessTokenFormat: 'jwt', accessTokenTtl: 3600, signingAlg: 'RS256', default: true,
    });
  });

  const invalidFiles: [string, unknown, string, string?][] = [
    ['an unknown top-level key', { colour: 'blue' }, 'colour', 'unknown key'],
    ['an unknown nested key', { resourceServers: [{ resource: 'https://a.example', scopes: [], audience: 'x' }] }, 'resourceServers[0].audience', 'unknown key'],
    ['a wrong type', { port: 'eighty' }, 'port', 'integer'],
    ['a wrong enum value', { resourceServers: [{ resource: 'https://a.example', scopes: [], signingAlg: 'HS256' }] }, 'resourceServers[0].signingAlg', 'RS256'],
    ['a missing required value', { resourceServers: [{ scopes: ['a'] }] }, 'resourceServers[0].resource', 'required'],
    ['a relative resource', { resourceServers: [{ resource: 'not a uri', scopes: [] }] }, 'resourceServers[0].resource'],
    ['two defaults', { resourceServers: [{ resource: 'https://a.example', scopes: [], default: true }, { resource: 'https://b.example', scopes: [], default: true }] }, 'resourceServers[1].default'],
    ['no default among several', { resourceServers: [{ resource: 'https://a.example', scopes: [] }, { resource: 'https://b.example', scopes: [] }] }, 'resourceServers'],
    ['a duplicate resource', { resourceServers: [{ resource: 'https://a.example', scopes: [], default: true }, { resource: 'https://a.example', scopes: [] }] }, 'resourceServers[1].resource'],
    ['a bad registration mode', { registration: { mode: 'closed' } }, 'registration.mode', 'admin_only'],
    ['a claim with an unknown expression', { claims: [{ name: 'cid', value: 'app.secret' }] }, 'claims[0].value', 'cid'],
    ['a claim with a syntax error', { claims: [{ name: 'cid', value: '"unterminated' }] }, 'claims[0].value', 'cid'],
    ['a claim overwriting a registered claim', { claims: [{ name: 'sub', value: 'app.clientId' }] }, 'claims[0].name', 'registered'],
    ['a claim for an unknown resource', { claims: [{ name: 'cid', value: 'app.clientId', resources: ['https://nope.example'] }] }, 'claims[0].resources[0]'],
    ['a static client without a secret', { clients: [{ client_id: 'c' }] }, 'clients[0].client_secret'],
    ['a static client taking the console\'s client id', { clients: [{ client_id: 'admin-console', client_secret: 'x'.repeat(32) }] }, 'clients[0].client_id', 'admin console'],
    ['a console group that is no string', { console: { adminGroups: [''] } }, 'console.adminGroups[0]'],
    ['a metrics port equal to the main one', { port: 4000, metrics: { port: 4000 } }, 'metrics.port', 'differ'],
    ['an unknown console key', { console: { adminGroup: 'admins' } }, 'console.adminGroup', 'unknown key'],
    ['an issuer with a path', { issuer: 'https://as.example/tenant' }, 'issuer'],
    ['an issuer with a trailing slash', { issuer: 'https://as.example/' }, 'issuer'],
    ['a short encryption key', { encryptionKey: 'short' }, 'encryptionKey'],
    ['an unknown open policy', { registration: { openPolicy: 'nope' } }, 'registration.openPolicy'],
    ['an initial access token naming an unknown policy', { registration: { initialAccessTokens: [{ id: 'a', token: 'x'.repeat(32), policies: ['nope'] }] } }, 'registration.initialAccessTokens[0].policies[0]'],
    ['a policy scope nobody offers', { registration: { policies: { partners: { scopes: ['nope'] } } } }, 'registration.policies.partners.scopes[0]'],
    ['a policy default scope outside its scopes', { registration: { policies: { partners: { scopes: ['api:read'], defaultScope: 'api:write' } } } }, 'registration.policies.partners.defaultScope'],
    ['a policy default resource nobody serves', { registration: { policies: { partners: { defaultResource: 'https://nope.example' } } } }, 'registration.policies.partners.defaultResource'],
    ['a trusted issuer without keys', { registration: { softwareStatements: { trustedIssuers: [{ issuer: 'x' }] } } }, 'registration.softwareStatements.trustedIssuers[0]'],
    ['a short initial access token', { registration: { initialAccessTokens: [{ id: 'a', token: 'short' }] } }, 'registration.initialAccessTokens[0].token'],
    ['an imported password hash costing minutes a check', {
      users: [{ username: 'ann', passwordHash: '$scrypt$ln=20,r=32,p=16$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U' }],
    }, 'users[0].passwordHash', 'parameters outside'],
    ['a password hash in another format', { users: [{ username: 'ann', passwordHash: '$2b$12$abcdefghijklmnopqrstuv' }] }, 'users[0].passwordHash', 'not a hash in the server'],
  ];
  test.each(invalidFiles.map(([label, file, key, fragment]) => [label, file, key, fragment ?? ''] as const))(
    '%s stops start-up naming the key',
    (_label, file, key, fragment) => {
      expectConfigurationError(() => load(file), key, fragment || undefined);
    },
  );

  test('an invalid PORT names the variable', () => {
    expectConfigurationError(() => loadConfiguration({ env: { PORT: 'abc' } }), 'PORT');
  });

  test('PRUNE_STATIC_CLIENTS is true or false, and names itself otherwise', () => {
    expect(loadConfiguration({ env: {} }).pruneStaticClients).toBe(false);
    expect(loadConfiguration({ env: { PRUNE_STATIC_CLIENTS: 'true' } }).pruneStaticClients).toBe(true);
    expectConfigurationError(() => loadConfiguration({ env: { PRUNE_STATIC_CLIENTS: 'yes' } }), 'PRUNE_STATIC_CLIENTS');
  });

  test('an unreadable or malformed file names CONFIG_FILE', () => {
    expectConfigurationError(() => loadConfiguration({ env: { CONFIG_FILE: 'x.json' }, readFile: () => '{ nope' }), 'CONFIG_FILE', 'not valid JSON');
    expectConfigurationError(() => loadConfiguration({ env: { CONFIG_FILE: 'x.json' }, readFile: () => { throw new Error('ENOENT'); } }), 'CONFIG_FILE', 'ENOENT');
    expectConfigurationError(() => loadConfiguration({ env: { CONFIG_FILE: 'x.json' }, readFile: () => '[]' }), 'CONFIG_FILE', 'object');
  });
});
