import Provider, { errors, type Configuration as ProviderConfiguration, type KoaContextWithOIDC } from 'oidc-provider';

import { personClaimNames, type ClaimMapper } from '../claims/index.js';
import type { Configuration, ResourceServerConfig } from '../configuration/index.js';
import type { SigningKeySet } from '../keys/index.js';
import type { Platform } from '../platform/index.js';
import { deriveKey } from '../secrets/index.js';
import type { UserRecord } from '../storage/index.js';
import type { AccessTokenVerifier } from './access-token-verifier.js';
import { createAdapterFactory } from './adapter.js';
import { EXTRA_CLIENT_METADATA, validateExtraClientMetadata } from './client-metadata.js';
import { reuseClientInstances } from './client-instances.js';
import { compareHashedClientSecrets } from './client-secrets.js';
import { invalidClientStatus } from './invalid-client-status.js';
import { afterBrowserRoute, beforeBrowserRoute } from './browser-endpoints.js';
import { createErrorRenderer } from './render-error.js';
import { isBrowserEndpoint } from './routes.js';
import { forProvider, providerEdges } from './store-errors.js';
import { allScopes, createResourceIndicators } from './resource-servers.js';
import { claimsByScope, peopleConfiguration } from './people.js';
import { CLIENT_DEFAULTS } from './client-defaults.js';
import { claimsParameter } from './claims-parameter.js';
import { clientIdMetadataDocuments } from './client-id-metadata.js';
import { clientResourceFetch } from './outbound-fetch.js';
import { resolvePolicies } from '../registration/index.js';
import type { Pages } from '../interactions/pages.js';
import { structuredTokenSupport } from './structured-tokens.js';
import { issuedUnderCurrentRegistration } from './token-liveness.js';
import { createExtraTokenClaims } from './token-claims.js';
import { introspectionAllowedPolicy, revocationAllowedPolicy } from './token-policies.js';

type FindUser = (id: string) => Promise<UserRecord | undefined>;

/** The admin console's sign-ins, the only ones that may get a token for the admin API: its client, and who holds a console role. */
export interface AdministratorSignIns {
  clientId: string;
  rolesOf(findUser: FindUser): (userId: string) => Promise<unknown>;
}

export interface ProviderDependencies {
  /** The configuration, the store and its caches, the secrets, the clock and the resource servers (the admin API's too). */
  platform: Platform;
  keys: SigningKeySet;
  claimMapper: ClaimMapper;
  verifier: AccessTokenVerifier;
  /** The user a sub names (sign-in, ID tokens, userinfo, refresh). */
  findUser: FindUser;
  pages: Pages;
  /** None when the console is off: then no sign-in gets the admin API's resource. */
  administratorSignIns?: AdministratorSignIns | undefined;
  onIntrospected?: ((active: boolean) => void) | undefined;
}

export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;

/** The oidc-provider instance: client credentials for machines, the authorization code flow for people. */
export function createProvider(dependencies: ProviderDependencies): Provider {
  const { platform, keys, claimMapper, verifier, pages, administratorSignIns } = dependencies;
  const { configuration, resourceServers, store, clients, now, secrets: { hasher, box, masterSecret } } = platform;
  let provider: Provider | undefined;
  // oidc-provider renders an error of its own as itself, anything else as 500: a store outage met
  // in its hooks (accounts, remembered consent, claims) must reach it as its 503.
  const findUser = (id: string) => forProvider(() => dependencies.findUser(id));
  const documents = clientIdMetadataDocuments(
    configuration.clientIdMetadataDocuments,
    resolvePolicies(configuration).get(configuration.clientIdMetadataDocuments.policy)!,
    clientResourceFetch(configuration.outboundFetch),
  );
  const people = peopleConfiguration({ signIn: configuration.signIn, findUser, models: store.models, pages, claimMapper });
  const groups = configuration.signIn.groupsClaim;

  const scopeClaims = claimsByScope(groups, personClaimNames(configuration.claims));
  const providerConfiguration = {
    adapter: createAdapterFactory({ models: store.models, clients, hasher, box, now }),
    jwks: { keys: keys.privateJwks },
    cookies: { keys: [deriveKey(masterSecret, 'cookies').toString('base64url')] },
    clientAuthMethods: [...CLIENT_AUTH_METHODS],
    clientDefaults: { ...CLIENT_DEFAULTS, grant_types: [...CLIENT_DEFAULTS.grant_types], response_types: [] },
    // The authorization code flow only: no implicit or hybrid flow is even advertised.
    responseTypes: ['code'],
    scopes: allScopes(resourceServers, groups),
    claims: scopeClaims,
    // Scope claims go into the ID token too (as Keycloak does), not only to userinfo.
    conformIdTokenClaims: false,
    // A sign-in is a password (interactions/routes.ts): its acr, advertised and put in ID tokens.
    acrValues: [configuration.signIn.passwordAcr],
    findAccount: people.findAccount,
    interactions: people.interactions,
    pkce: people.pkce,
    issueRefreshToken: people.issueRefreshToken,
    rotateRefreshToken: people.rotateRefreshToken,
    loadExistingGrant: people.loadExistingGrant,
    extraClientMetadata: { properties: [...EXTRA_CLIENT_METADATA], validator: validateExtraClientMetadata },
    extraTokenClaims: createExtraTokenClaims(() => provider!, claimMapper, findUser),
    features: {
      devInteractions: { enabled: false },
      clientIdMetadataDocument: documents.feature,
      rpInitiatedLogout: people.rpInitiatedLogout,
      userinfo: { enabled: true },
      // Signed userinfo (Core §5.3.2) for clients registered with userinfo_signed_response_alg.
      jwtUserinfo: { enabled: true },
      // OpenID Connect Core §5.5: claims asked for one by one, within the client's registered
      // scope; the consent page lists them.
      claimsParameter: claimsParameter(scopeClaims),
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowedPolicy },
      revocation: { enabled: true, allowedPolicy: revocationAllowedPolicy },
      resourceIndicators: createResourceIndicators(
        resourceServers, availableToSignIn(configuration, resourceServers, administratorSignIns), onlyAdministrators(configuration, resourceServers, findUser, administratorSignIns),
      ),
    },
    ttl: { ...accessTokenLifetimes(resourceServers), ...people.ttl },
    renderError: createErrorRenderer(pages),
    clientBasedCORS: browserOriginAllowed,
    fetch: documents.fetch,
    discovery: configuration.registration.mode === 'admin_only' ? {} : { registration_endpoint: `${configuration.issuer}/reg` },
  } as unknown as ProviderConfiguration;

  provider = new Provider(configuration.issuer, providerConfiguration);
  // Request URLs are rewritten to the issuer's origin before they reach the provider
  // (http/canonical-origin.ts); trusting the forwarded headers we set is how its protocol follows.
  provider.proxy = true;
  compareHashedClientSecrets(provider, hasher, now);
  // As many models as records: a record in the cache whose model was dropped would be built again.
  reuseClientInstances(provider, clients, configuration.clientCacheEntries);


  const structured = structuredTokenSupport({
    verifier,
    revocations: platform.revocations,
    issuedUnderCurrentRegistration: issuedUnderCurrentRegistration(clients),
    isActiveUser: async (userId) => (await findUser(userId))?.disabled === false,
    // Through oidc-provider's model: the store keeps grants under a keyed hash of their id.
    isLiveGrant: async (grantId) => (await provider!.Grant.find(grantId)) !== undefined,
    onIntrospected: dependencies.onIntrospected,
  });
  const renderError = createErrorRenderer(pages);
  provider.use(providerEdges({
    beforeRoute: beforeBrowserRoute,
    async afterRoute(ctx) {
      afterBrowserRoute(ctx);
      invalidClientStatus(ctx);
      await structured.afterRoute(ctx);
    },
    renderPage(ctx, error) {
      if (!isBrowserEndpoint(ctx.path) || ctx.accepts('json', 'html') !== 'html') return false;
      renderError(ctx, error);
      return true;
    },
  }) as unknown as Parameters<Provider['use']>[0]);
  provider.on('introspection.error', structured.onEndpointError as never);
  provider.on('revocation.error', structured.onEndpointError as never);
  return provider;
}

