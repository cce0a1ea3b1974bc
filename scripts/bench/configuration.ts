// The resource servers and clients every server under test is configured with: our server reads the
// file as its CONFIG_FILE, and the baseline and the ceiling read the same file, so all of them issue
// the same tokens to the same clients.
import type { ClientMetadata } from 'oidc-provider';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ResourceServerConfig } from '../../src/configuration/index.js';
import { benchUsers, peopleClientMetadata } from '../bench-people.js';
import type { ClientCredentials } from './requests.js';

export const RS256_API: ResourceServerConfig = {
  resource: 'https://rs256.bench.example', scopes: ['rs256:read'], accessTokenFormat: 'jwt', accessTokenTtl: 3600, signingAlg: 'RS256', default: true,
};
export const ES256_API: ResourceServerConfig = {
  resource: 'https://es256.bench.example', scopes: ['es256:read'], accessTokenFormat: 'jwt', accessTokenTtl: 3600, signingAlg: 'ES256', default: false,
};
export const OPAQUE_API: ResourceServerConfig = {
  resource: 'https://opaque.bench.example', scopes: ['opaque:read'], accessTokenFormat: 'opaque', accessTokenTtl: 3600, signingAlg: 'RS256', default: false,
};
export const RESOURCE_SERVERS = [RS256_API, ES256_API, OPAQUE_API];

/** The configuration file both our server and the baseline are started with. */
export interface BenchConfiguration {
  resourceServers: ResourceServerConfig[];
  clients: ClientMetadata[];
  users?: Record<string, unknown>[];
}

export function writeConfiguration(workDir: string, client: ClientCredentials, peopleClient: ClientCredentials): string {
  const configuration: BenchConfiguration = {
    resourceServers: RESOURCE_SERVERS,
    clients: [{
      client_id: client.id,
      client_secret: client.secret,
      scope: RESOURCE_SERVERS.flatMap((api) => api.scopes).join(' '),
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }, peopleClientMetadata(peopleClient.secret)],
    users: benchUsers(),
  };
  const path = join(workDir, 'config.json');
  writeFileSync(path, JSON.stringify(configuration, null, 2), { mode: 0o600 });
  return path;
}
