import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';

import { OPENID_CONNECT_SCOPES, type ResourceServerConfig } from '../configuration/index.js';

type Client = KoaContextWithOIDC['oidc']['client'];

/** Our client metadata extensions that steer resource selection. */
interface ResourceLimits {
  default_resource?: unknown;
  allowed_resources?: unknown;
  scope?: unknown;
}

/**
 * Whether a client may get tokens for a resource server at all. An administrator's
 * allowed_resources, when set, is the whole answer; otherwise the resource server its
 * registration policy defaults it to, and every resource server offering a scope it registered.
 * Nothing else: a token's aud is a grant of access for gateways that check only iss and aud.
 */
export function isEntitled(client: ResourceLimits | undefined, server: ResourceServerConfig): boolean {
  const { default_resource: own, allowed_resources: allowed, scope } = client ?? {};
  if (Array.isArray(allowed)) return allowed.includes(server.resource);
  if (own === server.resource) return true;
  const registered = new Set(typeof scope === 'string' ? scope.split(' ') : []);
  return server.scopes.some((offered) => registered.has(offered));
}

/**
 * RFC 8707 resource servers, as oidc-provider's resourceIndicators feature sees them. A token
 * request gets exactly the scopes it asks for, each of which both the client registered and the
 * resource server offers; anything else is invalid_scope, never silently narrowed.
 */
export function createResourceIndicators(
  resourceServers: readonly ResourceServerConfig[],
  /** Whether a sign-in by this client may get tokens for this resource (the admin API's: the console's only). */
  availableToSignIn: (resource: string, clientId: string | undefined) => boolean = () => true,
  /** Refuses (by throwing an OIDC error) a signed-in person this resource is not for, once the sign-in knows who it is. */
  admitPerson: (resource: string, accountId: string) => Promise<void> = async () => {},
) {
  const byResource = new Map(resourceServers.map((server) => [server.resource, server]));
  const defaultServer = resourceServers.find((server) => server.default) ?? resourceServers[0]!;

  return {
    enabled: true,
    /**
     * A client's own default (set by its registration policy) wins over the global one; a client
     * limited to some resources defaults to the first of them.
     */
    defaultResource: (ctx: KoaContextWithOIDC, client: Client) => {
      // A sign-in that asks for no resource server's scope wants an ID token and a token for
      // userinfo (which oidc-provider issues only without a resource), not an API token.
      if (AUTHORIZATION_ROUTES.has(ctx.oidc.route) && !asksForResourceScope(ctx.oidc.params?.scope, resourceServers)) return undefined;
      const limits = (client ?? {}) as ResourceLimits;
      if (typeof limits.default_resource === 'string' && byResource.has(limits.default_resource)) return limits.default_resource;
      if (isEntitled(limits, defaultServer)) return defaultServer.resource;
      // A client not entitled to the global default gets the first resource server it is entitled to.
      return resourceServers.find((server) => isEntitled(limits, server))?.resource ?? defaultServer.resource;
    },
    useGrantedResource: () => true,
    async getResourceServerInfo(ctx: KoaContextWithOIDC, resource: string, client: Client): Promise<ResourceServer> {
      const server = byResource.get(resource);
      if (!server) throw new errors.InvalidTarget(`unknown resource "${resource}"`);
      if (!isEntitled((client ?? undefined) as ResourceLimits | undefined, server)) {
        throw new errors.InvalidTarget(`the client is not entitled to tokens for resource "${resource}"`);
      }
      if (AUTHORIZATION_ROUTES.has(ctx.oidc.route)) {
        // The admin API's resource is for clients acting for themselves, and for the admin console's sign-ins only.
        if (!availableToSignIn(server.resource, client?.clientId)) throw new errors.InvalidTarget(`resource "${resource}" is not available to a sign-in`);
        const accountId = ctx.oidc.session?.accountId;
        if (accountId !== undefined) await admitPerson(server.resource, accountId);
        assertScopesGrantable(onlyOfferedScopes(ctx.oidc.params?.scope, resourceServers), server, client);
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

/** The authorization request, pushed (PAR) or first received, and then resumed after the sign-in pages. */
const AUTHORIZATION_ROUTES = new Set(['authorization', 'resume', 'pushed_authorization_request']);

/** The requested scopes some resource server offers (a sign-in's request also holds OpenID Connect scopes). */
function onlyOfferedScopes(requested: unknown, resourceServers: readonly ResourceServerConfig[]): string | undefined {
  if (typeof requested !== 'string') return undefined;
  const offered = new Set(resourceServers.flatMap((server) => server.scopes));
  return requested.split(' ').filter((scope) => offered.has(scope)).join(' ');
}

function asksForResourceScope(requested: unknown, resourceServers: readonly ResourceServerConfig[]): boolean {
  if (typeof requested !== 'string') return false;
  const scopes = new Set(requested.split(' '));
  return resourceServers.some((server) => server.scopes.some((scope) => scopes.has(scope)));
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

/** The OpenID Connect scopes of a sign-in (groups only when configured). */
export function openIdScopes(groups: boolean): string[] {
  return OPENID_CONNECT_SCOPES.filter((scope) => groups || scope !== 'groups');
}

/** Every scope: OpenID Connect's and every one a resource server offers (oidc-provider's `scopes`). */
export function allScopes(resourceServers: readonly ResourceServerConfig[], groups = true): string[] {
  return [...new Set([...openIdScopes(groups), ...resourceServers.flatMap((server) => server.scopes)])];
}
