import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

import { keyPath } from '../configuration/index.js';
import { ApiError } from '../http/api-error.js';

/**
 * Request schemas of Kong Konnect's HTTP DCR contract (the provider side of "DCR HTTP
 * integration"), written from its published OpenAPI document. Bodies that break them are 400s.
 */

const uuid = { type: 'string', format: 'uuid' } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;
const KONNECT_IDS = ['portal_id', 'organization_id', 'developer_id', 'auth_strategy_id', 'dcr_provider_id'] as const;

/** What both an application and an event carry: its description and Konnect's ids. */
const APPLICATION_CONTEXT = {
  application_description: { type: 'string' },
  portal_id: uuid,
  organization_id: uuid,
  developer_id: uuid,
  auth_strategy_id: uuid,
  dcr_provider_id: uuid,
} as const;

export const APPLICATION_PAYLOAD_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['redirect_uris', 'client_name', 'grant_types', 'scopes', 'token_endpoint_auth_method', 'application_description', ...KONNECT_IDS],
  properties: {
    redirect_uris: strings,
    client_name: { type: 'string' },
    grant_types: strings,
    scopes: strings,
    token_endpoint_auth_method: { type: 'string' },
    ...APPLICATION_CONTEXT,
  },
} as const;

const EVENT_BASE_PROPERTIES = {
  client_id: { type: 'string' },
  application_id: uuid,
  application_name: { type: 'string' },
  ...APPLICATION_CONTEXT,
} as const;
const EVENT_BASE_REQUIRED = ['event_type', 'client_id', 'application_id', 'application_name', 'application_description', ...KONNECT_IDS];

export const EVENT_HOOK_SCHEMA = {
  type: 'object',
  required: ['event_type'],
  properties: { event_type: { enum: ['update_application', 'add_registration', 'remove_registration'] } },
  oneOf: [
    {
      additionalProperties: false,
      required: [...EVENT_BASE_REQUIRED, 'redirect_uris'],
      properties: { ...EVENT_BASE_PROPERTIES, event_type: { const: 'update_application' }, redirect_uris: strings },
    },
    {
      additionalProperties: false,
      required: [...EVENT_BASE_REQUIRED, 'api_product_version_id'],
      properties: {
        ...EVENT_BASE_PROPERTIES,
        event_type: { enum: ['add_registration', 'remove_registration'] },
        api_product_version_id: uuid,
        audience: { type: 'string' },
      },
    },
  ],
} as const;

export interface ApplicationPayload {
  redirect_uris: string[];
  client_name: string;
  grant_types: string[];
  scopes: string[];
  token_endpoint_auth_method: string;
  application_description: string;
  portal_id: string;
  organization_id: string;
  developer_id: string;
  auth_strategy_id: string;
  dcr_provider_id: string;
}

export type EventHook = Omit<ApplicationPayload, 'redirect_uris' | 'grant_types' | 'scopes' | 'token_endpoint_auth_method' | 'client_name'> & {
  client_id: string;
  application_id: string;
  application_name: string;
} & (
  | { event_type: 'update_application'; redirect_uris: string[] }
  | { event_type: 'add_registration' | 'remove_registration'; api_product_version_id: string; audience?: string }
);

const ajv = new Ajv2020({ strict: false, allErrors: false });
addFormats.default(ajv);
const validators = new Map<object, ValidateFunction>([
  [APPLICATION_PAYLOAD_SCHEMA, ajv.compile(APPLICATION_PAYLOAD_SCHEMA)],
  [EVENT_HOOK_SCHEMA, ajv.compile(EVENT_HOOK_SCHEMA)],
]);

/** The body, typed, or a 400 naming the offending member. */
export function parseKonnectBody<T>(schema: typeof APPLICATION_PAYLOAD_SCHEMA | typeof EVENT_HOOK_SCHEMA, body: unknown): T {
  const validate = validators.get(schema)!;
  if (validate(body)) return body as T;
  const error = validate.errors?.[0];
  const member = error?.keyword === 'additionalProperties'
    ? keyPath(error.instancePath, String(error.params.additionalProperty))
    : error?.keyword === 'required'
      ? keyPath(error.instancePath, String(error.params.missingProperty))
      : keyPath(error?.instancePath ?? '');
  const problem = error?.keyword === 'additionalProperties'
    ? 'is not part of the contract'
    : error?.keyword === 'required' ? 'is required' : (error?.message ?? 'is invalid');
  throw new ApiError('invalid_request', `${member} ${problem}`);
}
