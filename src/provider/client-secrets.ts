import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';

import type { SecretHasher } from '../secrets/index.js';

interface SecretComparingClient {
  clientId: string;
  clientSecret?: string;
  clientSecretExpiresAt?: number;
  previous_client_secrets?: { hash?: unknown; expires_at?: unknown }[];
  compareClientSecret(actual: string): boolean | Promise<boolean>;
  checkClientSecretExpiration(message: string, errorOverride?: string): void;
}

/**
 * Stored client secrets are keyed hashes, so client_secret_basic and client_secret_post compare
 * the hash of what the client presents: with the current secret, or with a rotated-out one whose
 * grace period has not ended. A secret expires at client_secret_expires_at exactly, on our clock:
 * oidc-provider would still take it for its clock tolerance (meant for other parties' clocks in
 * JWTs, not for a date this server set itself).
 */
export function compareHashedClientSecrets(provider: Provider, hasher: SecretHasher, now: () => Date): void {
  const prototype = provider.Client.prototype as unknown as SecretComparingClient;
  prototype.compareClientSecret = function compareClientSecret(this: SecretComparingClient, actual: string): boolean {
    if (typeof this.clientSecret === 'string' && hasher.matches(actual, this.clientSecret)) return true;
    const nowSeconds = now().getTime() / 1000;
    return (this.previous_client_secrets ?? []).some((previous) =>
      typeof previous.hash === 'string' && typeof previous.expires_at === 'number' && previous.expires_at > nowSeconds
      && hasher.matches(actual, previous.hash));
  };
  prototype.checkClientSecretExpiration = function checkClientSecretExpiration(this: SecretComparingClient, message: string, errorOverride?: string): void {
    const expiresAt = this.clientSecretExpiresAt;
    if (!expiresAt || now().getTime() / 1000 < expiresAt) return;
    const error = new errors.InvalidClient(message, `client_id ${this.clientId} client_secret expired at ${expiresAt}`);
    if (errorOverride) Object.assign(error, { error: errorOverride, message: errorOverride });
    throw error;
  };
}
