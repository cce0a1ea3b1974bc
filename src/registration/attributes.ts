import type { GrantType, TokenEndpointAuthMethod } from '../configuration/index.js';
import type { ClientRecord, JsonObject } from '../storage/index.js';
import type { ClientMetadata } from './metadata-schema.js';
import type { RegistrationPolicy } from './policy.js';

/**
 * What an administrator granted a client, kept with it: the most an RFC 7592 self-service update
 * may ask for (a policy of the client's own).
 */
export interface GrantedCeiling {
  grantTypes: string[];
  tokenEndpointAuthMethods: string[];
  scopes: string[];
  redirectUriHosts: string[];
  /** Private-use schemes of the redirect URIs (absent on ceilings kept before they existed). */
  redirectUriSchemes?: string[] | undefined;
}

/** Server-side bookkeeping of a client, never shown to the client itself. */
export interface ClientAttributes {
  /** The registration policy a self-registered client registered under. */
  policy?: string | undefined;
  /** Who created it: self, admin, konnect, configuration. */
  source?: string | undefined;
  initialAccessTokenId?: string | undefined;
  /** Whether RFC 7592 self-management is allowed (default true). */
  selfManagement?: boolean | undefined;
  /** Set when an administrator created or last changed the client. */
  ceiling?: GrantedCeiling | undefined;
  /** Whether software_id came from a verified software statement or an administrator. */
  softwareIdVerified?: boolean | undefined;
}

export const attributesOf = (client: ClientRecord): ClientAttributes => client.attributes as ClientAttributes;

export const toStoredAttributes = (attributes: ClientAttributes): JsonObject =>
  Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== undefined));

export function selfManagementAllowed(client: ClientRecord): boolean {
  return attributesOf(client).selfManagement !== false;
}

/** Whether the client's software_id may be trusted (reach tokens through claim expressions). */
export function softwareIdVerified(client: ClientRecord): boolean {
  const attributes = attributesOf(client);
  return attributes.softwareIdVerified ?? attributes.source !== 'self';
}

const ALL_AUTH_METHODS: TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** The ceiling of what an administrator just granted: exactly these grants, scopes and redirect hosts. */
export function ceilingOf(metadata: ClientMetadata): GrantedCeiling {
  // Redirect hosts only: a post-logout host never becomes a host authorization codes may go to.
  const urls = (metadata.redirect_uris ?? []).map((uri) => URL.parse(uri)).filter((url): url is URL => url !== null);
  const hosts = urls.map((url) => url.hostname).filter(Boolean);
  const schemes = urls.map((url) => url.protocol.slice(0, -1)).filter((scheme) => scheme !== 'http' && scheme !== 'https');
  return {
    grantTypes: [...(metadata.grant_types ?? [])],
    // A public client may stay public; a confidential one never becomes public on its own.
    tokenEndpointAuthMethods: metadata.token_endpoint_auth_method === 'none' ? [...ALL_AUTH_METHODS, 'none'] : ALL_AUTH_METHODS,
    scopes: (metadata.scope ?? '').split(' ').filter(Boolean),
    redirectUriHosts: [...new Set(hosts)],
    redirectUriSchemes: [...new Set(schemes)],
  };
}

/** A ceiling as the policy self-service updates are checked against. */
export function ceilingPolicy(clientId: string, ceiling: GrantedCeiling): RegistrationPolicy {
  return {
    name: `granted:${clientId}`,
    grantTypes: ceiling.grantTypes as GrantType[],
    tokenEndpointAuthMethods: ceiling.tokenEndpointAuthMethods as TokenEndpointAuthMethod[],
    scopes: ceiling.scopes,
    redirectUriHosts: ceiling.redirectUriHosts,
    redirectUriSchemes: ceiling.redirectUriSchemes ?? [],
    requireSoftwareStatement: false,
  };
}
