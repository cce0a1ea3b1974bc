import { MAX_PASSWORD_LENGTH } from './password-policy.js';

/**
 * The admin users API's JSON Schemas: they validate requests (admin/schemas.ts's assertValid) and
 * are published in /admin/openapi.json.
 */

const name = { type: 'string', minLength: 1, maxLength: 255 } as const;

export const USERNAME = {
  type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\s\\u0000-\\u001f\\u007f]+$',
  description: 'Unique, compared case-insensitively; no white space.',
} as const;

export const PASSWORD = { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH } as const;

const GROUPS = {
  type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 128 },
  description: 'Group names (in the ID token and userinfo with the groups scope; readable as user.groups by claim expressions).',
} as const;

const PROFILE = {
  type: 'object', maxProperties: 50,
  description: 'Free-form attributes (at most 50 members; the whole request is bounded in size and depth), readable as user.profile.<path> by claim expressions.',
} as const;

const addressPart = { type: 'string', minLength: 1, maxLength: 255 } as const;

/** OpenID Connect's address claim (Core §5.1.1), released with the address scope. */
const ADDRESS = {
  type: 'object', minProperties: 1, additionalProperties: false,
  properties: {
    formatted: { ...addressPart, maxLength: 1024, description: 'The full address for display (lines separated by "\\n").' },
    street_address: { ...addressPart, maxLength: 1024 },
    locality: addressPart,
    region: addressPart,
    postal_code: { ...addressPart, maxLength: 32 },
    country: addressPart,
  },
  description: 'The postal address (OpenID Connect\'s address claim, with the address scope).',
} as const;

const url = { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 } as const;

/** OpenID Connect's other profile claims (Core §5.1), released with the profile scope. */
const PROFILE_CLAIMS = {
  middle_name: name,
  nickname: name,
  profile_url: { ...url, description: 'The URL of the user\'s profile page (the profile claim).' },
  picture: { ...url, description: 'The URL of the user\'s picture.' },
  website: url,
  gender: { type: 'string', minLength: 1, maxLength: 64, description: 'female, male, or another value.' },
  birthdate: { type: 'string', pattern: '^\\d{4}(-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01]))?$', description: 'YYYY-MM-DD, or the year alone (YYYY); 0000 for an undisclosed year.' },
  zoneinfo: { type: 'string', pattern: '^[A-Za-z0-9_+/-]{1,64}$', description: 'A time zone of the IANA database, such as Europe/Paris.' },
  locale: { type: 'string', pattern: '^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8}){0,4}$', maxLength: 35, description: 'A BCP 47 language tag, such as en-GB.' },
} as const;

/** What an administrator may set on a user (PUT replaces all of it; PATCH merges into it). */
const EDITABLE_PROPERTIES = {
  username: USERNAME,
  email: { type: 'string', format: 'email', maxLength: 254 },
  email_verified: { type: 'boolean' },
  name,
  given_name: name,
  family_name: name,
  ...PROFILE_CLAIMS,
  phone_number: {
    type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$',
    description: 'The phone number (E.164, such as +1 555 0100, is what OpenID Connect recommends), with the phone scope.',
  },
  phone_number_verified: { type: 'boolean' },
  address: ADDRESS,
  groups: GROUPS,
  profile: PROFILE,
  disabled: { type: 'boolean', description: 'A disabled user cannot sign in; disabling ends the user\'s sessions.' },
} as const;

export const USER_REPLACE_REQUEST_SCHEMA = {
  type: 'object',
  required: ['username'],
  properties: EDITABLE_PROPERTIES,
  additionalProperties: false,
} as const;

export const USER_CREATE_REQUEST_SCHEMA = {
  type: 'object',
  required: ['username'],
  properties: {
    ...EDITABLE_PROPERTIES,
    password: { ...PASSWORD, description: 'Without one the user cannot sign in until one is set (POST /users/{id}/password).' },
  },
  additionalProperties: false,
} as const;

export const USER_PATCH_SCHEMA = {
  description: 'A JSON Merge Patch (RFC 7396) of the user\'s editable members; null removes an optional member. The password is set with POST /users/{id}/password.',
  type: 'object',
} as const;

export const PASSWORD_REQUEST_SCHEMA = {
  type: 'object',
  required: ['password'],
  properties: { password: PASSWORD },
  additionalProperties: false,
} as const;

const timestamp = { type: 'string', format: 'date-time' } as const;

export const USER_SCHEMA = {
  type: 'object',
  required: [
    'id', 'username', 'email_verified', 'phone_number_verified', 'groups', 'profile', 'disabled', 'has_password', 'created_at', 'updated_at', 'last_sign_in_at',
  ],
  properties: {
    id: { type: 'string', description: 'Server-generated; the sub of the user\'s tokens.' },
    ...EDITABLE_PROPERTIES,
    has_password: { type: 'boolean', description: 'Whether a password is set (the password and its hash are never shown).' },
    created_at: timestamp,
    updated_at: timestamp,
    last_sign_in_at: { type: ['string', 'null'], format: 'date-time' },
  },
  not: { anyOf: [{ required: ['password'] }, { required: ['password_hash'] }] },
  additionalProperties: false,
} as const;

export const USER_LIST_SCHEMA = {
  type: 'object',
  required: ['users', 'next_cursor'],
  properties: { users: { type: 'array', items: USER_SCHEMA }, next_cursor: { type: ['string', 'null'] } },
  additionalProperties: false,
} as const;

export const USER_SESSION_LIST_SCHEMA = {
  type: 'object',
  required: ['sessions'],
  properties: {
    sessions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'signed_in_at', 'expires_at', 'clients'],
        properties: {
          id: { type: 'string', description: 'An identifier of the session for DELETE (not the session cookie).' },
          signed_in_at: { type: ['string', 'null'], format: 'date-time' },
          expires_at: { type: ['string', 'null'], format: 'date-time' },
          clients: { type: 'array', items: { type: 'string' }, description: 'Clients the user authorized in this session.' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export const USER_GRANT_LIST_SCHEMA = {
  type: 'object',
  required: ['grants'],
  properties: {
    grants: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'client_id', 'scope', 'resources', 'expires_at'],
        properties: {
          id: { type: 'string' },
          client_id: { type: 'string' },
          scope: { type: 'string', description: 'The OpenID Connect scopes consented to.' },
          resources: { type: 'object', additionalProperties: { type: 'string' }, description: 'Scopes consented to per resource server.' },
          expires_at: { type: ['string', 'null'], format: 'date-time' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;
