// The token scenarios every server is compared on. The people scenarios (sign-in, refresh) are in
// ../bench-people.ts and people-benchmark.ts: only our server has users.
import type { ResourceServerConfig } from '../../src/configuration/index.js';
import { OPAQUE_API, ES256_API, RS256_API } from './configuration.js';
import { post, type ClientCredentials, type LoadRequest } from './requests.js';
import type { Backend, RunningServer } from './servers.js';

export interface Scenario {
  name: string;
  /** Whether a reference server can serve it (the ceiling only issues JWTs). */
  servedBy?(backend: Backend): boolean;
  /** The request to load the server with, after issuing whatever token it needs. */
  prepare(server: RunningServer, client: ClientCredentials): Promise<LoadRequest>;
}

export const RS256_ISSUANCE = issuanceScenario('client_credentials, JWT RS256', RS256_API);
export const ES256_ISSUANCE = issuanceScenario('client_credentials, JWT ES256', ES256_API);
export const OPAQUE_ISSUANCE = issuanceScenario('client_credentials, opaque', OPAQUE_API);
export const INTROSPECTION: Scenario = {
  name: 'introspection of an RS256 JWT',
  servedBy: (backend) => backend !== 'ceiling',
  async prepare(server, client) {
    // Bare oidc-provider answers a JWT with unsupported_token_type, so the baseline introspects an opaque token.
    const baseline = server.backend === 'baseline';
    const token = await issueToken(server.url, client, baseline ? OPAQUE_API : RS256_API);
    return {
      path: '/token/introspection',
      form: { token },
      problemWith: (body) => (body.active === true && body.client_id === client.id ? undefined : 'expected an active token of the client'),
      ...(baseline && { note: 'baseline introspects an OPAQUE token (bare oidc-provider: JWT -> unsupported_token_type)' }),
    };
  },
};
/** In the order of the report's rows. */
export const SCENARIOS: Scenario[] = [RS256_ISSUANCE, ES256_ISSUANCE, OPAQUE_ISSUANCE, INTROSPECTION];

function issuanceScenario(name: string, api: ResourceServerConfig): Scenario {
  return {
    name,
    servedBy: (backend) => backend !== 'ceiling' || api.accessTokenFormat === 'jwt',
    prepare: async () => ({ path: '/token', form: tokenRequestForm(api), problemWith: (body) => problemWithIssuedToken(body, api) }),
  };
}

function tokenRequestForm(api: ResourceServerConfig): Record<string, string> {
  return { grant_type: 'client_credentials', resource: api.resource, scope: api.scopes.join(' ') };
}

function problemWithIssuedToken(body: Record<string, unknown>, api: ResourceServerConfig): string | undefined {
  const token = body.access_token;
  if (typeof token !== 'string' || body.token_type !== 'Bearer') return 'expected a Bearer access_token';
  const segments = token.split('.');
  if (api.accessTokenFormat === 'opaque') return segments.length === 3 ? 'expected an opaque token, got a JWT' : undefined;
  if (segments.length !== 3) return 'expected a JWT';
  const header = JSON.parse(Buffer.from(segments[0]!, 'base64url').toString('utf8')) as { alg?: unknown };
  return header.alg === api.signingAlg ? undefined : `expected alg ${api.signingAlg}, got ${String(header.alg)}`;
}

async function issueToken(serverUrl: string, client: ClientCredentials, api: ResourceServerConfig): Promise<string> {
  const body = await post(`${serverUrl}/token`, client, tokenRequestForm(api));
  const problem = problemWithIssuedToken(body, api);
  if (problem) throw new Error(`token request for ${api.resource}: ${problem}`);
  return body.access_token as string;
}
