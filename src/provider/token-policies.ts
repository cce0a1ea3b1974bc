import { errors, type KoaContextWithOIDC } from 'oidc-provider';

import { FOREIGN_TOKEN } from './structured-tokens.js';

interface PolicyClient {
  clientId: string;
  clientAuthMethod: string;
}

interface PolicyToken {
  clientId?: string | undefined;
}

/**
 * Who may introspect: every authenticated confidential client, so that a gateway introspects the
 * tokens of every client with its own credentials (as with Keycloak); a public client only its own.
 */
export function introspectionAllowedPolicy(_ctx: KoaContextWithOIDC, client: PolicyClient, token: PolicyToken): boolean {
  return client.clientAuthMethod !== 'none' || token.clientId === client.clientId;
}

/** Who may revoke: the client the token was issued to (RFC 7009 §2.1). */
export function revocationAllowedPolicy(_ctx: KoaContextWithOIDC, client: PolicyClient, token: PolicyToken): boolean {
  if (token.clientId === client.clientId) return true;
  throw new errors.InvalidRequest(FOREIGN_TOKEN);
}
