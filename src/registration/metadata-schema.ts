import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

import { keyPath } from '../configuration/index.js';
import { invalidClientMetadata } from './errors.js';

const uri = { type: 'string', format: 'uri' } as const;
const stringList = { type: 'array', items: { type: 'string' } } as const;

/** RFC 7591 §2 client metadata, as this server accepts it; other members are ignored. */
export const CLIENT_METADATA_PROPERTIES = {
  redirect_uris: { type: 'array', items: uri, description: 'Redirection URIs (authorization_code clients).' },
  token_endpoint_auth_method: { type: 'string', description: 'client_secret_basic (default), client_secret_post or private_key_jwt.' },
  token_endpoint_auth_signing_alg: { type: 'string', description: 'JWS algorithm of private_key_jwt client assertions.' },
  grant_types: { ...stringList, description: 'Grant types; default ["authorization_code"] as RFC 7591 says.' },
  response_types: { ...stringList, description: 'Response types; default ["code"] with authorization_code, [] otherwise.' },
  client_name: { type: 'string' },
  client_uri: uri,
  logo_uri: uri,
  scope: { type: 'string', description: 'Space-separated scopes the client may request.' },
  contacts: stringList,
  tos_uri: uri,
  policy_uri: uri,
  jwks_uri: uri,
  jwks: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object' } } } },
  software_id: { type: 'string' },
  software_version: { type: 'string' },
  software_statement: { type: 'string', description: 'A signed JWT (RFC 7591 §2.3) from a trusted issuer.' },
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
  client_id: { type: 'string', pattern: '^[\\x21-\\x7E]{1,255}$', description: 'A chosen client id (migrations); generated when absent.' },
  client_secret_expires_at: { type: 'integer', minimum: 0, description: 'When the secret expires (epoch seconds); 0: never.' },
  profile: { type: 'object', description: 'Custom attributes that claim expressions read as app.profile.<key>.' },
  default_resource: { type: 'string', format: 'uri', description: 'Resource server of token requests without a resource parameter.' },
  allowed_resources: { type: 'array', items: { type: 'string', format: 'uri' }, description: 'When set, the only resource servers the client may get tokens for.' },
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
    throw invalidClientMetadata(error ? keyPath(error.instancePath) : '(body)', error?.message ?? 'is invalid');
  }
  const kept: ClientMetadata = {};
  for (const [field, value] of Object.entries(body)) {
    if (KNOWN[kind].has(field) && value !== null) kept[field] = value;
  }
  return kept;
}
