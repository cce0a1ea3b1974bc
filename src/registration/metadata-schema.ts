import { createPublicKey, type JsonWebKey } from 'node:crypto';

import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

import { keyPath } from '../configuration/index.js';
import { invalidClientMetadata } from './errors.js';

/** Every string, list and number a client can send is bounded before it reaches code or storage. */
const uri = { type: 'string', format: 'uri', maxLength: 2048 } as const;
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const stringList = (maxItems: number, maxLength = 255) => ({ type: 'array', maxItems, items: { type: 'string', maxLength } }) as const;

/** A client id: printable ASCII, and never a dot segment (it could not be addressed in a URL path). */
export const CLIENT_ID = { type: 'string', pattern: '^(?!\\.{1,2}$)[\\x21-\\x7E]{1,255}$' } as const;

/** The latest time an epoch-seconds value may name: 9999-12-31T23:59:59Z. */
export const MAX_EPOCH_SECONDS = 253_402_300_799;

/** Public JWK members (RFC 7517, RFC 7518): all a client's key set may hold; nothing else is kept. */
const JWK_PROPERTIES = {
  kty: text(16),
  use: text(16),
  key_ops: stringList(8, 32),
  alg: text(32),
  kid: text(255),
  x5u: uri,
  x5c: stringList(10, 16_384),
  x5t: text(128),
  'x5t#S256': text(128),
  n: text(2048),
  e: text(32),
  crv: text(32),
  x: text(256),
  y: text(256),
} as const;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const JWKS_SCHEMA = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        required: ['kty'],
        properties: JWK_PROPERTIES,
        not: { anyOf: PRIVATE_JWK_MEMBERS.map((member) => ({ required: [member] })) },
      },
    },
  },
  description: 'The client\'s public keys (private_key_jwt); members other than public JWK parameters are dropped, private keys refused.',
} as const;

/** RFC 7591 §2 client metadata, as this server accepts it; other members are ignored. */
export const CLIENT_METADATA_PROPERTIES = {
  redirect_uris: { type: 'array', maxItems: 20, items: uri, description: 'Redirection URIs (authorization_code clients).' },
  post_logout_redirect_uris: { type: 'array', maxItems: 20, items: uri, description: 'Where RP-initiated logout may return the browser (OpenID Connect RP-Initiated Logout).' },
  application_type: { enum: ['web', 'native'], description: 'native: an app on the user\'s device (loopback and private-use scheme redirect URIs, RFC 8252).' },
  id_token_signed_response_alg: { ...text(32), description: 'JWS algorithm of the client\'s ID tokens; RS256 by default.' },
  userinfo_signed_response_alg: { ...text(32), description: 'JWS algorithm of signed userinfo responses (application/jwt); absent: plain JSON.' },
  token_endpoint_auth_method: { ...text(64), description: 'client_secret_basic (default), client_secret_post, private_key_jwt, or none for a public client (PKCE required).' },
  token_endpoint_auth_signing_alg: { ...text(32), description: 'JWS algorithm of private_key_jwt client assertions.' },
  grant_types: { ...stringList(5, 64), description: 'Grant types; default ["authorization_code"] as RFC 7591 says.' },
  response_types: { ...stringList(5, 64), description: 'Response types; default ["code"] with authorization_code, [] otherwise.' },
  client_name: text(255),
  client_uri: uri,
  logo_uri: uri,
  scope: { ...text(2048), description: 'Space-separated scopes the client may request.' },
  contacts: { type: 'array', maxItems: 10, items: { type: 'string', format: 'email', maxLength: 320 }, description: 'E-mail addresses of people responsible for the client.' },
  tos_uri: uri,
  policy_uri: uri,
  jwks_uri: uri,
  jwks: JWKS_SCHEMA,
  software_id: text(255),
  software_version: text(255),
  software_statement: { ...text(16_384), description: 'A signed JWT (RFC 7591 §2.3) from a trusted issuer.' },
} as const;

/** Fields the server alone sets; a self-registering client never chooses them. */
export const SERVER_ASSIGNED = ['client_id', 'client_secret', 'client_id_issued_at', 'client_secret_expires_at', 'registration_access_token', 'registration_client_uri'] as const;

export const CLIENT_METADATA_SCHEMA = {
  type: 'object',
  properties: CLIENT_METADATA_PROPERTIES,
  additionalProperties: true,
} as const;

