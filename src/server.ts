import { randomUUID } from 'node:crypto';

import type Koa from 'koa';
import type Provider from 'oidc-provider';

import { ADMIN_SCOPE, adminResourceServer } from './api/index.js';
import { adminAuthentication } from './admin/authentication.js';
import { adminRoutes } from './admin/routes.js';
import { AuditTrail } from './audit/index.js';
import { createClaimMapper } from './claims/index.js';
import { createMaintenance } from './maintenance.js';
import { CONSOLE_CLIENT_ID, consoleClient, consoleRoles, consoleRoutes } from './console/index.js';
import { createMetrics, metricsRoutes, metricsSnapshot, type Metrics } from './metrics/index.js';
import { clientAuthenticationFailures } from './provider/client-auth-failures.js';
import { createAccessTokenSigner } from './provider/access-token-signer.js';
import { clientCredentialsFastPath } from './provider/client-credentials-fast-path.js';
import { introspectionFastPath } from './provider/introspection-fast-path.js';
import { jwtIntrospection } from './provider/structured-tokens.js';
import { createExtraTokenClaims } from './provider/token-claims.js';
import { tokenIssuanceMetrics } from './provider/token-metrics.js';
import { OPENID_CONNECT_SCOPES, type Configuration, type SigningAlgorithm } from './configuration/index.js';
import { webfingerEndpoint, WEBFINGER_PATH } from './discovery/index.js';
import { createHttpApp } from './http/app.js';
import { createClientAddressResolver } from './http/client-address.js';
import { RateLimiter } from './http/rate-limiter.js';
import { createRouter } from './http/routing.js';
import { KeyRing, resolveMasterSecret, type SigningKeySet } from './keys/index.js';
import { konnectRoutes } from './konnect/index.js';
import type { Logger } from './logging/index.js';
import { createAccessTokenVerifier, createProvider, issuedUnderCurrentRegistration, syncStaticClients } from './provider/index.js';
import {
  ClientRegistrar, identityDefaultScope, InitialAccessTokens, RegistrationAccessTokens, registrationRoutes, resolvePolicies, SoftwareStatements,
  unrestrictedPolicy, type ClientMetadata,
} from './registration/index.js';
import { deriveKey, SecretBox, SecretHasher } from './secrets/index.js';
import { CachedClientStore, CachedRevocations, storeOutageOf, type Store } from './storage/index.js';
import { isBrowserEndpoint, PROVIDER_ROUTES } from './provider/routes.js';
import { DEFAULT_SCRYPT, PasswordHasher, passwordPolicy, seedUsers, SignInLimiter, UserDirectory } from './users/index.js';
import { ASSETS_PATH, CsrfTokens, createPages, interactionRoutes } from './interactions/index.js';
import type { RequestTracing } from './tracing/index.js';

export interface ServerDependencies {
  configuration: Configuration;
  store: Store;
  logger: Logger;
  /** Where requests and store operations are counted (a fresh registry when absent). */
  metrics?: Metrics;
  now?: () => Date;
  /** How often the store's upkeep runs (expired records, interrupted registrations, audit retention). */
  sweepIntervalMs?: number;
  /** How old a pending registration must be for the upkeep to roll it back. */
  repairAfterMs?: number;
  /** One span per request when OpenTelemetry traces are on (OTEL_* variables). */
  tracing?: RequestTracing | undefined;
  /** Whether common token and JWT introspection requests skip oidc-provider's pipeline (default true; tests compare both). */
  fastPaths?: boolean;
  /** Where passwordEnv of configured users is read (process.env when absent). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface AuthorizationServer {
  app: Koa;
  /** The current provider (it is rebuilt when the signing keys change). */
  readonly provider: Provider;
  keyRing: KeyRing;
  /** Runs the periodic upkeep now (expiry, interrupted registrations, audit retention). */
  maintain(): Promise<void>;
  /** Stops background work; the caller closes the HTTP server and the store. */
  stop(): void;
}

