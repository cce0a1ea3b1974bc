import type { ResourceServerConfig } from '../configuration/index.js';

/** The scope that lets a client call the admin API with its access token. */
export const ADMIN_SCOPE = 'admin.clients';
export const ADMIN_PATH = '/admin';

/** The admin API as a resource server: tokens for it carry aud = <issuer>/admin. */
export function adminResourceServer(issuer: string): ResourceServerConfig {
  return {
    resource: `${issuer}${ADMIN_PATH}`,
    scopes: [ADMIN_SCOPE],
    accessTokenFormat: 'jwt',
    accessTokenTtl: 600,
    signingAlg: 'RS256',
    default: false,
  };
}
