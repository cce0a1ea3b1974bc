import type Provider from 'oidc-provider';

import { ConfigurationError, type StaticClientConfig } from '../configuration/index.js';
import type { Logger } from '../logging/index.js';
import type { SecretHasher } from '../secrets/index.js';
import type { ClientRecord, ClientStore, ModelStore } from '../storage/index.js';

import { CLIENT_DEFAULTS } from './client-defaults.js';

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
  policy: StaticClientPolicy;
}

/** What the configuration decides about static clients, beside their metadata. */
export interface StaticClientPolicy {
  /** The scope of a declared client that names none (as a registration without scope gets). */
  defaultScope: string;
  /** Whether the static clients the file no longer declares are deleted (pruneStaticClients). */
  prune: boolean;
  /** Clients the server itself declares (the console's): removed whenever they are not declared. */
  serverClientIds: readonly string[];
}

const CONFIGURATION = 'configuration';
/** A static client the file no longer declares, kept: the admin API's to change or delete from then on. */
const UNDECLARED = 'configuration-undeclared';
/** Where the ids the configuration file declared at the last start are remembered. */
const STATE_MODEL = 'ConfigurationState';
const STATE_KEY = 'static-clients';

/**
 * The configuration file is the source of truth for static clients: they are upserted into the
 * store (secrets hashed), so that they live where every other client does, and a static client
 * that left the file is removed with everything issued to it when the start-up is told to prune
 * (kept, and named in a warning, otherwise). Invalid metadata stops start-up.
 */
export async function syncStaticClients(declared: readonly StaticClientConfig[], dependencies: StaticClientDependencies): Promise<void> {
  const { provider, clients, models, hasher, logger, now, policy: { defaultScope, prune, serverClientIds } } = dependencies;
  for (const [index, declaredClient] of declared.entries()) {
    // Stored as it behaves (what the admin API, the console and the CLI show): the grant types
    // and authentication method the provider assumes when none are named; as at registration,
    // an authorization_code client answers with codes unless it says otherwise, and a client
    // that names no scope gets the default one.
    const client = { ...declaredClient };
    client.grant_types ??= [...CLIENT_DEFAULTS.grant_types];
    client.token_endpoint_auth_method ??= CLIENT_DEFAULTS.token_endpoint_auth_method;
    if (client.response_types === undefined) {
      client.response_types = Array.isArray(client.grant_types) && client.grant_types.includes('authorization_code') ? ['code'] : [];
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
  const left: ClientRecord[] = [];
  for (const clientId of await previouslyDeclared(clients, models)) {
    if (current.has(clientId)) continue;
    const client = await clients.find(clientId);
    if (client?.attributes.source !== CONFIGURATION && client?.attributes.source !== UNDECLARED) continue;
    if (serverClientIds.includes(clientId)) await removeStaticClient(clientId, dependencies);
    else left.push(client);
  }
  if (left.length > 0 && !prune) {
    // Another configuration file on the same store (a typo in CONFIG_FILE, a file of another
    // environment) would otherwise delete every client of this one: they stay, as Keycloak's
    // imports never delete, until a start-up is told to prune them or an administrator deletes
    // one (the admin API manages them from now on). They still work: say so.
    for (const client of left) {
      if (client.attributes.source !== UNDECLARED) await clients.upsert({ ...client, attributes: { ...client.attributes, source: UNDECLARED } });
    }
    logger.warn('static clients kept though the configuration file no longer declares them; they still get tokens. Delete one with DELETE /admin/clients/{id}, or start once with --prune-static-clients (or PRUNE_STATIC_CLIENTS=true) to delete them all with what was issued to them', { clientIds: left.map((client) => client.clientId) });
  } else {
    for (const client of left) await removeStaticClient(client.clientId, dependencies);
  }
  const remembered = prune ? [...current] : [...current, ...left.map((client) => client.clientId)];
  await models.upsert(STATE_MODEL, STATE_KEY, { payload: { clientIds: remembered }, expiresAt: undefined });
}

async function removeStaticClient(clientId: string, { clients, models, logger }: StaticClientDependencies): Promise<void> {
  await clients.delete(clientId);
  await models.destroyByClientId(clientId);
  logger.info('static client removed: it is no longer in the configuration file', { clientId });
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
