// The baseline: bare oidc-provider with the default in-memory adapter and the same resource servers
// and clients as ours, i.e. what oidc-provider costs before anything of ours is added.
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import Provider, { errors, type Configuration as ProviderConfiguration } from 'oidc-provider';

import type { SigningAlgorithm } from '../../src/configuration/index.js';
import type { BenchConfiguration } from './configuration.js';

export async function serveBaseline(port: number, configFile: string): Promise<void> {
  const configuration = JSON.parse(readFileSync(configFile, 'utf8')) as BenchConfiguration;
  const provider = new Provider(`http://127.0.0.1:${port}`, await baselineProviderConfiguration(configuration));
  createHttpServer(provider.callback()).listen(port);
}

async function baselineProviderConfiguration({ resourceServers, clients }: BenchConfiguration): Promise<ProviderConfiguration> {
  const byResource = new Map(resourceServers.map((api) => [api.resource, api]));
  const defaultApi = resourceServers.find((api) => api.default) ?? resourceServers[0]!;
  const accessTokenLifetime = (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number | undefined } | undefined }) =>
    token.resourceServer?.accessTokenTTL ?? defaultApi.accessTokenTtl;
  return {
    clients,
    jwks: { keys: await generateSigningKeys(['RS256', ...resourceServers.map((api) => api.signingAlg)]) },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clientAuthMethods: ['client_secret_basic'],
    scopes: ['openid', ...resourceServers.flatMap((api) => api.scopes)],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Ours lets every confidential client introspect; naming a policy also silences a start-up notice.
      introspection: { enabled: true, allowedPolicy: (_ctx, client) => client.clientAuthMethod !== 'none' },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => defaultApi.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          const api = byResource.get(resource);
          if (!api) throw new errors.InvalidTarget(`unknown resource "${resource}"`);
          return {
            scope: api.scopes.join(' '),
            audience: api.resource,
            accessTokenTTL: api.accessTokenTtl,
            accessTokenFormat: api.accessTokenFormat,
            jwt: { sign: { alg: api.signingAlg } },
          };
        },
      },
    },
    ttl: { AccessToken: accessTokenLifetime, ClientCredentials: accessTokenLifetime },
  };
}

/** One key per algorithm, RS256 first (oidc-provider signs with the first key of an algorithm). */
async function generateSigningKeys(algorithms: SigningAlgorithm[]): Promise<JWK[]> {
  const keys: JWK[] = [];
  for (const alg of new Set(algorithms)) {
    const options = alg === 'EdDSA' ? { crv: 'Ed25519' } : alg === 'RS256' ? { modulusLength: 2048 } : {};
    const { privateKey } = await generateKeyPair(alg, { ...options, extractable: true });
    keys.push({ ...(await exportJWK(privateKey)), alg, use: 'sig', kid: randomUUID() });
  }
  return keys;
}
