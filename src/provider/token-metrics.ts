import type Provider from 'oidc-provider';

import type { Metrics } from '../metrics/index.js';

interface IssuedTokenEvent {
  /** The grant that issued it (authorization_code, refresh_token, ...); absent on client credentials tokens. */
  gty?: string;
  resourceServer?: { identifier(): string } | undefined;
}

/**
 * Counts every access and refresh token oidc-provider issues, from its model events: `saved`
 * for a stored (opaque) token, `issued` for a self-contained one (JWT). The resource label is a
 * configured resource server or "other", never a value a client chose.
 */
export function tokenIssuanceMetrics(metrics: Metrics, resources: ReadonlySet<string>) {
  const resourceOf = (token: IssuedTokenEvent, none: string) => {
    const resource = token.resourceServer?.identifier();
    if (resource === undefined) return none;
    return resources.has(resource) ? resource : 'other';
  };
  const access = (format: 'jwt' | 'opaque', grantType?: string) => (token: IssuedTokenEvent) =>
    metrics.tokenIssued('access_token', grantType ?? token.gty ?? 'unknown', format, resourceOf(token, 'userinfo'));
  return {
    watch(provider: Provider): void {
      provider.on('access_token.saved', access('opaque'));
      provider.on('access_token.issued', access('jwt'));
      provider.on('client_credentials.saved', access('opaque', 'client_credentials'));
      provider.on('client_credentials.issued', access('jwt', 'client_credentials'));
      provider.on('refresh_token.saved', (token: IssuedTokenEvent) =>
        metrics.tokenIssued('refresh_token', token.gty ?? 'unknown', 'opaque', resourceOf(token, 'none')));
    },
  };
}
