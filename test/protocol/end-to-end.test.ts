import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';

import { backends } from '../support/backends.js';
import { BASIC_CLIENT, GATEWAY_CLIENT, startTestServer, STANDARD_CONFIG, type TestServer } from '../support/test-server.js';

/**
 * The whole path with real third-party parts: openid-client discovers the server and performs the
 * client_credentials grant; jose validates the token against the JWKS as a gateway does.
 */
describe.each(backends)('end to end with openid-client and jose ($name)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: STANDARD_CONFIG });
  });
  afterAll(() => server.destroy());

  test('discover, get a token, validate it offline, introspect and revoke it', async () => {
    const configuration = await oidc.discovery(
      new URL(server.url), BASIC_CLIENT.id, undefined, oidc.ClientSecretBasic(BASIC_CLIENT.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const metadata = configuration.serverMetadata();
    expect(metadata.issuer).toBe(server.url);

    const tokens = await oidc.clientCredentialsGrant(configuration, { scope: 'orders:read' });
    expect(tokens.token_type).toBe('bearer');

    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: server.url,
      audience: 'https://api.example.com',
      typ: 'at+jwt',
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toEqual(expect.objectContaining({ client_id: BASIC_CLIENT.id, scope: 'orders:read', 'app.clientId': BASIC_CLIENT.id }));

    const gateway = await oidc.discovery(
      new URL(server.url), GATEWAY_CLIENT.id, undefined, oidc.ClientSecretBasic(GATEWAY_CLIENT.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const active = await oidc.tokenIntrospection(gateway, tokens.access_token);
    expect(active).toEqual(expect.objectContaining({ active: true, client_id: BASIC_CLIENT.id, 'app.clientId': BASIC_CLIENT.id }));

    await oidc.tokenRevocation(configuration, tokens.access_token);
    expect(await oidc.tokenIntrospection(gateway, tokens.access_token)).toEqual({ active: false });
  });

  test('an RFC 8707 resource selects the audience and the signing algorithm', async () => {
    const configuration = await oidc.discovery(
      new URL(server.url), BASIC_CLIENT.id, undefined, oidc.ClientSecretBasic(BASIC_CLIENT.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const tokens = await oidc.clientCredentialsGrant(configuration, { scope: 'es:read', resource: 'https://es.example.com' });
    const { protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
      issuer: server.url, audience: 'https://es.example.com', typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
  });
});
