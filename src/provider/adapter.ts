import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

import type { SecretBox, SecretHasher } from '../secrets/index.js';
import type { ClientStore, JsonObject, ModelStore, StoredModelRecord } from '../storage/index.js';
import { softwareIdVerified } from '../registration/attributes.js';
import { forProvider } from './store-errors.js';

const CLIENT_MODEL = 'Client';

export interface AdapterDependencies {
  models: ModelStore;
  clients: ClientStore;
  hasher: SecretHasher;
  box: SecretBox;
  now: () => Date;
}

/**
 * oidc-provider's persistence interface over the storage port.
 *
 * Every model but Client is keyed by a hash of its id, because the id of an opaque token, a
 * registration access token or a session is the secret itself. The id is removed from the stored
 * payload (jti) and put back on read; models that are also found by uid or user code (sessions,
 * interactions, device codes) cannot recompute it, so theirs is kept encrypted.
 */
export function createAdapterFactory(dependencies: AdapterDependencies): AdapterFactory {
  return (model) => translatingStoreErrors(model === CLIENT_MODEL ? new ClientAdapter(dependencies) : new ModelAdapter(model, dependencies));
}

const ADAPTER_METHODS = ['upsert', 'find', 'findByUid', 'findByUserCode', 'consume', 'destroy', 'revokeByGrantId'] as const;

/** Every adapter call answers a store outage as oidc-provider renders 503 temporarily_unavailable. */
function translatingStoreErrors(adapter: Adapter): Adapter {
  const translated = {} as Record<(typeof ADAPTER_METHODS)[number], unknown>;
  for (const method of ADAPTER_METHODS) {
    const call = adapter[method] as (...args: unknown[]) => Promise<unknown>;
    translated[method] = (...args: unknown[]) => forProvider(() => call.apply(adapter, args));
  }
  return translated as unknown as Adapter;
}

function storedPayload(id: string, payload: AdapterPayload, box: SecretBox): JsonObject {
  const { jti: _jti, ...rest } = payload as JsonObject;
  if (payload.uid !== undefined || payload.userCode !== undefined) rest.sealedJti = box.seal(id);
  return rest;
}

function toPayload(id: string, record: StoredModelRecord): AdapterPayload {
  const { sealedJti: _sealedJti, ...rest } = record.payload;
  const payload = { ...rest, jti: id } as AdapterPayload;
  if (record.consumedAt) payload.consumed = Math.floor(record.consumedAt.getTime() / 1000);
  return payload;
}

class ModelAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly dependencies: AdapterDependencies,
  ) {}

  #key(id: string): string {
    return this.dependencies.hasher.hash(id);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const { models, hasher, box, now } = this.dependencies;
    await models.upsert(this.model, this.#key(id), {
      payload: storedPayload(id, payload, box),
      expiresAt: expiresIn ? new Date(now().getTime() + expiresIn * 1000) : undefined,
      // A grant is kept under its own id too, so that a user's grants can be revoked with their tokens.
      grantId: payload.grantId ?? (this.model === 'Grant' ? id : undefined),
      clientId: payload.clientId,
      accountId: payload.accountId,
      uid: payload.uid,
      userCode: payload.userCode === undefined ? undefined : hasher.hash(payload.userCode),
    });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const record = await this.dependencies.models.find(this.model, this.#key(id));
    return record && toPayload(id, record);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#withSealedId(await this.dependencies.models.findByUid(this.model, uid));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const { models, hasher } = this.dependencies;
    return this.#withSealedId(await models.findByUserCode(this.model, hasher.hash(userCode)));
  }

  #withSealedId(found: { record: StoredModelRecord } | undefined): AdapterPayload | undefined {
    const sealed = found?.record.payload.sealedJti;
    if (typeof sealed !== 'string') return undefined;
    return toPayload(this.dependencies.box.open(sealed), found!.record);
  }

  async consume(id: string): Promise<void> {
    await this.dependencies.models.consume(this.model, this.#key(id), this.dependencies.now());
  }

  async destroy(id: string): Promise<void> {
    await this.dependencies.models.destroy(this.model, this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.dependencies.models.destroyByGrantId(this.model, grantId);
  }
}

/**
 * Clients are stored by client_id with their secret hashed (see provider/client-secrets.ts).
 * Registration goes through registration/ClientRegistrar, not through oidc-provider (whose
 * registration feature is off); upsert is here for completeness and keeps what the server knows.
 */
class ClientAdapter implements Adapter {
  constructor(private readonly dependencies: AdapterDependencies) {}

  async upsert(id: string, payload: AdapterPayload): Promise<void> {
    const { clients, hasher, now } = this.dependencies;
    const metadata = { ...payload } as JsonObject;
    if (typeof metadata.client_secret === 'string' && !hasher.isHash(metadata.client_secret)) {
      metadata.client_secret = hasher.hash(metadata.client_secret);
    }
    const existing = await clients.find(id);
    await clients.upsert({ clientId: id, metadata, attributes: existing?.attributes ?? {}, createdAt: existing?.createdAt ?? now() });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const record = await this.dependencies.clients.find(id);
    if (!record) return undefined;
    // A software_id nobody vouched for stays out of what tokens and claim expressions see.
    if (record.metadata.software_id === undefined || softwareIdVerified(record)) return record.metadata as AdapterPayload;
    const { software_id: _unverified, ...metadata } = record.metadata;
    return metadata as AdapterPayload;
  }

  async destroy(id: string): Promise<void> {
    await this.dependencies.clients.delete(id);
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {}

  async revokeByGrantId(): Promise<void> {}
}
