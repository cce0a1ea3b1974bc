import {
  AUDIT_EVENT_LIST_SCHEMA, CALLER_SCHEMA, CLIENT_LIST_SCHEMA, CLIENT_PATCH_SCHEMA, CLIENT_SCHEMA,
  CLIENT_WITH_CREDENTIALS_SCHEMA, ERROR_SCHEMA, INITIAL_ACCESS_TOKEN_CREATED_SCHEMA, INITIAL_ACCESS_TOKEN_LIST_SCHEMA,
  REGISTRATION_ACCESS_TOKEN_RESPONSE_SCHEMA, SECRET_ROTATION_REQUEST_SCHEMA,
  SECRET_ROTATION_RESPONSE_SCHEMA, UPDATED_CLIENT_SCHEMA, SIGNING_KEY_LIST_SCHEMA, KEY_ROTATION_RESPONSE_SCHEMA, type RequestSchemas,
} from './schemas.js';
import { CLIENT_ID } from '../registration/index.js';
import {
  PASSWORD_REQUEST_SCHEMA, USER_CREATE_REQUEST_SCHEMA, USER_GRANT_LIST_SCHEMA, USER_LIST_SCHEMA, USER_PATCH_SCHEMA, USER_REPLACE_REQUEST_SCHEMA,
  USER_SCHEMA, USER_SESSION_LIST_SCHEMA,
} from '../users/index.js';
import { METRICS_SNAPSHOT_SCHEMA } from '../metrics/index.js';
import { ADMIN_PATH, ADMIN_SCOPE } from '../api/index.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);

const UNAUTHORIZED = {
  401: error('Missing or invalid credentials.'),
  403: error(`A token without the ${ADMIN_SCOPE} scope; a console user who is not (or no longer) an administrator; a change by a read-only administrator.`),
};
const NOT_FOUND = { 404: error('No such client.') };
const CONFIGURED = { 409: error('Declared in the configuration file (change it there), or changed by another request meanwhile (read it again and retry).') };
const INVALID = { 400: error('Invalid input (the body, a query parameter, or the spelling of the path); the same error codes as the registration endpoint (RFC 7591).') };
const clientIdParameter = { name: 'clientId', in: 'path', required: true, schema: CLIENT_ID };
const UNAVAILABLE = { 503: error('The store cannot serve right now; retry after Retry-After seconds.') };
const UNSUPPORTED = { 415: error('The body is not sent as JSON.'), 413: error('The body is too large.') };
const userIdParameter = { name: 'userId', in: 'path', required: true, schema: { type: 'string', maxLength: 255 } };
const NO_USER = { 404: error('No such user (or session, or grant).') };
const USER_CONFLICT = { 409: error('The username is taken, or the user was changed by another request meanwhile (read it again and retry).') };
const limitParameter = { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } };
const cursorParameter = {
  name: 'cursor', in: 'query', description: 'The next_cursor of the previous page (only cursors this server issued are accepted).',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,1024}$' },
};
const filterParameter = (name: string) => ({ name, in: 'query', schema: { type: 'string', minLength: 1, maxLength: 255 } });

