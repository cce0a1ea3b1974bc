import type Provider from 'oidc-provider';

import { ConfigurationError, type StaticClientConfig } from '../configuration/index.js';
import type { SecretHasher } from '../secrets/index.js';
import type { ClientStore } from '../storage/index.js';

interface ValidationError {
  error_description?: string;
  message?: string;
}

/**
 * Upserts the clients declared in the configuration file into the store, so that they live where
 * every other client does (and with their secrets hashed). Invalid metadata stops start-up.
 */
export async function seedStaticClients(
  provider: Provider,
  clients: readonly StaticClientConfig[],
  store: ClientStore,
  hasher: SecretHasher,
  now: () => Date,
): Promise<void> {
  for (const [index, client] of clients.entries()) {
    try {
      await (provider.Client as unknown as { validate(metadata: unknown): Promise<void> }).validate(client);
    } catch (error) {
      const { error_description: description, message } = error as ValidationError;
      throw new ConfigurationError(`clients[${index}]`, description ?? message ?? 'invalid client metadata');
    }
    const metadata: Record<string, unknown> = { ...client };
    if (client.client_secret !== undefined) metadata.client_secret = hasher.hash(client.client_secret);
    await store.upsert({ clientId: client.client_id, metadata, attributes: { source: 'configuration' }, createdAt: now() });
  }
}
