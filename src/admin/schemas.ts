import { ADMIN_CLIENT_PROPERTIES, ADMIN_CLIENT_METADATA_SCHEMA, CLIENT_METADATA_PROPERTIES } from '../registration/index.js';

/**
 * The admin API's JSON Schemas: they validate requests here, and /admin/openapi.json is built from
 * them (admin/openapi.ts), so the document cannot drift from what the server checks.
 */

const epochSeconds = { type: 'integer', minimum: 0 } as const;
const nullableString = { type: ['string', 'null'] } as const;

export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' }, error_description: { type: 'string' } },
} as const;

/** Registered metadata as the admin API shows it: no secret. */
export const CLIENT_SCHEMA = {
  type: 'object',
  required: ['client_id', 'client_id_issued_at', 'client_secret_expires_at', 'registration_client_uri', 'self_management'],
  properties: {
    ...CLIENT_METADATA_PROPERTIES,
    ...ADMIN_CLIENT_PROPERTIES,
    client_id_issued_at: epochSeconds,
    default_resource: { type: 'string' },
    registration_client_uri: { type: 'string', format: 'uri' },
    software_id_verified: { type: 'boolean', description: 'Present with software_id: whether it came from a verified software statement or an administrator (only a verified one reaches tokens).' },
  },
  not: { anyOf: [{ required: ['client_secret'] }, { required: ['registration_access_token'] }] },
  additionalProperties: true,
} as const;

/** What creation answers: the client with its credentials, shown once. */
export const CLIENT_WITH_CREDENTIALS_SCHEMA = {
  type: 'object',
  required: ['client_id', 'client_id_issued_at', 'client_secret_expires_at', 'registration_client_uri', 'self_management'],
  properties: {
    ...CLIENT_SCHEMA.properties,
    client_secret: { type: 'string' },
    registration_access_token: { type: 'string', description: 'Present unless self_management is false.' },
  },
  additionalProperties: true,
} as const;

/** What an update answers: the client, and a secret only when the update generated one. */
export const UPDATED_CLIENT_SCHEMA = {
  type: 'object',
  required: CLIENT_SCHEMA.required,
  properties: {
    ...CLIENT_SCHEMA.properties,
    client_secret: { type: 'string', description: 'Present once, when the update moved the client to a secret-based authentication method.' },
  },
  not: { required: ['registration_access_token'] },
  additionalProperties: true,
} as const;

export const CLIENT_LIST_SCHEMA = {
  type: 'object',
  required: ['clients', 'next_cursor'],
  properties: { clients: { type: 'array', items: CLIENT_SCHEMA }, next_cursor: nullableString },
  additionalProperties: false,
} as const;

export const CLIENT_PATCH_SCHEMA = {
  description: 'A JSON Merge Patch (RFC 7396) of the client\'s metadata; null removes a member.',
  type: 'object',
} as const;

export const SECRET_ROTATION_REQUEST_SCHEMA = {
  type: 'object',
  properties: {
    grace_period: { type: 'integer', minimum: 0, maximum: 2_592_000, description: 'Seconds the old secret keeps working; 0 (default): it stops at once.' },
  },
  additionalProperties: false,
} as const;

export const SECRET_ROTATION_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['client_id', 'client_secret', 'client_secret_expires_at'],
  properties: { client_id: { type: 'string' }, client_secret: { type: 'string' }, client_secret_expires_at: epochSeconds },
  additionalProperties: false,
} as const;

export const REGISTRATION_ACCESS_TOKEN_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['client_id', 'registration_access_token', 'registration_client_uri'],
  properties: {
    client_id: { type: 'string' },
    registration_access_token: { type: 'string' },
    registration_client_uri: { type: 'string', format: 'uri' },
  },
  additionalProperties: false,
} as const;


export const INITIAL_ACCESS_TOKEN_CREATED_SCHEMA = {
  type: 'object',
  required: ['id', 'initial_access_token', 'expires_at'],
  properties: { id: { type: 'string' }, initial_access_token: { type: 'string' }, expires_at: { type: ['integer', 'null'] } },
  additionalProperties: false,
} as const;

export const INITIAL_ACCESS_TOKEN_SCHEMA = {
  type: 'object',
  required: ['id', 'policies', 'expires_at', 'max_uses', 'uses', 'created_at'],
  properties: {
    id: { type: 'string' },
    policies: { type: 'array', items: { type: 'string' } },
    expires_at: { type: ['integer', 'null'] },
    max_uses: { type: ['integer', 'null'] },
    uses: { type: 'integer', minimum: 0 },
    created_at: epochSeconds,
  },
  additionalProperties: false,
} as const;

export const INITIAL_ACCESS_TOKEN_LIST_SCHEMA = {
  type: 'object',
  required: ['initial_access_tokens'],
  properties: { initial_access_tokens: { type: 'array', items: INITIAL_ACCESS_TOKEN_SCHEMA } },
  additionalProperties: false,
} as const;

export const AUDIT_EVENT_SCHEMA = {
  type: 'object',
  required: ['id', 'time', 'actor', 'action', 'outcome'],
  properties: {
    id: { type: 'string' },
    time: { type: 'string', format: 'date-time' },
    actor: { type: 'string' },
    action: { type: 'string' },
    client_id: { type: 'string' },
    request_id: { type: 'string' },
    outcome: { enum: ['success', 'failure'] },
    detail: { type: 'string' },
  },
  additionalProperties: false,
} as const;

export const AUDIT_EVENT_LIST_SCHEMA = {
  type: 'object',
  required: ['events', 'next_cursor'],
  properties: { events: { type: 'array', items: AUDIT_EVENT_SCHEMA }, next_cursor: nullableString },
  additionalProperties: false,
} as const;

