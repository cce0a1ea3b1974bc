import type Router from '@koa/router';

import { createRouter } from '../http/routing.js';
import { webfingerEndpoint, WEBFINGER_PATH } from './webfinger.js';

/** WebFinger (RFC 7033), beside the discovery document oidc-provider serves itself. */
export function createDiscoveryModule(issuer: string): Router {
  const router = createRouter();
  router.get(WEBFINGER_PATH, webfingerEndpoint(issuer));
  return router;
}
