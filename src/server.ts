import type Koa from 'koa';
import type Provider from 'oidc-provider';

import { createAdminModule } from './admin/index.js';
import type { Configuration } from './configuration/index.js';
import { createConsoleModule } from './console/index.js';
import { createDiscoveryModule } from './discovery/index.js';
import { createHttpApp } from './http/app.js';
import { createClientAddressResolver } from './http/client-address.js';
import { createInteractionsModule, interactionPages } from './interactions/index.js';
import { createKeysModule, type KeyRing } from './keys/index.js';
import { createKonnectModule } from './konnect/index.js';
import type { Logger } from './logging/index.js';
import { startUpkeep } from './maintenance.js';
import { metricsRoutes, type Metrics } from './metrics/index.js';
import { createPlatform } from './platform/index.js';
import { createProviderModule } from './provider/index.js';
import { createRegistrationModule } from './registration/index.js';
import { storeOutageOf, type Store } from './storage/index.js';
import type { RequestTracing } from './tracing/index.js';
import { createUsersModule } from './users/index.js';

export interface ServerDependencies {
  configuration: Configuration;
  store: Store;
  logger: Logger;
  /** Where requests and store operations are counted (a fresh registry when absent), and one span per request when OpenTelemetry traces are on. */
  telemetry?: { metrics?: Metrics | undefined; tracing?: RequestTracing | undefined };
  now?: () => Date;
  /** How often the store's upkeep runs (expired records, interrupted registrations, audit retention), and how old a pending registration must be for it to roll it back. */
  upkeep?: { sweepIntervalMs?: number | undefined; repairAfterMs?: number | undefined };
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

/**
 * The server as a list of modules, each built by its own domain from the platform they share and
 * what the modules before it provide; the public surface (protocol, registration, sign-in) and the
 * administrative one (admin API, console, Konnect bridge) are served by one HTTP app.
 */
export async function createAuthorizationServer(dependencies: ServerDependencies): Promise<AuthorizationServer> {
  const { configuration, store, logger, telemetry = {}, now = () => new Date() } = dependencies;
  const platform = createPlatform({ configuration, store, logger, metrics: telemetry.metrics, now });
  const keyRing = await createKeysModule(platform);
  const usersModule = createUsersModule(platform, dependencies.env ?? process.env);
  const users = usersModule.directory;
  const findUser = (id: string) => users.find(id);
  const consoleModule = createConsoleModule(platform, { findUser, isLiveGrant: (grantId) => providerModule.isLiveGrant(grantId) });
  const pages = interactionPages(platform);
  const providerModule = await createProviderModule(platform, {
    keyRing, findUser, pages, administratorSignIns: consoleModule.signIns, fastPaths: dependencies.fastPaths !== false,
    serverClients: { declared: consoleModule.clients, ids: consoleModule.serverClientIds },
  });
  const provider = providerModule.current;
  await usersModule.seed();
  warnWhenAdminApiUnreachable(configuration, logger);
  const registration = await createRegistrationModule(platform, provider);

  const publicRoutes = [createDiscoveryModule(configuration.issuer), registration.router, createInteractionsModule(platform, provider, { pages, users })];
  const administrativeRoutes = [
    createAdminModule(platform, { registration, keyRing, users, verifier: providerModule.verifier, consoleSignIns: consoleModule.signIns }),
    ...consoleModule.routers,
    ...createKonnectModule(platform, registration.registrar),
  ];
  // With a port of their own (start.ts listens there), the metrics are not on the main one.
  if (configuration.metrics.enabled && configuration.metrics.port === undefined) administrativeRoutes.push(metricsRoutes(platform.metrics, configuration.metrics.token));

  const app = createHttpApp({
    issuer: configuration.issuer,
    provider: providerModule,
    health: () => store.ping(),
    logger,
    routers: [...publicRoutes, ...administrativeRoutes],
    observers: { metrics: platform.metrics, tracing: telemetry.tracing, isStoreOutage: (error) => storeOutageOf(error) !== undefined },
    deadlineMs: configuration.http.requestDeadlineSeconds * 1000,
    resolveClientAddress: createClientAddressResolver(configuration.http.trustedProxies),
  });

  keyRing.start();
  const upkeep = startUpkeep(platform, dependencies.upkeep);
  return {
    app,
    get provider() {
      return provider();
    },
    keyRing,
    maintain: upkeep.maintain,
    stop: () => {
      keyRing.stop();
      upkeep.stop();
    },
  };
}

/** Without an ADMIN_TOKEN, only a client holding admin.clients reaches the admin API: say so at start-up. */
function warnWhenAdminApiUnreachable(configuration: Configuration, logger: Logger): void {
  if (configuration.adminTokens.length > 0) return;
  const automation = configuration.clients.some((client) => typeof client.scope === 'string' && client.scope.split(' ').includes('admin.clients'));
  if (automation) return;
  logger.warn('the admin API accepts no ADMIN_TOKEN: unless a client already holds the admin.clients scope, nobody can use it (set ADMIN_TOKEN)');
}