const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const SIGNING_KEY_SCHEMA = {
  type: 'object',
  required: ['kid', 'alg', 'generation', 'state', 'published_at', 'activate_at', 'retire_at', 'remove_at'],
  properties: {
    kid: { type: 'string' },
    alg: { type: 'string' },
    generation: { type: 'integer', minimum: 1 },
    state: { enum: ['pending', 'active', 'retired'], description: 'pending: published, not signing yet; active: signing; retired: published until its tokens expire.' },
    published_at: { type: 'string', format: 'date-time' },
    activate_at: { type: 'string', format: 'date-time' },
    retire_at: nullableDateTime,
    remove_at: nullableDateTime,
  },
  additionalProperties: false,
} as const;

export const SIGNING_KEY_LIST_SCHEMA = {
  type: 'object',
  required: ['keys'],
  properties: { keys: { type: 'array', items: SIGNING_KEY_SCHEMA } },
  additionalProperties: false,
} as const;


export const KEY_ROTATION_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['rotations'],
  properties: {
    rotations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['next', 'previous'],
        properties: { next: SIGNING_KEY_SCHEMA, previous: { type: 'array', items: SIGNING_KEY_SCHEMA } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

/** GET /admin/me: who the caller is and what it may do. */
export const CALLER_SCHEMA = {
  type: 'object',
  required: ['actor', 'role'],
  properties: {
    actor: { type: 'string', description: 'As the audit trail names the caller: admin-token#<n>, client:<client_id> or user:<id>.' },
    role: { enum: ['full', 'read-only'], description: 'read-only: GET only (a console user in a read-only group).' },
    user: {
      type: 'object',
      description: 'The administrator signed in to the console.',
      required: ['id', 'username', 'groups'],
      properties: { id: { type: 'string' }, username: { type: 'string' }, name: { type: 'string' }, groups: { type: 'array', items: { type: 'string' } } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

/** What the admin API's requests may hold in this deployment: its policies, algorithms, scopes and resources. */
export interface RequestSchemaOptions {
  policies: readonly string[];
  algorithms: readonly string[];
  scopes: readonly string[];
  resources: readonly string[];
}

export interface RequestSchemas {
  clientRequest: object;
  initialAccessTokenRequest: object;
  keyRotationRequest: object;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The request schemas, with this deployment's values as enums and patterns, so that the OpenAPI
 * document built from them describes every constraint the server enforces: a request valid
 * against the document is not refused for a value the document allowed.
 */
export function requestSchemas({ policies, algorithms, scopes, resources }: RequestSchemaOptions): RequestSchemas {
  const scope = `(?:${scopes.map(escapeRegExp).join('|')})`;
  const needsRedirectUris = {
    anyOf: [
      { not: { required: ['grant_types'] } },
      { required: ['grant_types'], properties: { grant_types: { contains: { const: 'authorization_code' } } } },
      { required: ['response_types'], properties: { response_types: { contains: { const: 'code' } } } },
    ],
  };
  return {
    clientRequest: {
      type: 'object',
      properties: {
        ...ADMIN_CLIENT_METADATA_SCHEMA.properties,
        grant_types: { ...CLIENT_METADATA_PROPERTIES.grant_types, items: { enum: ['client_credentials', 'authorization_code', 'refresh_token'] }, uniqueItems: true },
        token_endpoint_auth_signing_alg: { ...CLIENT_METADATA_PROPERTIES.token_endpoint_auth_signing_alg, enum: ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'] },
        response_types: { ...CLIENT_METADATA_PROPERTIES.response_types, items: { enum: ['code'] } },
        token_endpoint_auth_method: { ...CLIENT_METADATA_PROPERTIES.token_endpoint_auth_method, enum: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] },
        scope: { ...CLIENT_METADATA_PROPERTIES.scope, pattern: `^(?:${scope}(?: ${scope})*)?$`, description: `Space-separated scopes among: ${scopes.join(', ')}.` },
        default_resource: { ...ADMIN_CLIENT_PROPERTIES.default_resource, enum: [...resources] },
        allowed_resources: { ...ADMIN_CLIENT_PROPERTIES.allowed_resources, items: { enum: [...resources] } },
      },
      allOf: [
        {
          description: 'authorization_code (the default grant type) and the code response type need redirect_uris.',
          if: needsRedirectUris,
          then: { required: ['redirect_uris'], properties: { redirect_uris: { minItems: 1 } } },
        },
        {
          description: 'private_key_jwt needs the client\'s keys: jwks or jwks_uri.',
          if: { required: ['token_endpoint_auth_method'], properties: { token_endpoint_auth_method: { const: 'private_key_jwt' } } },
          then: { anyOf: [{ required: ['jwks'] }, { required: ['jwks_uri'] }] },
        },
        {
          description: 'token_endpoint_auth_signing_alg belongs to private_key_jwt.',
          if: { required: ['token_endpoint_auth_signing_alg'] },
          then: { required: ['token_endpoint_auth_method'], properties: { token_endpoint_auth_method: { const: 'private_key_jwt' } } },
        },
      ],
      additionalProperties: true,
    },
    initialAccessTokenRequest: {
      type: 'object',
      properties: {
        expires_in: { type: 'integer', minimum: 1, maximum: 315_360_000, description: 'Seconds until the token expires (at most 10 years); never when absent.' },
        max_uses: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'Registrations the token allows; unlimited when absent.' },
        policies: {
          type: 'array', items: { enum: [...policies] }, minItems: 1, maxItems: 20,
          description: 'Registration policies it grants (the first applies); default ["default"].',
        },
      },
      additionalProperties: false,
    },
    keyRotationRequest: {
      type: 'object',
      properties: { alg: { enum: [...algorithms], description: 'The algorithm whose key to rotate; every algorithm in use when absent.' } },
      additionalProperties: false,
    },
  };
}
