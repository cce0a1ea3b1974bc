export { OIDC_ISSUER_REL, WEBFINGER_PATH, webfingerEndpoint } from './webfinger.js';
export { createDiscoveryModule } from './module.js';
