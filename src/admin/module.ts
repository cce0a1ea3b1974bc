import type Router from '@koa/router';

import { OPENID_CONNECT_SCOPES } from '../configuration/index.js';
import type { ConsoleSignIns } from '../console/index.js';
import type { KeyRing } from '../keys/index.js';
import { metricsSnapshot } from '../metrics/index.js';
import type { Platform } from '../platform/index.js';
import type { AccessTokenVerifier } from '../provider/index.js';
import { identityDefaultScope, unrestrictedPolicy, type RegistrationModule } from '../registration/index.js';
import type { UserDirectory } from '../users/index.js';
import { adminAuthentication } from './authentication.js';
import { adminRoutes } from './routes.js';

export interface AdminModuleDependencies {
  registration: Omit<RegistrationModule, 'router'>;
  keyRing: KeyRing;
  users: UserDirectory;
  /** Checks the admin API's access tokens (those of clients with admin.clients, and the console's). */
  verifier: AccessTokenVerifier;
  consoleSignIns: ConsoleSignIns | undefined;
}

/**
 * The admin API under /admin: admin tokens, clients holding admin.clients and the console's
 * administrators may manage every client, token, key and user; an administrator registers under
 * the admin policy, which offers every scope.
 */
export function createAdminModule(platform: Platform, { registration, keyRing, users, verifier, consoleSignIns }: AdminModuleDependencies): Router {
  const { configuration, store, clients, audit, resourceServers, metrics, adminApi } = platform;
  return adminRoutes({
    issuer: configuration.issuer,
    registration: {
      ...registration,
      configuredInitialAccessTokens: new Set(configuration.registration.initialAccessTokens.map((token) => token.id)),
    },
    offered: {
      adminPolicy: unrestrictedPolicy(
        'admin', [...OPENID_CONNECT_SCOPES, ...resourceServers.flatMap((server) => server.scopes)], identityDefaultScope(resourceServers),
      ),
      algorithms: [...new Set(resourceServers.map((server) => server.signingAlg))],
      resources: resourceServers.map((server) => server.resource),
    },
    keyRing,
    audit: { trail: audit, events: store.audit },
    authenticate: adminAuthentication({
      adminTokens: configuration.adminTokens, verifier, findClient: (clientId) => clients.find(clientId), adminResource: adminApi.resource, audit, consoleSignIns,
    }),
    users,
    metrics: () => metricsSnapshot(metrics.registry),
  });
}
