import { CONSOLE_CLIENT_ID, type StaticClientConfig } from '../configuration/index.js';

export { CONSOLE_CLIENT_ID };

/** Where the console is served, and the client id it signs administrators in with. */
export const CONSOLE_PATH = '/console';

/**
 * The console's own client: a public browser application (PKCE, no secret) whose only API is the
 * admin API. It is first-party (no consent page) and the one client a sign-in may get an admin
 * API token for; whether that token is worth anything is decided per request by the user's groups.
 * Refresh tokens are left out: a browser keeps no long-lived credential, and a new token is one
 * redirect away while the sign-in session lasts.
 */
export function consoleClient(issuer: string, adminResource: string, adminScope: string): StaticClientConfig {
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_name: 'Admin console',
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}${CONSOLE_PATH}/callback`],
    post_logout_redirect_uris: [`${issuer}${CONSOLE_PATH}/`],
    scope: `openid profile ${adminScope}`,
    allowed_resources: [adminResource],
    default_resource: adminResource,
    first_party: true,
    require_pkce: true,
  };
}
