import type Router from '@koa/router';

import type { StaticClientConfig } from '../configuration/index.js';
import type { Platform } from '../platform/index.js';
import type { UserRecord } from '../storage/index.js';
import { CONSOLE_CLIENT_ID, consoleClient } from './client.js';
import { consoleRoles, type ConsoleRole } from './roles.js';
import { consoleRoutes } from './routes.js';

type FindUser = (id: string) => Promise<UserRecord | undefined>;

/** Sign-ins to the admin console: its client, and the role a user holds now (none: not an administrator). */
export interface ConsoleSignIns {
  clientId: string;
  /** The roles as the users found by findUser hold them (the provider finds users its own way). */
  rolesOf(findUser: FindUser): (userId: string) => Promise<{ role: ConsoleRole; user: UserRecord } | undefined>;
  roleOf(userId: string): Promise<{ role: ConsoleRole; user: UserRecord } | undefined>;
  /** Whether the grant a console token was issued under stands (revoked with the grant, a new password, a disabled user). */
  isLiveGrant(grantId: string): Promise<boolean>;
}

export interface ConsoleModule {
  /** The clients the server declares itself (the console's, when it is on). */
  clients: StaticClientConfig[];
  /** The ids of every client the server may declare, on or off: removed whenever not declared. */
  serverClientIds: string[];
  signIns: ConsoleSignIns | undefined;
  routers: Router[];
}

export interface ConsoleDependencies {
  findUser: FindUser;
  isLiveGrant: (grantId: string) => Promise<boolean>;
}

/** The admin console: a browser application on the admin API, signed in through the server's own pages. */
export function createConsoleModule({ configuration, adminApi }: Platform, { findUser, isLiveGrant }: ConsoleDependencies): ConsoleModule {
  const serverClientIds = [CONSOLE_CLIENT_ID];
  if (!configuration.console.enabled) return { clients: [], serverClientIds, signIns: undefined, routers: [] };
  const rolesOf = (find: FindUser) => consoleRoles(configuration.console, find);
  return {
    clients: [consoleClient(configuration.issuer, adminApi.resource, adminApi.scope)],
    serverClientIds,
    signIns: { clientId: CONSOLE_CLIENT_ID, rolesOf, roleOf: rolesOf(findUser), isLiveGrant },
    routers: [consoleRoutes()],
  };
}
