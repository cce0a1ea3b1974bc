import type Provider from 'oidc-provider';

import type { SecretHasher } from '../secrets/index.js';

interface SecretComparingClient {
  clientSecret?: string;
  previous_client_secrets?: { hash?: unknown; expires_at?: unknown }[];
  compareClientSecret(actual: string): boolean | Promise<boolean>;
}

/**
 * Stored client secrets are keyed hashes, so client_secret_basic and client_secret_post compare
 * the hash of what the client presents: with the current secret, or with a rotated-out one whose
 * grace period has not ended.
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
}
