import type Provider from 'oidc-provider';

import { ConfigurationError, type StaticClientConfig } from '../configuration/index.js';
import type { Logger } from '../logging/index.js';
import type { SecretHasher } from '../secrets/index.js';
import type { ClientStore, ModelStore } from '../storage/index.js';

interface ValidationError {
  error_description?: string;
  message?: string;
}

export interface StaticClientDependencies {
  provider: Provider;
  clients: ClientStore;
  models: ModelStore;
  hasher: SecretHasher;
  logger: Logger;
  now: () => Date;
  /** The scope of a declared client that names none (as a registration without scope gets). */
  defaultScope: string;
}

const CONFIGURATION = 'configuration';
/** Where the ids the configuration file declared at the last start are remembered. */
const STATE_MODEL = 'ConfigurationState';
const STATE_KEY = 'static-clients';

/**
 * The configuration file is the source of truth for static clients: they are upserted into the
 * store (secrets hashed), so that they live where every other client does, and a static client
 * that left the file is removed with everything issued to it. Invalid metadata stops start-up.
 */
export async function syncStaticClients(declared: readonly StaticClientConfig[], dependencies: StaticClientDependencies): Promise<void> {
  const { provider, clients, models, hasher, logger, now, defaultScope } = dependencies;
  for (const [index, declaredClient] of declared.entries()) {
    // As at registration: an authorization_code client answers with codes unless it says
    // otherwise, and a client that names no scope gets the default one.
    const client = { ...declaredClient };
    if (client.response_types === undefined && Array.isArray(client.grant_types) && client.grant_types.includes('authorization_code')) {
      client.response_types = ['code'];
    }
    if (client.scope === undefined && defaultScope !== '') client.scope = defaultScope;
    try {
      await (provider.Client as unknown as { validate(metadata: unknown): Promise<void> }).validate(client);
    } catch (error) {
      const { error_description: description, message } = error as ValidationError;
      throw new ConfigurationError(`clients[${index}]`, description ?? message ?? 'invalid client metadata');
    }
    const metadata: Record<string, unknown> = { ...client };
    if (client.client_secret !== undefined) metadata.client_secret = hasher.hash(client.client_secret);
    await clients.upsert({ clientId: client.client_id, metadata, attributes: { source: CONFIGURATION }, createdAt: now() });
  }

  const current = new Set(declared.map((client) => client.client_id));
  for (const clientId of await previouslyDeclared(clients, models)) {
    if (current.has(clientId)) continue;
    const client = await clients.find(clientId);
    if (client?.attributes.source !== CONFIGURATION) continue;
    await clients.delete(clientId);
    await models.destroyByClientId(clientId);
    logger.info('static client removed: it is no longer in the configuration file', { clientId });
  }
  await models.upsert(STATE_MODEL, STATE_KEY, { payload: { clientIds: [...current] }, expiresAt: undefined });
}

/** The static client ids of the last start; on a store that never recorded them, every configuration-owned client. */
async function previouslyDeclared(clients: ClientStore, models: ModelStore): Promise<string[]> {
  const state = await models.find(STATE_MODEL, STATE_KEY);
  if (Array.isArray(state?.payload.clientIds)) return state.payload.clientIds.filter((id): id is string => typeof id === 'string');
  const found: string[] = [];
  let after: { createdAt: Date; clientId: string } | undefined;
  for (;;) {
    const page = await clients.list({ limit: 200, after });
    found.push(...page.filter((client) => client.attributes.source === CONFIGURATION).map((client) => client.clientId));
    const last = page[page.length - 1];
    if (!last || page.length < 200) return found;
    after = { createdAt: last.createdAt, clientId: last.clientId };
  }
}
