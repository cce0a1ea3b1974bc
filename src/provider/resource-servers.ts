import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';

import type { ResourceServerConfig } from '../configuration/index.js';

type Client = KoaContextWithOIDC['oidc']['client'];

/** Our client metadata extensions that steer resource selection. */
interface ResourceLimits {
  default_resource?: unknown;
  allowed_resources?: unknown;
}

/**
 * RFC 8707 resource servers, as oidc-provider's resourceIndicators feature sees them. A token
 * request gets exactly the scopes it asks for, each of which both the client registered and the
 * resource server offers; anything else is invalid_scope, never silently narrowed.
 */
export function createResourceIndicators(resourceServers: readonly ResourceServerConfig[]) {
  const byResource = new Map(resourceServers.map((server) => [server.resource, server]));
  const defaultServer = resourceServers.find((server) => server.default) ?? resourceServers[0]!;

  return {
    enabled: true,
    /**
     * A client's own default (set by its registration policy) wins over the global one; a client
     * limited to some resources defaults to the first of them.
     */
    defaultResource: (_ctx: KoaContextWithOIDC, client: Client) => {
      const { default_resource: own, allowed_resources: allowed } = (client ?? {}) as ResourceLimits;
      if (typeof own === 'string' && byResource.has(own)) return own;
      if (Array.isArray(allowed) && !allowed.includes(defaultServer.resource)) return allowed.find((resource) => byResource.has(resource)) ?? defaultServer.resource;
      return defaultServer.resource;
    },
    useGrantedResource: () => true,
    getResourceServerInfo(ctx: KoaContextWithOIDC, resource: string, client: Client): ResourceServer {
      const server = byResource.get(resource);
      if (!server) throw new errors.InvalidTarget(`unknown resource "${resource}"`);
      const { allowed_resources: allowed } = (client ?? {}) as ResourceLimits;
      if (Array.isArray(allowed) && !allowed.includes(resource)) {
        throw new errors.InvalidTarget(`the client is not registered for resource "${resource}"`);
      }
      if (ctx.oidc.route === 'token') assertScopesGrantable(ctx.oidc.params?.scope, server, client);
      return {
        scope: server.scopes.join(' '),
        audience: server.resource,
        accessTokenTTL: server.accessTokenTtl,
        accessTokenFormat: server.accessTokenFormat,
        jwt: { sign: { alg: server.signingAlg } },
      };
    },
  };
}

function assertScopesGrantable(requested: unknown, server: ResourceServerConfig, client: Client): void {
  if (typeof requested !== 'string' || requested === '') return;
  const offered = new Set(server.scopes);
  const registered = new Set(client?.scope?.split(' ') ?? []);
  for (const scope of requested.split(' ')) {
    if (!scope) continue;
    if (!offered.has(scope)) {
      throw new errors.InvalidScope(`scope "${scope}" is not offered by resource ${server.resource}`, scope);
    }
    if (!registered.has(scope)) {
      throw new errors.InvalidScope(`scope "${scope}" is not registered for this client`, scope);
    }
  }
}

/** Every scope any resource server offers (oidc-provider's `scopes`, next to openid). */
export function allScopes(resourceServers: readonly ResourceServerConfig[]): string[] {
  return [...new Set(['openid', ...resourceServers.flatMap((server) => server.scopes)])];
}
