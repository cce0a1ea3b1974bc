import type { ForeignRoute } from '../http/routing.js';

/**
 * The routes oidc-provider serves with our configuration, with their methods (GET brings HEAD;
 * the CORS-enabled ones answer OPTIONS preflights). Only the browser-facing ones may answer HTML.
 */
export const PROVIDER_ROUTES: readonly (ForeignRoute & { browser: boolean })[] = [
  { path: '/auth', methods: ['GET', 'HEAD', 'POST'], browser: true },
  { path: '/session/end', methods: ['GET', 'HEAD', 'POST'], browser: true },
  { path: '/session/end/confirm', methods: ['POST'], browser: true },
  { path: '/session/end/success', methods: ['GET', 'HEAD'], browser: true },
  { path: '/me', methods: ['GET', 'HEAD', 'POST', 'OPTIONS'], browser: false },
  { path: '/token', methods: ['POST', 'OPTIONS'], browser: false },
  { path: '/token/introspection', methods: ['POST', 'OPTIONS'], browser: false },
  { path: '/token/revocation', methods: ['POST', 'OPTIONS'], browser: false },
  { path: '/jwks', methods: ['GET', 'HEAD', 'OPTIONS'], browser: false },
  { path: '/.well-known/openid-configuration', methods: ['GET', 'HEAD', 'OPTIONS'], browser: false },
  { path: '/.well-known/oauth-authorization-server', methods: ['GET', 'HEAD', 'OPTIONS'], browser: false },
];

const BROWSER_PREFIXES = PROVIDER_ROUTES.filter((route) => route.browser).map((route) => route.path.toLowerCase());

/** Whether a path is one a browser visits (so an error may be an HTML page); oidc-provider matches paths in any case. */
export function isBrowserEndpoint(path: string): boolean {
  const folded = path.toLowerCase();
  return BROWSER_PREFIXES.some((prefix) => folded === prefix || folded.startsWith(`${prefix}/`));
}
