import { ApiError } from '../http/api-error.js';
import type { ApplicationPayload } from './schemas.js';

/** Konnect's grant names, as this server's grant types ("session" needs nothing from us). */
const GRANT_TYPES: Record<string, string | null> = {
  client_credentials: 'client_credentials',
  bearer: 'client_credentials',
  session: null,
  authorization_code: 'authorization_code',
  // No refresh tokens are issued yet: a Konnect application asking for them needs nothing more.
  refresh_token: null,
};

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);

export function translateGrantTypes(konnectGrants: readonly string[]): string[] {
  const grants = new Set<string>();
  for (const grant of konnectGrants) {
    if (!(grant in GRANT_TYPES)) throw new ApiError('invalid_request', `grant_types: "${grant}" is not supported`);
    const translated = GRANT_TYPES[grant];
    if (translated) grants.add(translated);
  }
  // An application needs credentials even when Konnect only asked for session auth.
  if (grants.size === 0) grants.add('client_credentials');
  return [...grants];
}

/** The Konnect ids kept with the client, in its profile (claim expressions read app.profile.konnect.*). */
export function konnectProfile(payload: Pick<ApplicationPayload, 'portal_id' | 'organization_id' | 'developer_id' | 'auth_strategy_id' | 'dcr_provider_id' | 'application_description'>) {
  return {
    konnect: {
      portal_id: payload.portal_id,
      organization_id: payload.organization_id,
      developer_id: payload.developer_id,
      auth_strategy_id: payload.auth_strategy_id,
      dcr_provider_id: payload.dcr_provider_id,
      application_description: payload.application_description,
    },
  };
}

/** RFC 7591 metadata for the application Konnect asks for. */
export function applicationMetadata(payload: ApplicationPayload): Record<string, unknown> {
  const method = payload.token_endpoint_auth_method || 'client_secret_basic';
  if (!SECRET_METHODS.has(method)) {
    throw new ApiError('invalid_request', `token_endpoint_auth_method: "${method}" is not supported (Konnect needs a client secret)`);
  }
  const grantTypes = translateGrantTypes(payload.grant_types);
  return {
    client_name: payload.client_name,
    grant_types: grantTypes,
    token_endpoint_auth_method: method,
    ...(payload.scopes.length > 0 ? { scope: payload.scopes.join(' ') } : {}),
    ...(grantTypes.includes('authorization_code') ? { redirect_uris: payload.redirect_uris } : {}),
    profile: konnectProfile(payload),
  };
}
