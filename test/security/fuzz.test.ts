import fc from 'fast-check';
import request from 'supertest';

import { ADMIN_TOKEN, adminConfig } from '../support/admin.js';
import { sqliteBackend } from '../support/backends.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { basicAuth, startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Property-based fuzzing of the endpoints anyone can reach (and the bridge): whatever arrives,
 * the answer is a 4xx or 2xx with a JSON body, never a 5xx. Bounded in examples, so the suite
 * stays fast; the seed is printed on failure (FUZZ_SEED reproduces a run, FUZZ_RUNS widens it).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const KONNECT_KEY = 'konnect-api-key-0123456789abcdef';
const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' };

const METADATA_FIELDS = [
  'redirect_uris', 'token_endpoint_auth_method', 'token_endpoint_auth_signing_alg', 'grant_types', 'response_types', 'client_name',
  'client_uri', 'logo_uri', 'scope', 'contacts', 'tos_uri', 'policy_uri', 'jwks_uri', 'jwks', 'software_id', 'software_version',
  'software_statement', 'client_id', 'client_secret', 'client_secret_expires_at', 'profile', 'allowed_resources', 'default_resource',
  'self_management', '__proto__', 'constructor',
];
const INTERESTING_STRINGS = [
  'client_credentials', 'authorization_code', 'refresh_token', 'implicit', 'private_key_jwt', 'client_secret_basic', 'none', 'code',
  'orders:read', 'orders:write', 'https://api.example.com', 'https://app.example.com/cb', 'http://localhost/cb', 'javascript:alert(1)',
  '', ' ', '\u0000', '%00', '../../etc/passwd', 'a'.repeat(3000), '{"$where":"1"}', 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.',
];
const numbers = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2 ** 53, 2 ** 63, -1, 0, 1e308, Number.MAX_SAFE_INTEGER + 2));
const leaf = fc.oneof(fc.string(), fc.constantFrom(...INTERESTING_STRINGS), numbers, fc.boolean(), fc.constant(null));
const jsonValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 })),
})).value;
const metadata = fc.dictionary(fc.constantFrom(...METADATA_FIELDS), fc.oneof(jsonValue, fc.array(fc.constantFrom(...INTERESTING_STRINGS), { maxLength: 3 })), { maxKeys: 8 });
const body = fc.oneof(
  { weight: 6, arbitrary: metadata.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: jsonValue.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`) },
  {
    weight: 1,
    // Deep nesting somewhere in an otherwise acceptable registration: in a key, a known or an unknown member.
    arbitrary: fc.tuple(fc.constantFrom(...METADATA_FIELDS, 'unknown_member'), fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('member', 'key', 'keys')).map(([field, depth, place]) => {
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const base = '"grant_types":["client_credentials"],"scope":"orders:read"';
      if (place === 'key') return `{${base},"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","${field}":${nested}}]}}`;
      if (place === 'keys') return `{${base},"jwks":{"keys":${nested}}}`;
      return `{${base},"${field}":${nested}}`;
    }),
  },
);
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', '');
const formValue = fc.oneof(fc.string(), fc.constantFrom(...INTERESTING_STRINGS));
const jwtLike = fc.tuple(jsonValue, jsonValue, fc.string()).map(([header, payload, signature]) =>
  [JSON.stringify(header), JSON.stringify(payload), signature].map((part) => Buffer.from(part).toString('base64url')).join('.'));

function assertWellFormed(label: string, response: RawResponse): void {
  if (response.status >= 500) throw new Error(`${label} answered ${response.status}: ${response.text.slice(0, 300)}`);
  if (response.status >= 400 && response.status !== 405 && !(response.json && typeof (response.json as { error?: unknown }).error === 'string')) {
    throw new Error(`${label} answered ${response.status} without a JSON error: ${response.text.slice(0, 300)}`);
  }
}

const form = (fields: Record<string, string>) => Object.entries(fields).map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');

describe('fuzzing the public endpoints and the bridge (sqlite)', () => {
  let server: TestServer;
  let client: { client_id: string; client_secret: string; registration_access_token: string };
  const options = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), interruptAfterTimeLimit: 20_000 };

  beforeAll(async () => {
    server = await startTestServer(sqliteBackend, {
      config: adminConfig({ registration: { mode: 'open', rateLimit: { maxRequests: 1_000_000 } }, konnect: { apiKeys: [KONNECT_KEY] } }),
    });
    client = (await request(server.url).post('/admin/clients').set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ grant_types: ['client_credentials'], scope: 'orders:read' }).expect(201)).body;
  });
  afterAll(() => server.destroy());

  test('POST /reg (open, no authentication) and PUT /reg/{id}', async () => {
    await fc.assert(fc.asyncProperty(body, contentType, async (payload, type) => {
      const headers: Record<string, string> = type ? { 'Content-Type': type } : {};
      assertWellFormed('POST /reg', await rawRequest(server.url, 'POST', '/reg', headers, payload));
      assertWellFormed('PUT /reg/{id}', await rawRequest(server.url, 'PUT', `/reg/${client.client_id}`, { ...headers, Authorization: 'Bearer not-a-valid-token' }, payload));
    }), options);
  });

  test('POST /token', async () => {
    const fields = fc.dictionary(fc.constantFrom('grant_type', 'scope', 'resource', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type', 'audience'), formValue, { maxKeys: 6 });
    await fc.assert(fc.asyncProperty(fields, fc.boolean(), fc.option(formValue), async (values, authenticate, secret) => {
      const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
      if (authenticate) headers.Authorization = basicAuth(client.client_id, secret ?? client.client_secret);
      assertWellFormed('POST /token', await rawRequest(server.url, 'POST', '/token', headers, form({ grant_type: 'client_credentials', ...values })));
    }), options);
  });

  test('POST /token/introspection and /token/revocation', async () => {
    const token = fc.oneof(formValue, jwtLike);
    await fc.assert(fc.asyncProperty(token, fc.option(fc.constantFrom('access_token', 'refresh_token', 'x')), fc.boolean(), async (value, hint, asGateway) => {
      const headers = {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: asGateway ? basicAuth(GATEWAY.id, GATEWAY.secret) : basicAuth(client.client_id, client.client_secret),
      };
      const fields: Record<string, string> = hint ? { token: value, token_type_hint: hint } : { token: value };
      assertWellFormed('POST /token/introspection', await rawRequest(server.url, 'POST', '/token/introspection', headers, form(fields)));
      assertWellFormed('POST /token/revocation', await rawRequest(server.url, 'POST', '/token/revocation', headers, form(fields)));
    }), options);
  });

  test('the Konnect bridge', async () => {
    const uuid = fc.uuid();
    const application = fc.record({
      redirect_uris: fc.array(fc.constantFrom(...INTERESTING_STRINGS), { maxLength: 3 }),
      client_name: formValue,
      grant_types: fc.array(fc.constantFrom('client_credentials', 'bearer', 'session', 'authorization_code', 'x'), { maxLength: 3 }),
      scopes: fc.array(fc.constantFrom('orders:read', 'orders:write', 'nope'), { maxLength: 3 }),
      token_endpoint_auth_method: fc.constantFrom('client_secret_basic', 'client_secret_post', 'private_key_jwt', ''),
      application_description: formValue,
      portal_id: uuid, organization_id: uuid, developer_id: uuid, auth_strategy_id: uuid, dcr_provider_id: uuid,
    }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(fc.oneof(application.map((value) => JSON.stringify(value)), body), async (payload) => {
      const headers = { 'Content-Type': 'application/json', 'X-API-KEY': KONNECT_KEY };
      const created = await rawRequest(server.url, 'POST', '/konnect', headers, payload);
      assertWellFormed('POST /konnect', created);
      const id = created.status === 201 ? (created.json as { client_id: string }).client_id : client.client_id;
      assertWellFormed('POST /konnect/{id}/event-hook', await rawRequest(server.url, 'POST', `/konnect/${id}/event-hook`, headers, payload));
      assertWellFormed('POST /konnect/{id}/new-secret', await rawRequest(server.url, 'POST', `/konnect/${id}/new-secret`, headers));
    }), options);
  });
});
