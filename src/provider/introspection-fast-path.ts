import type Provider from 'oidc-provider';

import { answerJson, clientWithSecret, formFastPath, plainForm, type FastPath } from './fast-path-requests.js';
import type { JwtIntrospection } from './structured-tokens.js';

const ALLOWED_PARAMETERS = new Set(['token', 'token_type_hint', 'client_id', 'client_secret']);

export interface IntrospectionFastPathDependencies {
  provider: () => Provider;
  introspect: JwtIntrospection;
  onIntrospected?: ((active: boolean) => void) | undefined;
  now: () => Date;
}

/**
 * Introspection of a JWT access token by a client with a secret, answered without oidc-provider's
 * pipeline. That pipeline authenticates the client, looks the token up as an opaque access token,
 * client credentials token and refresh token (three store reads), then refuses it as a JWT for our
 * code to answer; here the same client authentication and the same answer (structured-tokens.ts)
 * come without the lookups. Opaque tokens, and any request that is not plainly valid, go to
 * oidc-provider with their body, as before.
 */
export function introspectionFastPath({ provider, introspect, onIntrospected, now }: IntrospectionFastPathDependencies): FastPath {
  return formFastPath('introspection', async (ctx, form) => {
    if (!plainForm(form, ALLOWED_PARAMETERS)) return false;
    const token = form.get('token');
    if (!token || !looksLikeJwt(token)) return false;
    const client = await clientWithSecret(ctx, form, provider(), now);
    if (!client) return false;
    // A client with a secret may introspect every client's tokens (token-policies.ts), as oidc-provider's path lets it.
    const body = await introspect(token);
    onIntrospected?.(body.active === true);
    answerJson(ctx, 'introspection', client.clientId, body);
    return true;
  });
}

/** What oidc-provider refuses as a structured token: three segments whose first is a JSON object (a JWS header). */
function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    return header !== null && typeof header === 'object' && !Array.isArray(header);
  } catch {
    return false;
  }
}
