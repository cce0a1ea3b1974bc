import type Provider from 'oidc-provider';

import type { SecretHasher } from '../secrets/index.js';

interface SecretComparingClient {
  clientSecret?: string;
  compareClientSecret(actual: string): boolean | Promise<boolean>;
}

/**
 * Stored client secrets are keyed hashes (provider/adapter.ts hashes them on write), so
 * client_secret_basic and client_secret_post compare the hash of what the client presents.
 */
export function compareHashedClientSecrets(provider: Provider, hasher: SecretHasher): void {
  const prototype = provider.Client.prototype as unknown as SecretComparingClient;
  prototype.compareClientSecret = function compareClientSecret(this: SecretComparingClient, actual: string): boolean {
    return typeof this.clientSecret === 'string' && hasher.matches(actual, this.clientSecret);
  };
}
