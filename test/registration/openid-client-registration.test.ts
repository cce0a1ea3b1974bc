import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';

import { backends } from '../support/backends.js';
import { IAT, registrationConfig } from '../support/registration.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe.each(backends)('openid-client dynamic registration ($name)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: registrationConfig() });
  });
  afterAll(() => server.destroy());

  test('dynamicClientRegistration with an initial access token, then client_credentials with the new client', async () => {
    const configuration = await oidc.dynamicClientRegistration(
      new URL(server.url),
      { grant_types: ['client_credentials'], scope: 'orders:read', client_name: 'openid-client app' },
      undefined,
      { initialAccessToken: IAT, execute: [oidc.allowInsecureRequests] },
    );
    const metadata = configuration.clientMetadata();
    expect(metadata.client_id).toEqual(expect.any(String));
    expect(metadata.client_secret).toEqual(expect.any(String));
    expect(metadata.registration_access_token).toEqual(expect.any(String));

    const tokens = await oidc.clientCredentialsGrant(configuration, { scope: 'orders:read' });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
      issuer: server.url, audience: 'https://api.example.com', typ: 'at+jwt',
    });
    expect(payload.client_id).toBe(metadata.client_id);
  });
});
