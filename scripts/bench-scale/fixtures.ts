// What a scale run's server is configured with: a JWT and an opaque resource server, a gateway that
// introspects, an admin token, and a master secret the populator shares (it hashes the secrets of
// the clients it writes with the server's own hasher).
import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ResourceServerConfig } from '../../src/configuration/index.js';
import type { ClientCredentials } from '../bench/requests.js';
import type { ScaleSettings } from './settings.js';

export const JWT_API: ResourceServerConfig = {
  resource: 'https://jwt.scale.example', scopes: ['jwt:read'], accessTokenFormat: 'jwt', accessTokenTtl: 3600, signingAlg: 'RS256', default: true,
};

export function opaqueApi(ttlSeconds: number): ResourceServerConfig {
  return { resource: 'https://opaque.scale.example', scopes: ['opaque:read'], accessTokenFormat: 'opaque', accessTokenTtl: ttlSeconds, signingAlg: 'RS256', default: false };
}

export interface RunSecrets {
  adminToken: string;
  encryptionKey: string;
  gateway: ClientCredentials;
  /** Derives each populated client's secret from its number, so that 1M secrets need not be kept. */
  clientSecret(index: number): string;
}

export function runSecrets(): RunSecrets {
  const seed = randomBytes(32);
  return {
    adminToken: randomBytes(24).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64url'),
    gateway: { id: 'scale-gateway', secret: randomBytes(24).toString('base64url') },
    clientSecret: (index) => createHmac('sha256', seed).update(String(index)).digest('base64url'),
  };
}

export const clientId = (index: number): string => `scale-${String(index).padStart(8, '0')}`;
export const clientName = (index: number): string => `Scale client ${index}`;

export function writeScaleConfiguration(
  workDir: string, secrets: RunSecrets, { tokenTtlSeconds, sweepIntervalSeconds, clientCacheEntries }: Pick<ScaleSettings, 'tokenTtlSeconds' | 'sweepIntervalSeconds' | 'clientCacheEntries'>,
): string {
  const path = join(workDir, 'config.json');
  writeFileSync(path, JSON.stringify({
    resourceServers: [JWT_API, opaqueApi(tokenTtlSeconds)],
    sweepIntervalSeconds,
    ...(clientCacheEntries === undefined ? {} : { clientCacheEntries }),
    // Registration at a million clients is the admin API's; self-registration's rate limit is not what is measured.
    registration: { mode: 'admin_only' },
    clients: [{
      client_id: secrets.gateway.id,
      client_secret: secrets.gateway.secret,
      scope: 'jwt:read opaque:read',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
  }, null, 2), { mode: 0o600 });
  return path;
}
