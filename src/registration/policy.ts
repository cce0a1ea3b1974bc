import {
  IDENTITY_SCOPES, OPENID_CONNECT_SCOPES, type Configuration, type RegistrationPolicyConfig, type ResourceServerConfig,
} from '../configuration/index.js';
import { invalidClientMetadata, invalidRedirectUri } from './errors.js';
import type { ClientMetadata } from './metadata-schema.js';

export const DEFAULT_POLICY = 'default';

/** A registration policy with its defaults resolved against the configured resource servers. */
export interface RegistrationPolicy extends RegistrationPolicyConfig {
  name: string;
  scopes: string[];
}

/**
 * The scope of a client that registers none, unless its policy names one: the OpenID Connect
 * identity scopes among those allowed. A resource server's scope is never given by default (it
 * entitles the client to that resource server), even one that shares a name with an identity scope.
 */
export function identityDefaultScope(resourceServers: readonly ResourceServerConfig[], allowed?: readonly string[]): string {
  const resourceScopes = new Set(resourceServers.flatMap((server) => server.scopes));
  const permitted = allowed === undefined ? undefined : new Set(allowed);
  return IDENTITY_SCOPES.filter((scope) => !resourceScopes.has(scope) && (permitted?.has(scope) ?? true)).join(' ');
}

export function resolvePolicies(configuration: Configuration): Map<string, RegistrationPolicy> {
  const offered = [...new Set([...OPENID_CONNECT_SCOPES, ...configuration.resourceServers.flatMap((server) => server.scopes)])];
  // What a client may register when nobody declared a "default" policy: machines with client
  // credentials, and apps on a person's device (native apps, MCP clients) that redirect to a
  // loopback address and sign people in with PKCE, each sign-in behind the person's consent.
  const builtIn: RegistrationPolicyConfig = {
    grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'],
    tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    // Loopback IP literals only: RFC 8252 §8.3 advises against "localhost", which a resolver may send elsewhere.
    redirectUriHosts: ['127.0.0.1', '[::1]'],
    requirePkce: true,
    requireSoftwareStatement: false,
  };
  const declared = { [DEFAULT_POLICY]: builtIn, ...configuration.registration.policies };
  return new Map(Object.entries(declared).map(([name, policy]) => {
    const scopes = policy.scopes ?? offered;
    return [name, { ...policy, name, scopes, defaultScope: policy.defaultScope ?? identityDefaultScope(configuration.resourceServers, scopes) }];
  }));
}

/**
 * A policy that allows every grant type, authentication method, redirect host and the given
 * scopes (the admin API's, the Konnect bridge's), with the given default for clients that ask for none.
 */
export function unrestrictedPolicy(name: string, scopes: readonly string[], defaultScope?: string): RegistrationPolicy {
  return {
    name,
    grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'],
    tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    scopes: [...new Set(scopes)],
    ...(defaultScope === undefined ? {} : { defaultScope }),
    redirectUriHosts: ['*'],
    requireSoftwareStatement: false,
  };
}

const RFC7591_DEFAULT_GRANT_TYPES = ['authorization_code'];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/** A loopback IP literal over http (RFC 8252 §7.3), or a private-use URI scheme (§7.1: reverse domain, with a dot). */
function isNativeRedirectUri(uri: string): boolean {
  const url = URL.parse(uri);
  if (!url) return false;
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname);
  return url.protocol !== 'https:' && url.protocol.slice(0, -1).includes('.');
}

/**
 * The effective metadata of a registration under a policy: RFC 7591 defaults for what was left
 * out, policy defaults where it has them, and a refusal naming the field for anything outside it.
 * Nothing requested is ever silently widened or narrowed.
 */
export function applyPolicy(requested: ClientMetadata, policy: RegistrationPolicy): ClientMetadata {
  const effective: ClientMetadata = { ...requested };

  const grantTypes = requested.grant_types ?? RFC7591_DEFAULT_GRANT_TYPES;
  for (const grantType of grantTypes) {
    if (!(policy.grantTypes as string[]).includes(grantType)) {
      throw invalidClientMetadata('grant_types', `"${grantType}" is not allowed by the registration policy`);
    }
  }
  effective.grant_types = [...new Set(grantTypes)];
  effective.response_types = requested.response_types ?? (grantTypes.includes('authorization_code') ? ['code'] : []);

  const method = requested.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!(policy.tokenEndpointAuthMethods as string[]).includes(method)) {
    throw invalidClientMetadata('token_endpoint_auth_method', `"${method}" is not allowed by the registration policy`);
  }
  if (method === 'none' && grantTypes.includes('client_credentials')) {
    throw invalidClientMetadata('token_endpoint_auth_method', 'a public client (none) cannot use client_credentials, which needs client authentication');
  }
  effective.token_endpoint_auth_method = method;

  const scope = requested.scope ?? policy.defaultScope;
  if (scope !== undefined) {
    const scopes = scope.split(' ').filter(Boolean);
    const allowed = new Set(policy.scopes);
    const refused = scopes.find((value) => !allowed.has(value));
    if (refused !== undefined) throw invalidClientMetadata('scope', `"${refused}" is not allowed by the registration policy`);
    if (scopes.length > 0) effective.scope = [...new Set(scopes)].join(' ');
    else delete effective.scope;
  }

  const redirectUris = requested.redirect_uris ?? [];
  for (const redirectUri of [...redirectUris, ...(requested.post_logout_redirect_uris ?? [])]) {
    const url = URL.parse(redirectUri);
    if (!url) throw invalidRedirectUri(`"${redirectUri}" is not an absolute URI`);
    const anyHost = policy.redirectUriHosts.includes('*');
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      // A private-use scheme (RFC 8252 §7.1) has no host to check: the policy names the schemes.
      if (!anyHost && !(policy.redirectUriSchemes ?? []).includes(url.protocol.slice(0, -1))) {
        throw invalidRedirectUri(`scheme "${url.protocol.slice(0, -1)}" is not allowed by the registration policy`);
      }
      continue;
    }
    if (!anyHost && !policy.redirectUriHosts.includes(url.hostname)) {
      throw invalidRedirectUri(`host "${url.hostname}" is not allowed by the registration policy`);
    }
  }
  effective.redirect_uris = redirectUris;
  // RFC 8252: an app on the user's device is a public client that redirects to a loopback
  // address on whatever port it could open (any port then matches, §7.3) or to a private-use
  // scheme (§7.1); oidc-provider treats a client as native when it says so, and a public client
  // that says nothing is taken at its redirect URIs' word.
  const isPublic = method === 'none';
  if (isPublic && requested.application_type === undefined && redirectUris.length > 0 && redirectUris.every(isNativeRedirectUri)) {
    effective.application_type = 'native';
  }

  if (policy.requirePkce) effective.require_pkce = true;
  if (policy.defaultResource !== undefined) effective.default_resource = policy.defaultResource;
  if (policy.allowedResources !== undefined) effective.allowed_resources = [...policy.allowedResources];
  return effective;
}
