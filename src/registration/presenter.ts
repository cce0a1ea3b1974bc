import type { ClientRecord } from '../storage/index.js';
import type { RegisteredClient } from './client-registrar.js';

export interface ClientInformation {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at: number;
  registration_access_token?: string;
  registration_client_uri?: string;
  [metadata: string]: unknown;
}

const INTERNAL = new Set(['client_secret', 'previous_client_secrets', 'client_id', 'client_id_issued_at', 'client_secret_expires_at']);

/** Registered metadata as a client may see it: never a stored secret (hash). */
export function visibleMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(metadata).filter(([field]) => !INTERNAL.has(field)));
}

export function fromRecord(record: ClientRecord): RegisteredClient {
  return {
    clientId: record.clientId,
    metadata: visibleMetadata(record.metadata),
    clientIdIssuedAt: Number(record.metadata.client_id_issued_at ?? Math.floor(record.createdAt.getTime() / 1000)),
    clientSecretExpiresAt: Number(record.metadata.client_secret_expires_at ?? 0),
  };
}

/** RFC 7591 §3.2.1 client information response. */
export function clientInformation(
  client: RegisteredClient,
  management?: { issuer: string; registrationAccessToken: string | undefined },
): ClientInformation {
  return {
    client_id: client.clientId,
    ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
    client_id_issued_at: client.clientIdIssuedAt,
    client_secret_expires_at: client.clientSecretExpiresAt,
    ...visibleMetadata(client.metadata),
    ...(management
      ? {
          ...(management.registrationAccessToken ? { registration_access_token: management.registrationAccessToken } : {}),
          registration_client_uri: registrationClientUri(management.issuer, client.clientId),
        }
      : {}),
  };
}

export const REGISTRATION_PATH = '/reg';

export function registrationClientUri(issuer: string, clientId: string): string {
  return `${issuer}${REGISTRATION_PATH}/${encodeURIComponent(clientId)}`;
}
