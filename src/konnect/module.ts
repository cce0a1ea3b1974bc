import type Router from '@koa/router';

import type { Platform } from '../platform/index.js';
import { unrestrictedPolicy, type ClientRegistrar } from '../registration/index.js';
import { konnectRoutes } from './routes.js';

/** Kong Konnect's HTTP DCR bridge, when configured: it registers under every configured scope, never the admin API's. */
export function createKonnectModule({ configuration, audit }: Platform, registrar: ClientRegistrar): Router[] {
  if (!configuration.konnect) return [];
  return [konnectRoutes({
    config: configuration.konnect,
    registrar,
    policy: unrestrictedPolicy('konnect', configuration.resourceServers.flatMap((server) => server.scopes)),
    resourceServers: configuration.resourceServers,
    audit,
  })];
}
