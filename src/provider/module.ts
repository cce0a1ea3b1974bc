import type Provider from 'oidc-provider';

import { createClaimMapper } from '../claims/index.js';
import type { StaticClientConfig } from '../configuration/index.js';
import type { Pages } from '../interactions/pages.js';
import type { KeyRing, SigningKeySet } from '../keys/index.js';
import type { Platform } from '../platform/index.js';
import { identityDefaultScope } from '../registration/index.js';
import type { UserRecord } from '../storage/index.js';
import { createAccessTokenSigner } from './access-token-signer.js';
import { createAccessTokenVerifier, type AccessTokenVerifier } from './access-token-verifier.js';
import { clientAuthenticationFailures } from './client-auth-failures.js';
import { clientCredentialsFastPath } from './client-credentials-fast-path.js';
import { createProvider, type AdministratorSignIns } from './create-provider.js';
import type { FastPath } from './fast-path-requests.js';
import { introspectionFastPath } from './introspection-fast-path.js';
import { isBrowserEndpoint, PROVIDER_ROUTES } from './routes.js';
import { syncStaticClients } from './static-clients.js';
import { jwtIntrospection } from './structured-tokens.js';
import { createExtraTokenClaims } from './token-claims.js';
import { issuedUnderCurrentRegistration } from './token-liveness.js';
import { tokenIssuanceMetrics } from './token-metrics.js';

export interface ProviderModule {
  /** The current provider: it is rebuilt whenever the signing keys change. */
  current(): Provider;
  verifier: AccessTokenVerifier;
  /** Whether a grant stands (through oidc-provider's model: the store keeps grants under a keyed hash of their id). */
  isLiveGrant(grantId: string): Promise<boolean>;
  /** What the HTTP layer hands to oidc-provider: its paths and methods, and which a browser visits. */
  routes: { table: typeof PROVIDER_ROUTES; isBrowserEndpoint(path: string): boolean };
  /** By path: the common token and JWT introspection requests, answered without oidc-provider's pipeline (none when off). */
  fastPaths: ReadonlyMap<string, FastPath> | undefined;
}

export interface ProviderModuleDependencies {
  keyRing: KeyRing;
  findUser: (id: string) => Promise<UserRecord | undefined>;
  pages: Pages;
  /** The clients the server declares itself (the console's), beside the configuration's, and the ids it may declare. */
  serverClients: { declared: readonly StaticClientConfig[]; ids: readonly string[] };
  administratorSignIns: AdministratorSignIns | undefined;
  /** Whether common token and JWT introspection requests skip oidc-provider's pipeline (tests compare both). */
  fastPaths: boolean;
}

/**
 * oidc-provider with everything around it: built from the current signing keys (and again at each
 * rotation), watched for metrics and errors, with the configuration's clients put in the store.
 */
export async function createProviderModule(platform: Platform, dependencies: ProviderModuleDependencies): Promise<ProviderModule> {
  const { configuration, store, clients, revocations, resourceServers, metrics, logger, now } = platform;
  const { keyRing, findUser, pages, serverClients, administratorSignIns } = dependencies;
  const verifier = createAccessTokenVerifier({
    issuer: configuration.issuer,
    publicKeys: () => keyRing.snapshot().publicJwks,
    revocations,
    issuedUnderCurrentRegistration: issuedUnderCurrentRegistration(clients),
    now,
  });
  const claimMapper = createClaimMapper(configuration.claims);
  const tokenMetrics = tokenIssuanceMetrics(metrics, new Set(resourceServers.map((server) => server.resource)));
  const authenticationFailures = clientAuthenticationFailures(logger, metrics);
  const onIntrospected = (active: boolean) => metrics.introspection(active);
  const build = (keys: SigningKeySet): Provider => {
    const built = createProvider({ platform, keys, claimMapper, verifier, findUser, pages, administratorSignIns, onIntrospected });
    tokenMetrics.watch(built);
    built.on('server_error', (_ctx, error: Error) => logger.error('provider error', { error }));
    authenticationFailures.watch(built);
    // Koa's default would print to stderr in plain text; every line the process prints is JSON.
    (built as unknown as NodeJS.EventEmitter).on('error', (error: Error & { status?: number; expose?: boolean }) => {
      // A client's own mistake (an aborted or malformed body) is no server error: it must not fill the error log.
      if (error.expose || (error.status !== undefined && error.status < 500)) logger.debug('provider request error', { error });
      else logger.error('provider error', { error });
    });
    return built;
  };
  let provider = build(keyRing.snapshot());
  keyRing.onChange((keys) => {
    provider = build(keys);
  });
  const current = () => provider;
  const isLiveGrant = async (grantId: string) => (await provider.Grant.find(grantId)) !== undefined;

  await syncStaticClients([...configuration.clients, ...serverClients.declared], {
    provider, clients, models: store.models, hasher: platform.secrets.hasher, logger, now,
    policy: { defaultScope: identityDefaultScope(configuration.resourceServers), prune: configuration.pruneStaticClients, serverClientIds: serverClients.ids },
  });

  const fastPaths = dependencies.fastPaths ? new Map([
    ['/token', clientCredentialsFastPath({
      provider: current,
      issuer: configuration.issuer,
      resourceServers,
      signer: createAccessTokenSigner(() => keyRing.snapshot().privateJwks),
      extraClaims: createExtraTokenClaims(current, claimMapper, findUser),
      now,
    })],
    ['/token/introspection', introspectionFastPath({
      provider: current,
      introspect: jwtIntrospection({ verifier, isActiveUser: async (userId) => (await findUser(userId))?.disabled === false, isLiveGrant }),
      onIntrospected,
      now,
    })],
  ]) : undefined;

  return { current, verifier, isLiveGrant, routes: { table: PROVIDER_ROUTES, isBrowserEndpoint }, fastPaths };
}