const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/** Wires the server from its parts: keys, provider, registration, admin API, HTTP app, background work. */
export async function createAuthorizationServer(dependencies: ServerDependencies): Promise<AuthorizationServer> {
  const { configuration, store, logger, now = () => new Date() } = dependencies;
  const metrics = dependencies.metrics ?? createMetrics({ backend: store.backend });
  const masterSecret = resolveMasterSecret(configuration);
  const box = new SecretBox(masterSecret);
  const hasher = new SecretHasher(masterSecret);
  const countAudited = (record: { action: string; outcome: 'success' | 'failure'; actor: string }) =>
    metrics.audited(record.action, record.outcome, actorKind(record.actor));
  const audit = new AuditTrail(store.audit, logger, now, configuration.audit.failuresPerMinute, countAudited);
  // The embedded store has one process, so what it caches is exact; instances sharing MongoDB see
  // each other's changes within clientCacheSeconds.
  const cacheMs = store.backend === 'sqlite' ? Number.POSITIVE_INFINITY : configuration.clientCacheSeconds * 1000;
  const clients = new CachedClientStore(store.clients, cacheMs, () => now().getTime());

  const revocations = new CachedRevocations(store.revocations, cacheMs, () => now().getTime());
  const adminResource = adminResourceServer(configuration.issuer);
  const resourceServers = [...configuration.resourceServers, adminResource];
  const longestTokenLifetime = (alg: string) =>
    Math.max(0, ...resourceServers.filter((server) => server.signingAlg === alg).map((server) => server.accessTokenTtl));
  const keyRing = new KeyRing(
    store.signingKeys,
    box,
    new Set<SigningAlgorithm>(['RS256', ...resourceServers.map((server) => server.signingAlg)]),
    {
      prePublishSeconds: configuration.keys.prePublishSeconds,
      retentionSeconds: (alg) => longestTokenLifetime(alg) + configuration.keys.removalDelaySeconds,
      pollSeconds: configuration.keys.pollSeconds,
    },
    now,
    logger,
  );
  await keyRing.initialize();
  metrics.watchSigningKeys(() => keyRing.list(), now);

  const verifier = createAccessTokenVerifier({
    issuer: configuration.issuer,
    publicKeys: () => keyRing.snapshot().publicJwks,
    revocations,
    issuedUnderCurrentRegistration: issuedUnderCurrentRegistration(clients),
    now,
  });
  const claimMapper = createClaimMapper(configuration.claims);
  const tokenMetrics = tokenIssuanceMetrics(metrics, new Set(resourceServers.map((server) => server.resource)));
  const pages = createPages({ ...configuration.branding, assetsPath: ASSETS_PATH });
  const userDirectory = new UserDirectory({
    users: store.users,
    models: store.models,
    hasher: new PasswordHasher({ ...DEFAULT_SCRYPT, ln: configuration.signIn.passwordHashCost }),
    checkPassword: passwordPolicy(configuration.signIn.passwordMinLength),
    now,
    newId: randomUUID,
  });
  const authenticationFailures = clientAuthenticationFailures(logger, metrics);
  const buildProvider = (keys: SigningKeySet): Provider => {
    const built = createProvider({
      configuration, resourceServers, store, clients, revocations, keys, hasher, box, masterSecret, claimMapper, verifier, now, pages,
      findUser: (id) => userDirectory.find(id),
      onIntrospected: (active) => metrics.introspection(active),
    });
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
  let provider = buildProvider(keyRing.snapshot());
  keyRing.onChange((keys) => {
    provider = buildProvider(keys);
  });
  const isEnabledUser = async (userId: string) => (await userDirectory.find(userId))?.disabled === false;
  // Through oidc-provider's model: the store keeps grants under a keyed hash of their id.
  const grantStands = async (grantId: string) => (await provider.Grant.find(grantId)) !== undefined;
  const consoleEnabled = configuration.console.enabled;
  const serverClients = consoleEnabled ? [consoleClient(configuration.issuer, adminResource.resource, ADMIN_SCOPE)] : [];
  await syncStaticClients([...configuration.clients, ...serverClients], {
    provider, clients, models: store.models, hasher, logger, now, defaultScope: identityDefaultScope(configuration.resourceServers),
    prune: configuration.pruneStaticClients, serverClientIds: [CONSOLE_CLIENT_ID],
  });
  await seedUsers(configuration.users, userDirectory, dependencies.env ?? process.env, logger);
  warnWhenAdminApiUnreachable(configuration, logger);

  const { registration } = configuration;
  const policies = resolvePolicies(configuration);
  const registrationAccessTokens = new RegistrationAccessTokens(store.models, store.registrations, hasher);
  const initialAccessTokens = new InitialAccessTokens(store.initialAccessTokens, hasher, now);
  await initialAccessTokens.seed(registration.initialAccessTokens, (policy) => policies.get(policy)?.maxClientsPerToken);
  const registrar = new ClientRegistrar({
    clients,
    models: store.models,
    registrations: store.registrations,
    hasher,
    registrationAccessTokens,
    softwareStatements: new SoftwareStatements(registration.softwareStatements.trustedIssuers),
    softwareStatementRequired: registration.softwareStatements.required,
    observe: countAudited,
    validate: (metadata: ClientMetadata) => (provider.Client as unknown as { validate(metadata: ClientMetadata): Promise<void> }).validate(metadata),
    now,
  });

  const registrationRouter = registrationRoutes({
    issuer: configuration.issuer,
    mode: registration.mode,
    openPolicy: registration.openPolicy,
    policies,
    rotateRegistrationAccessToken: registration.rotateRegistrationAccessToken,
    registrar,
    initialAccessTokens,
    registrationAccessTokens,
    audit,
    rateLimiter: new RateLimiter(registration.rateLimit.maxRequests, registration.rateLimit.windowSeconds * 1000, () => now().getTime()),
  });
  const discoveryRouter = createRouter();
  discoveryRouter.get(WEBFINGER_PATH, webfingerEndpoint(configuration.issuer));
  const adminRouter = adminRoutes({
    issuer: configuration.issuer,
    registrar,
    adminPolicy: unrestrictedPolicy(
      'admin', [...OPENID_CONNECT_SCOPES, ...resourceServers.flatMap((server) => server.scopes)], identityDefaultScope(resourceServers),
    ),
    policies,
    initialAccessTokens,
    registrationAccessTokens,
    keyRing,
    algorithms: [...new Set(resourceServers.map((server) => server.signingAlg))],
    resources: resourceServers.map((server) => server.resource),
    configuredInitialAccessTokens: new Set(registration.initialAccessTokens.map((token) => token.id)),
    audit,
    auditEvents: store.audit,
    authenticate: adminAuthentication({
      adminTokens: configuration.adminTokens, verifier, findClient: (clientId) => clients.find(clientId), adminResource: adminResource.resource, audit,
      consoleSignIns: consoleEnabled ? {
        clientId: CONSOLE_CLIENT_ID,
        roleOf: consoleRoles(configuration.console, (id) => userDirectory.find(id)),
        isLiveGrant: grantStands,
      } : undefined,
    }),
    users: userDirectory,
    metrics: () => metricsSnapshot(metrics.registry),
  });

  const { signIn } = configuration;
  const interactionRouter = interactionRoutes({
    provider: () => provider,
    pages,
    users: userDirectory,
    limiter: new SignInLimiter({
      maxFailures: signIn.maxFailures,
      maxFailuresPerAddress: signIn.maxFailuresPerAddress,
      windowMs: signIn.failureWindowSeconds * 1000,
      lockoutMs: signIn.lockoutSeconds * 1000,
    }, () => now().getTime()),
    csrf: new CsrfTokens(deriveKey(masterSecret, 'interaction-csrf')),
    audit,
    passwordAcr: signIn.passwordAcr,
  });
  const routers = [discoveryRouter, registrationRouter, adminRouter, interactionRouter];
  // With a port of their own (start.ts listens there), the metrics are not on the main one.
  if (configuration.metrics.enabled && configuration.metrics.port === undefined) routers.push(metricsRoutes(metrics, configuration.metrics.token));
  if (consoleEnabled) routers.push(consoleRoutes());
  if (configuration.konnect) {
    routers.push(konnectRoutes({
      config: configuration.konnect,
      registrar,
      policy: unrestrictedPolicy('konnect', configuration.resourceServers.flatMap((server) => server.scopes)),
      resourceServers: configuration.resourceServers,
      audit,
    }));
  }

  const app = createHttpApp({
    issuer: configuration.issuer,
    provider: () => provider,
    health: () => store.ping(),
    logger,
    routers,
    observers: { metrics, tracing: dependencies.tracing, isStoreOutage: (error) => storeOutageOf(error) !== undefined },
    providerRoutes: { table: PROVIDER_ROUTES, isBrowserEndpoint },
    deadlineMs: configuration.http.requestDeadlineSeconds * 1000,
    resolveClientAddress: createClientAddressResolver(configuration.http.trustedProxies),
    fastPaths: dependencies.fastPaths === false ? undefined : new Map([
      ['/token', clientCredentialsFastPath({
        provider: () => provider,
        issuer: configuration.issuer,
        resourceServers,
        signer: createAccessTokenSigner(() => keyRing.snapshot().privateJwks),
        extraClaims: createExtraTokenClaims(() => provider, claimMapper, (id) => userDirectory.find(id)),
        now,
      })],
      ['/token/introspection', introspectionFastPath({
        provider: () => provider,
        introspect: jwtIntrospection({ verifier, isActiveUser: isEnabledUser, isLiveGrant: grantStands }),
        onIntrospected: (active) => metrics.introspection(active),
        now,
      })],
    ]),
  });

  keyRing.start();
  const maintain = createMaintenance({
    store,
    audit,
    logger,
    now,
    auditRetentionMs: configuration.audit.retentionDays * 86_400_000,
    repairAfterMs: dependencies.repairAfterMs ?? Math.max(120_000, 5 * configuration.storeTimeoutSeconds * 1000),
  });
  const maintenance = setInterval(() => void maintain(), dependencies.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  maintenance.unref();

  return {
    app,
    get provider() {
      return provider;
    },
    keyRing,
    maintain,
    stop: () => {
      keyRing.stop();
      clearInterval(maintenance);
    },
  };
}

const ACTOR_KINDS = new Set(['admin-token', 'client', 'registration', 'konnect', 'user', 'anonymous', 'configuration', 'maintenance']);

/** The kind of an audit actor ("admin-token#1" -> admin-token, "client:abc" -> client): a bounded metrics label. */
function actorKind(actor: string): string {
  const kind = /^[a-z-]+/.exec(actor)?.[0] ?? 'other';
  return ACTOR_KINDS.has(kind) ? kind : 'other';
}

/** Without an ADMIN_TOKEN, only a client holding admin.clients reaches the admin API: say so at start-up. */
function warnWhenAdminApiUnreachable(configuration: Configuration, logger: Logger): void {
  if (configuration.adminTokens.length > 0) return;
  const automation = configuration.clients.some((client) => typeof client.scope === 'string' && client.scope.split(' ').includes('admin.clients'));
  if (automation) return;
  logger.warn('the admin API accepts no ADMIN_TOKEN: unless a client already holds the admin.clients scope, nobody can use it (set ADMIN_TOKEN)');
}
