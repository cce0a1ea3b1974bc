import type { ClientStore } from '../storage/index.js';

/**
 * Whether a token's client still holds the registration the token was issued under: the client
 * exists, and was not deleted and registered again (a reused client_id) after the token was
 * issued. Token iat is in seconds: a token issued within the second its client was registered
 * counts as issued under that registration.
 */
export type IssuedUnderCurrentRegistration = (clientId: string, issuedAtSeconds: number | undefined) => Promise<boolean>;

export function issuedUnderCurrentRegistration(clients: ClientStore): IssuedUnderCurrentRegistration {
  return async (clientId, issuedAtSeconds) => {
    const client = await clients.find(clientId);
    if (!client) return false;
    if (issuedAtSeconds === undefined || !Number.isFinite(issuedAtSeconds)) return false;
    return issuedAtSeconds >= Math.floor(client.createdAt.getTime() / 1000);
  };
}