/** What an administrator may set beyond RFC 7591 metadata. */
export const ADMIN_CLIENT_PROPERTIES = {
  client_id: { ...CLIENT_ID, description: 'A chosen client id (migrations); generated when absent.' },
  client_secret_expires_at: { type: 'integer', minimum: 0, maximum: MAX_EPOCH_SECONDS, description: 'When the secret expires (epoch seconds); 0: never.' },
  profile: { type: 'object', maxProperties: 100, description: 'Custom attributes that claim expressions read as app.profile.<key>.' },
  default_resource: { ...uri, description: 'Resource server of token requests without a resource parameter.' },
  allowed_resources: { type: 'array', maxItems: 50, items: uri, description: 'When set, the only resource servers the client may get tokens for.' },
  first_party: {
    type: 'boolean',
    description: 'An application of the operator\'s own: people are not asked for consent when it signs them in. Only an administrator sets it; a self-registered client never is.',
  },
  require_pkce: {
    type: 'boolean',
    description: 'PKCE (S256) is required even though the client is confidential (public clients always need it). Set by an administrator or by the registration policy (requirePkce).',
  },
  self_management: {
    type: 'boolean',
    description: 'Whether the client may read, update and delete its own registration with a registration access token (RFC 7592); default true. An update by the client never grants more than an administrator did.',
  },
} as const;

export const ADMIN_CLIENT_METADATA_SCHEMA = {
  type: 'object',
  properties: { ...CLIENT_METADATA_PROPERTIES, ...ADMIN_CLIENT_PROPERTIES },
  additionalProperties: true,
} as const;

export type ClientMetadata = Record<string, unknown> & {
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  token_endpoint_auth_method?: string;
  grant_types?: string[];
  response_types?: string[];
  scope?: string;
  software_statement?: string;
};

const ajv = new Ajv2020({ allErrors: false, strict: false });
addFormats.default(ajv);
const validators = {
  self: ajv.compile(CLIENT_METADATA_SCHEMA),
  admin: ajv.compile(ADMIN_CLIENT_METADATA_SCHEMA),
};
const KNOWN = {
  self: new Set(Object.keys(CLIENT_METADATA_PROPERTIES)),
  admin: new Set([...Object.keys(CLIENT_METADATA_PROPERTIES), ...Object.keys(ADMIN_CLIENT_PROPERTIES)]),
};

/**
 * Checks the types of the members we know, and keeps only those (unknown metadata is ignored,
 * RFC 7591 §2). Throws invalid_client_metadata naming the field.
 */
export function parseClientMetadata(body: unknown, kind: 'self' | 'admin' = 'self'): ClientMetadata {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidClientMetadata('(body)', 'must be a JSON object');
  }
  const validate = validators[kind];
  if (!validate(body)) {
    const error = validate.errors?.[0];
    if (error?.keyword === 'required') throw invalidClientMetadata(keyPath(error.instancePath, String(error.params.missingProperty)), 'is required');
    const problem = error?.keyword === 'not' ? 'must be a public key (private key members are refused)' : (error?.message ?? 'is invalid');
    throw invalidClientMetadata(error ? keyPath(error.instancePath) : '(body)', problem);
  }
  const kept: ClientMetadata = {};
  for (const [field, value] of Object.entries(body)) {
    if (KNOWN[kind].has(field) && value !== null) kept[field] = value;
  }
  if (kept.jwks !== undefined) kept.jwks = publicKeySet(kept.jwks as { keys: Record<string, unknown>[] });
  return kept;
}

/** Each key must be one a client assertion could be verified with (a usable RSA, EC or OKP public key). */
function assertUsableKeys(keys: Record<string, unknown>[]): void {
  keys.forEach((key, index) => {
    try {
      createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
    } catch {
      throw invalidClientMetadata(`jwks.keys[${index}]`, 'is not a usable public key');
    }
  });
}

/** Only the public JWK parameters of each key: nothing the server did not understand is kept. */
function publicKeySet(jwks: { keys: Record<string, unknown>[] }): { keys: Record<string, unknown>[] } {
  const keys = jwks.keys.map((key) => Object.fromEntries(Object.entries(key).filter(([member]) => Object.hasOwn(JWK_PROPERTIES, member))));
  assertUsableKeys(keys);
  return { keys };
}