/** The admin API's OpenAPI 3.1 document, built from the schemas that validate its requests. */
export function buildOpenApiDocument(issuer: string, requests: RequestSchemas): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Admin API',
      version: '1.0.0',
      description: 'Manage clients on behalf of others: create, read, update, delete, list, rotate secrets; initial access tokens; users, their passwords, sessions and grants; signing keys; the audit trail; the caller and this instance\'s metrics.',
    },
    servers: [{ url: `${issuer}${ADMIN_PATH}` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: `An ADMIN_TOKEN, or an access token of this server for the resource ${issuer}${ADMIN_PATH} with the scope ${ADMIN_SCOPE}: a client's own (client credentials), or an administrator's from the admin console's sign-in.`,
        },
      },
      schemas: {
        Error: ERROR_SCHEMA,
        ClientRequest: requests.clientRequest,
        ClientPatch: CLIENT_PATCH_SCHEMA,
        Client: CLIENT_SCHEMA,
        ClientWithCredentials: CLIENT_WITH_CREDENTIALS_SCHEMA,
        UpdatedClient: UPDATED_CLIENT_SCHEMA,
        ClientList: CLIENT_LIST_SCHEMA,
        SecretRotationRequest: SECRET_ROTATION_REQUEST_SCHEMA,
        SecretRotationResponse: SECRET_ROTATION_RESPONSE_SCHEMA,
        RegistrationAccessTokenResponse: REGISTRATION_ACCESS_TOKEN_RESPONSE_SCHEMA,
        InitialAccessTokenRequest: requests.initialAccessTokenRequest,
        InitialAccessTokenCreated: INITIAL_ACCESS_TOKEN_CREATED_SCHEMA,
        InitialAccessTokenList: INITIAL_ACCESS_TOKEN_LIST_SCHEMA,
        AuditEventList: AUDIT_EVENT_LIST_SCHEMA,
        SigningKeyList: SIGNING_KEY_LIST_SCHEMA,
        KeyRotationRequest: requests.keyRotationRequest,
        KeyRotationResponse: KEY_ROTATION_RESPONSE_SCHEMA,
        UserCreateRequest: USER_CREATE_REQUEST_SCHEMA,
        UserReplaceRequest: USER_REPLACE_REQUEST_SCHEMA,
        UserPatch: USER_PATCH_SCHEMA,
        User: USER_SCHEMA,
        UserList: USER_LIST_SCHEMA,
        PasswordRequest: PASSWORD_REQUEST_SCHEMA,
        UserSessionList: USER_SESSION_LIST_SCHEMA,
        UserGrantList: USER_GRANT_LIST_SCHEMA,
        Caller: CALLER_SCHEMA,
        MetricsSnapshot: METRICS_SNAPSHOT_SCHEMA,
      },
    },
    paths: {
      '/clients': {
        post: {
          summary: 'Create a client',
          requestBody: { required: true, content: { 'application/json': { schema: ref('ClientRequest') } } },
          responses: { 201: json(ref('ClientWithCredentials'), 'The client, with its credentials (shown once).'), ...INVALID, ...UNSUPPORTED, ...UNAUTHORIZED, ...UNAVAILABLE },
        },
        get: {
          summary: 'List clients (keyset pagination, oldest first)',
          parameters: [limitParameter, cursorParameter, filterParameter('client_name'), filterParameter('software_id')],
          responses: { 200: json(ref('ClientList'), 'A page of clients; a Link header with rel="next" when there are more.'), ...INVALID, ...UNAUTHORIZED, ...UNAVAILABLE },
        },
      },
      '/clients/{clientId}': {
        parameters: [clientIdParameter],
        get: { summary: 'Read a client', responses: { 200: json(ref('Client'), 'The client, without its secret.'), ...NOT_FOUND, ...INVALID, ...UNAUTHORIZED, ...UNAVAILABLE } },
        put: {
          summary: 'Replace a client',
          requestBody: { required: true, content: { 'application/json': { schema: ref('ClientRequest') } } },
          responses: { 200: json(ref('UpdatedClient'), 'The replaced client.'), ...CONFIGURED, ...INVALID, ...UNSUPPORTED, ...NOT_FOUND, ...UNAUTHORIZED, ...UNAVAILABLE },
        },
        patch: {
          summary: 'Update a client with a JSON Merge Patch (RFC 7396)',
          requestBody: { required: true, content: { 'application/merge-patch+json': { schema: ref('ClientPatch') }, 'application/json': { schema: ref('ClientPatch') } } },
          responses: { 200: json(ref('UpdatedClient'), 'The updated client.'), ...CONFIGURED, ...INVALID, ...UNSUPPORTED, ...NOT_FOUND, ...UNAUTHORIZED, ...UNAVAILABLE },
        },
        delete: { summary: 'Delete a client and everything issued to it', responses: { 204: { description: 'Deleted.' }, ...NOT_FOUND, ...INVALID, ...CONFIGURED, ...UNAUTHORIZED, ...UNAVAILABLE } },
      },
      '/clients/{clientId}/secret': {
        parameters: [clientIdParameter],
        post: {
          summary: 'Rotate the client secret',
          requestBody: { required: false, content: { 'application/json': { schema: ref('SecretRotationRequest') } } },
          responses: { 200: json(ref('SecretRotationResponse'), 'The new secret (shown once).'), ...CONFIGURED, ...INVALID, ...UNSUPPORTED, ...NOT_FOUND, ...UNAUTHORIZED, ...UNAVAILABLE },
        },
      },
      '/clients/{clientId}/registration-access-token': {
        parameters: [clientIdParameter],
        post: {
          summary: 'Issue a new registration access token (the old ones stop working)',
          responses: {
            200: json(ref('RegistrationAccessTokenResponse'), 'The new token (shown once).'),
            409: error('Self-management (RFC 7592) is off for this client, or the client is declared in the configuration file.'),
            ...INVALID, ...NOT_FOUND, ...UNAUTHORIZED, ...UNAVAILABLE,
          },
        },
      },
      '/initial-access-tokens': {
        post: {
          summary: 'Create an initial access token',
          requestBody: { required: false, content: { 'application/json': { schema: ref('InitialAccessTokenRequest') } } },
          responses: { 201: json(ref('InitialAccessTokenCreated'), 'The token (shown once).'), ...INVALID, ...UNSUPPORTED, ...UNAUTHORIZED, ...UNAVAILABLE },
        },
        get: { summary: 'List initial access tokens (without their values)', responses: { 200: json(ref('InitialAccessTokenList'), 'The tokens.'), ...INVALID, ...UNAUTHORIZED, ...UNAVAILABLE } },
      },
      '/initial-access-tokens/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: CLIENT_ID }],
        delete: { summary: 'Revoke an initial access token', responses: { 204: { description: 'Revoked.' }, 404: error('No such token.'), ...INVALID, ...CONFIGURED, ...UNAUTHORIZED, ...UNAVAILABLE } },
      },
      '/keys': {
        get: { summary: 'List the signing keys and their schedule', responses: { 200: json(ref('SigningKeyList'), 'The keys, published or scheduled.'), ...INVALID, ...UNAUTHORIZED, ...UNAVAILABLE } },
      },
      '/keys/rotate': {
        post: {
          summary: 'Rotate signing keys: publish a new key now, sign with it after keys.prePublishSeconds, keep the old one published until its tokens expire',
          requestBody: { required: false, content: { 'application/json': { schema: ref('KeyRotationRequest') } } },
          responses: { 200: json(ref('KeyRotationResponse'), 'The new keys and the ones they replace.'), 409: error('A rotation of that algorithm is under way (its new key does not sign yet).'), ...INVALID, ...UNSUPPORTED, ...UNAUTHORIZED, ...UNAVAILABLE },
        },
      },
      '/users': {
        post: {
          summary: 'Create a user',
          requestBody: { required: true, content: { 'application/json': { schema: ref('UserCreateRequest') } } },
          responses: {
            201: json(ref('User'), 'The user (never its password or hash); Location names it.'), ...INVALID, ...UNAUTHORIZED,
            409: error('The username is taken (usernames are compared case-insensitively).'), ...UNSUPPORTED, ...UNAVAILABLE,
          },
        },
        get: {
          summary: 'List users (oldest first)',
          parameters: [filterParameter('username'), filterParameter('email'), filterParameter('group'), limitParameter, cursorParameter],
          responses: { 200: json(ref('UserList'), 'A page of users; a Link header with rel="next" when there are more.'), ...INVALID, ...UNAUTHORIZED, ...UNAVAILABLE },
        },
      },
      '/users/{userId}': {
        parameters: [userIdParameter],
        get: { summary: 'Read a user', responses: { 200: json(ref('User'), 'The user.'), ...UNAUTHORIZED, ...NO_USER, ...UNAVAILABLE } },
        put: {
          summary: 'Replace a user (not its password); disabled: true ends its sessions',
          requestBody: { required: true, content: { 'application/json': { schema: ref('UserReplaceRequest') } } },
          responses: { 200: json(ref('User'), 'The user as stored.'), ...INVALID, ...UNAUTHORIZED, ...NO_USER, ...USER_CONFLICT, ...UNSUPPORTED, ...UNAVAILABLE },
        },
        patch: {
          summary: 'Change a user with a JSON Merge Patch (RFC 7396)',
          requestBody: { required: true, content: { 'application/merge-patch+json': { schema: ref('UserPatch') }, 'application/json': { schema: ref('UserPatch') } } },
          responses: { 200: json(ref('User'), 'The user as stored.'), ...INVALID, ...UNAUTHORIZED, ...NO_USER, ...USER_CONFLICT, ...UNSUPPORTED, ...UNAVAILABLE },
        },
        delete: {
          summary: 'Delete a user, with its sessions, grants, codes and refresh tokens',
          responses: { 204: { description: 'Deleted.' }, ...UNAUTHORIZED, ...NO_USER, ...UNAVAILABLE },
        },
      },
      '/users/{userId}/password': {
        parameters: [userIdParameter],
        post: {
          summary: 'Set a user\'s password',
          requestBody: { required: true, content: { 'application/json': { schema: ref('PasswordRequest') } } },
          responses: {
            204: { description: 'Set.' }, 400: error('Invalid input, or a password the policy refuses (invalid_password: too short, too common, the username).'),
            ...UNAUTHORIZED, ...NO_USER, ...USER_CONFLICT, ...UNSUPPORTED, ...UNAVAILABLE,
          },
        },
      },
      '/users/{userId}/sessions': {
        parameters: [userIdParameter],
        get: { summary: 'List a user\'s sign-in sessions', responses: { 200: json(ref('UserSessionList'), 'The sessions.'), ...UNAUTHORIZED, ...NO_USER, ...UNAVAILABLE } },
        delete: { summary: 'End every session of a user', responses: { 204: { description: 'Ended.' }, ...UNAUTHORIZED, ...NO_USER, ...UNAVAILABLE } },
      },
      '/users/{userId}/sessions/{sessionId}': {
        parameters: [userIdParameter, { name: 'sessionId', in: 'path', required: true, schema: { type: 'string', maxLength: 255 } }],
        delete: { summary: 'End one session', responses: { 204: { description: 'Ended.' }, ...UNAUTHORIZED, ...NO_USER, ...UNAVAILABLE } },
      },
      '/users/{userId}/grants': {
        parameters: [userIdParameter],
        get: { summary: 'List what a user consented to, per client', responses: { 200: json(ref('UserGrantList'), 'The grants.'), ...UNAUTHORIZED, ...NO_USER, ...UNAVAILABLE } },
      },
      '/users/{userId}/grants/{grantId}': {
        parameters: [userIdParameter, { name: 'grantId', in: 'path', required: true, schema: { type: 'string', maxLength: 255 } }],
        delete: {
          summary: 'Revoke a grant with every code and token issued under it (the client must ask for consent again)',
          responses: { 204: { description: 'Revoked.' }, ...UNAUTHORIZED, ...NO_USER, ...UNAVAILABLE },
        },
      },
      '/me': {
        get: { summary: 'Who the caller is, and whether it may change anything', responses: { 200: json(ref('Caller'), 'The caller.'), ...INVALID, ...UNAUTHORIZED, ...UNAVAILABLE } },
      },
      '/metrics': {
        get: {
          summary: 'This instance\'s metrics as JSON (what /metrics says, without histogram buckets), for the console\'s dashboard',
          responses: { 200: json(ref('MetricsSnapshot'), 'Every metric family with its samples.'), ...INVALID, ...UNAUTHORIZED, ...UNAVAILABLE },
        },
      },
      '/audit': {
        get: {
          summary: 'Read the audit trail (newest first)',
          parameters: [filterParameter('client_id'), filterParameter('action'), limitParameter, cursorParameter],
          responses: { 200: json(ref('AuditEventList'), 'A page of events; a Link header with rel="next" when there are more.'), ...INVALID, ...UNAUTHORIZED, ...UNAVAILABLE },
        },
      },
    },
  };
}