/**
 * Access tokens live as long as their resource server says (RFC 8707 resolution always yields
 * one). Every other lifetime is set too, so that oidc-provider never falls back to a default
 * (and prints a notice about it).
 */
function accessTokenLifetimes(resourceServers: readonly ResourceServerConfig[]) {
  const fallback = (resourceServers.find((server) => server.default) ?? resourceServers[0]!).accessTokenTtl;
  const lifetime = (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) => token.resourceServer?.accessTokenTTL ?? fallback;
  const DAY = 86_400;
  return {
    AccessToken: lifetime,
    ClientCredentials: lifetime,
    AuthorizationCode: 60,
    BackchannelAuthenticationRequest: 600,
    DeviceCode: 600,
    Grant: 14 * DAY,
    IdToken: 3_600,
    Interaction: 3_600,
    RefreshToken: 14 * DAY,
    Session: 14 * DAY,
  };
}

export type { KoaContextWithOIDC };

/**
 * The configured resource servers serve sign-ins; the server's own (the admin API) serves a
 * sign-in only to the admin console, whose tokens the admin API weighs against the user's groups.
 */
function availableToSignIn(configuration: Configuration, resourceServers: readonly ResourceServerConfig[], administrators: AdministratorSignIns | undefined) {
  const ownResources = serverOwnResources(configuration, resourceServers);
  return (resource: string, clientId: string | undefined) =>
    !ownResources.has(resource) || (administrators !== undefined && clientId === administrators.clientId);
}

/**
 * Which cross-origin browsers may call the token, userinfo and revocation endpoints (Keycloak's
 * "web origins: +"): the origins of a client's redirect URIs, for a public client (a browser
 * application has no secret) and for userinfo; never the opaque origin "null".
 */
function browserOriginAllowed(ctx: KoaContextWithOIDC, origin: string, client: { clientAuthMethod?: string; redirectUris?: string[] }): boolean {
  if (origin === 'null') return false;
  if (ctx.oidc.route !== 'userinfo' && client.clientAuthMethod !== 'none') return false;
  return (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin);
}

/**
 * The admin API's resource goes to a person only while they hold a console role: anyone may sign
 * in to the console, but a token for the admin API is not issued to someone it would refuse.
 */
function onlyAdministrators(
  configuration: Configuration, resourceServers: readonly ResourceServerConfig[], findUser: FindUser, administrators: AdministratorSignIns | undefined,
) {
  const ownResources = serverOwnResources(configuration, resourceServers);
  const roleOf = administrators?.rolesOf(findUser) ?? (async () => undefined);
  return async (resource: string, accountId: string) => {
    if (ownResources.has(resource) && !(await roleOf(accountId))) throw new errors.AccessDenied('the signed-in user is not an administrator of this server');
  };
}

/** The resource servers the server adds itself (the admin API), as opposed to configured ones. */
function serverOwnResources(configuration: Configuration, resourceServers: readonly ResourceServerConfig[]): Set<string> {
  return new Set(resourceServers.filter((server) => !configuration.resourceServers.includes(server)).map((server) => server.resource));
}
