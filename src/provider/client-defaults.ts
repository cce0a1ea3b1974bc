/**
 * The metadata a client has when its registration (or the configuration file) names none: what
 * oidc-provider is told to assume (clientDefaults), and what the admin API shows for a client
 * declared without it, so that both read the same.
 */
export const CLIENT_DEFAULTS = {
  grant_types: ['client_credentials'],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
  // A client registered without a scope may ask for nothing beyond signing in (oidc-provider
  // would otherwise let it ask for every scope).
  scope: 'openid',
} as const;
