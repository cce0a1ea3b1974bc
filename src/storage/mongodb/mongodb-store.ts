import { randomUUID } from 'node:crypto';

import { MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';

import { DuplicateClientError, DuplicateUserError, StoreUnavailableError } from '../errors.js';
import { guardStore, type StoreObserver } from '../guarded-store.js';
import { safeInitialAccessToken } from '../limits.js';
import {
  REGISTRATION_ACCESS_TOKEN_MODEL,
  type AuditEvent, type AuditQuery, type AuditStore, type ClientListQuery, type ClientRecord, type ClientStore, type ExpiryMode, type JsonObject,
  type ModelRecord, type ModelStore, type NewRegistration, type RegistrationStore, type RevocationStore, type SigningKeyStore, type Store,
  type StoredModelRecord, type StoredSigningKey, type InitialAccessTokenRecord, type InitialAccessTokenStore, type UserListQuery,
  type UserRecord, type UserStore,
} from '../port.js';
import { caseInsensitiveKey } from '../port.js';
import { storedUser, toUser } from '../user-documents.js';
import { GroupedInserts } from './grouped-inserts.js';
import { isMongoUnavailable, redactUri } from './mongodb-errors.js';

const DEFAULT_DATABASE = 'dcr_authorization_server';
const DEFAULT_TIMEOUT_MS = 5_000;
/** A rotation claims its old registration access token with a marker whose id is unique. */
const ROTATED_TOKEN_MODEL = 'RegistrationAccessTokenRotated';

interface ModelDocument {
  _id: string;
  model: string;
  payload: string;
  expiresAt: Date | null;
  consumedAt: Date | null;
  grantId: string | null;
  clientId: string | null;
  uid: string | null;
  userCode: string | null;
  /** Absent on records written before users existed. */
  accountId?: string | null;
}

interface UserDocument {
  _id: string;
  usernameKey: string;
  emailKey: string | null;
  groups: string[];
  /** The serialized user (see user-documents.ts). */
  data: string;
  createdAt: Date;
  revision: number;
}

interface ClientDocument {
  _id: string;
  metadata: string;
  attributes: string;
  /** Absent on clients written before revisions existed (revision 0). */
  revision?: number;
  /** Set while a creation is under way; such a client is invisible until it completes. */
  pending?: boolean;
  pendingSince?: Date;
  /** Copies of metadata fields the admin API filters on. */
  clientName: string | null;
  softwareId: string | null;
  createdAt: Date;
}

interface AuditDocument {
  _id: string;
  time: Date;
  actor: string;
  action: string;
  clientId: string | null;
  requestId: string | null;
  outcome: 'success' | 'failure';
  detail: string | null;
}

interface InitialAccessTokenDocument {
  _id: string;
  tokenHash: string;
  policies: string[];
  expiresAt: Date | null;
  maxUses: number | null;
  createdAt: Date;
}

/** One counted use of an initial access token: `_id` is `<token id>#<n>`, n from 1 to maxUses. */
interface InitialAccessTokenUseDocument {
  _id: string;
  tokenId: string;
  n: number;
}

interface SigningKeyDocument {
  _id: string;
  alg: string;
  generation: number;
  publicJwk: string;
  sealedPrivateJwk: string;
  createdAt: Date;
  activateAt: Date;
  retireAt: Date | null;
  removeAt: Date | null;
}

/** One writer's claim on a client revision: `_id` is `<client id>#<created at>#<revision>`, unique. */
interface RevisionClaimDocument {
  _id: string;
  expiresAt: Date;
}

interface RevokedTokenDocument {
  _id: string;
  expiresAt: Date;
}

/** The database named in the URI's path, or our default (the driver's own default is "test"). */
function databaseName(uri: string): string {
  const name = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1];
  return name ? decodeURIComponent(name) : DEFAULT_DATABASE;
}

const modelId = (model: string, key: string): string => `${model}:${key}`;
/** Documents one sweep request deletes. */
const SWEEP_BATCH_DOCUMENTS = 1_000;
const isLive = (expiresAt: Date | null): boolean => expiresAt === null || expiresAt.getTime() > Date.now();

function toStoredModel(document: ModelDocument): StoredModelRecord {
  return {
    payload: JSON.parse(document.payload) as JsonObject,
    expiresAt: document.expiresAt ?? undefined,
    consumedAt: document.consumedAt ?? undefined,
    grantId: document.grantId ?? undefined,
    clientId: document.clientId ?? undefined,
    uid: document.uid ?? undefined,
    userCode: document.userCode ?? undefined,
    accountId: document.accountId ?? undefined,
  };
}

const DUPLICATE_KEY = 11000;

/** Server codes meaning "this server does not do TTL indexes" (FerretDB, some hosted services). */
const TTL_UNSUPPORTED_CODES = new Set([238 /* NotImplemented */, 115 /* CommandNotSupported */, 67 /* CannotCreateIndex */]);

export class MongoStore implements Store {
  readonly backend = 'mongodb' as const;
  readonly models: ModelStore;
  readonly clients: ClientStore;
  readonly initialAccessTokens: InitialAccessTokenStore;
  readonly audit: AuditStore;
  readonly signingKeys: SigningKeyStore;
  readonly revocations: RevocationStore;
  readonly registrations: RegistrationStore;
  readonly users: UserStore;
  readonly #client: MongoClient;
  readonly #db: Db;
  #expiryMode: ExpiryMode = 'sweep';

  /**
   * Connects and creates the indexes (idempotently). Every later operation completes within
   * timeoutMs or fails as StoreUnavailableError; a failure here names the URI (without credentials).
   */
  static async connect(uri: string, { timeoutMs = DEFAULT_TIMEOUT_MS, observe }: { timeoutMs?: number; observe?: StoreObserver } = {}): Promise<Store> {
    let client: MongoClient;
    try {
      client = new MongoClient(uri, {
        ignoreUndefined: true,
        serverSelectionTimeoutMS: timeoutMs,
        connectTimeoutMS: timeoutMs,
        // A server that stops answering (frozen, partitioned) fails the operation instead of holding it.
        socketTimeoutMS: timeoutMs * 2,
        waitQueueTimeoutMS: timeoutMs,
      });
    } catch (error) {
      throw new Error(`invalid MongoDB URI ${redactUri(uri)}: ${(error as Error).message}`, { cause: error });
    }
    try {
      await client.connect();
      const store = new MongoStore(client, client.db(databaseName(uri)), timeoutMs);
      await store.#createIndexes();
      return guardStore(store, { timeoutMs, isUnavailable: isMongoUnavailable, observe });
    } catch (error) {
      await closeWithin(client, timeoutMs);
      throw new Error(`cannot use MongoDB at ${redactUri(uri)}: ${(error as Error).message}`, { cause: error });
    }
  }

  readonly #timeoutMs: number;

  private constructor(client: MongoClient, db: Db, timeoutMs: number) {
    this.#client = client;
    this.#db = db;
    this.#timeoutMs = timeoutMs;
    this.models = new MongoModelStore(db.collection<ModelDocument>('oidc_models'), timeoutMs);
    this.clients = new MongoClientStore(db.collection<ClientDocument>('clients'), db.collection<RevisionClaimDocument>('client_revision_claims'));
    this.initialAccessTokens = new MongoInitialAccessTokenStore(
      db.collection<InitialAccessTokenDocument>('initial_access_tokens'),
      db.collection<InitialAccessTokenUseDocument>('initial_access_token_uses'),
    );
    this.audit = new MongoAuditStore(db.collection<AuditDocument>('audit_events'));
    this.signingKeys = new MongoSigningKeyStore(db.collection<SigningKeyDocument>('signing_keys'));
    this.revocations = new MongoRevocationStore(db.collection<RevokedTokenDocument>('revoked_tokens'));
    this.registrations = new MongoRegistrationStore(
      db.collection<ClientDocument>('clients'),
      db.collection<ModelDocument>('oidc_models'),
      db.collection<AuditDocument>('audit_events'),
      timeoutMs,
    );
    this.users = new MongoUserStore(db.collection<UserDocument>('users'), db.collection<RevisionClaimDocument>('client_revision_claims'));
  }

  get expiryMode(): ExpiryMode {
    return this.#expiryMode;
  }

  get databaseName(): string {
    return this.#db.databaseName;
  }

  async #createIndexes(): Promise<void> {
    const models = this.#db.collection<ModelDocument>('oidc_models');
    await models.createIndex({ model: 1, grantId: 1 }, { name: 'model_grantId' });
    await models.createIndex({ clientId: 1 }, { name: 'clientId' });
    await models.createIndex({ model: 1, uid: 1 }, { name: 'model_uid' });
    await models.createIndex({ model: 1, userCode: 1 }, { name: 'model_userCode' });
    await models.createIndex({ accountId: 1, model: 1 }, { name: 'accountId_model' });
    const users = this.#db.collection<UserDocument>('users');
    await users.createIndex({ usernameKey: 1 }, { name: 'usernameKey', unique: true });
    await users.createIndex({ createdAt: 1, _id: 1 }, { name: 'createdAt_id' });
    await users.createIndex({ emailKey: 1, createdAt: 1, _id: 1 }, { name: 'emailKey_createdAt_id' });
    await users.createIndex({ groups: 1, createdAt: 1, _id: 1 }, { name: 'groups_createdAt_id' });
    const clients = this.#db.collection<ClientDocument>('clients');
    await clients.createIndex({ createdAt: 1, _id: 1 }, { name: 'createdAt_id' });
    await clients.createIndex({ clientName: 1, createdAt: 1, _id: 1 }, { name: 'clientName_createdAt_id' });
    await clients.createIndex({ softwareId: 1, createdAt: 1, _id: 1 }, { name: 'softwareId_createdAt_id' });
    await clients.createIndex({ pending: 1, pendingSince: 1 }, { name: 'pending_pendingSince' });
    const audit = this.#db.collection<AuditDocument>('audit_events');
    await audit.createIndex({ time: -1, _id: -1 }, { name: 'time_id' });
    await audit.createIndex({ clientId: 1, time: -1, _id: -1 }, { name: 'clientId_time_id' });
    await audit.createIndex({ action: 1, time: -1, _id: -1 }, { name: 'action_time_id' });
    await this.#db.collection<InitialAccessTokenDocument>('initial_access_tokens').createIndex({ tokenHash: 1 }, { name: 'tokenHash', unique: true });
    await this.#db.collection<InitialAccessTokenUseDocument>('initial_access_token_uses').createIndex({ tokenId: 1, n: 1 }, { name: 'tokenId_n' });
    await this.#db.collection<SigningKeyDocument>('signing_keys').createIndex({ alg: 1, generation: 1 }, { name: 'alg_generation', unique: true });

    this.#expiryMode = 'ttl-index';
    for (const name of ['oidc_models', 'revoked_tokens', 'client_revision_claims']) {
      const collection = this.#db.collection(name);
      try {
        await collection.createIndex({ expiresAt: 1 }, { name: 'expiresAt_ttl', expireAfterSeconds: 0 });
      } catch (error) {
        if (!(error instanceof MongoServerError) || !TTL_UNSUPPORTED_CODES.has(Number(error.code))) throw error;
        this.#expiryMode = 'sweep';
        await collection.createIndex({ expiresAt: 1 }, { name: 'expiresAt' });
      }
    }
  }

  async ping(): Promise<void> {
    await this.#db.collection<{ _id: string; at: Date }>('health_probe').updateOne({ _id: 'probe' }, { $set: { at: new Date() } }, { upsert: true });
  }

  /**
   * Where the server has no TTL indexes (FerretDB): in batches of ids, so that each request is
   * short, for at most half the store's timeout (one deleteMany of millions outlasted it, and the
   * next upkeep started another beside it); the upkeep calls again until nothing is left.
   */
  async sweepExpired(now: Date): Promise<number> {
    const started = performance.now();
    const budgetMs = this.#timeoutMs / 2;
    let deleted = 0;
    for (const name of ['oidc_models', 'revoked_tokens', 'client_revision_claims']) {
      const collection = this.#db.collection<{ _id: string; expiresAt: Date | null }>(name);
      for (;;) {
        const expired = { expiresAt: { $ne: null, $lte: now } };
        const ids = (await collection.find(expired, { projection: { _id: 1 }, limit: SWEEP_BATCH_DOCUMENTS }).toArray()).map((document) => document._id);
        if (ids.length === 0) break;
        deleted += (await collection.deleteMany({ _id: { $in: ids }, ...expired })).deletedCount;
        if (ids.length < SWEEP_BATCH_DOCUMENTS) break;
        if (performance.now() - started > budgetMs) return deleted;
      }
    }
    return deleted;
  }

  async close(): Promise<void> {
    await closeWithin(this.#client, this.#timeoutMs);
  }
}

/** Closes the client, forcing it when a server that stopped answering would hold the close. */
async function closeWithin(client: MongoClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([client.close().then(() => 'closed' as const, () => 'closed' as const), expired]);
    if (outcome === 'expired') await client.close(true).catch(() => {});
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Models whose records are written once, when issued, and never saved again: their upserts are
 * grouped into one insert per turn of the event loop (the hot path of token issuance). Not
 * ReplayDetection: its key comes from the request (a proof's or an assertion's jti), so that
 * concurrent requests repeating one would make every one after the first a replacement, written
 * one at a time while the tokens behind them wait.
 */
const ISSUED_ONCE = new Set(['AccessToken', 'ClientCredentials', 'AuthorizationCode', 'RefreshToken', 'PushedAuthorizationRequest']);

class MongoModelStore implements ModelStore {
  readonly #issued: GroupedInserts<ModelDocument>;

  constructor(private readonly collection: Collection<ModelDocument>, timeoutMs: number) {
    this.#issued = new GroupedInserts(collection, (document) => this.#replace(document), timeoutMs);
  }

  upsert(model: string, key: string, record: ModelRecord): Promise<void> {
    const document: ModelDocument = {
      _id: modelId(model, key),
      model,
      payload: JSON.stringify(record.payload),
      expiresAt: record.expiresAt ?? null,
      consumedAt: null,
      grantId: record.grantId ?? null,
      clientId: record.clientId ?? null,
      uid: record.uid ?? null,
      userCode: record.userCode ?? null,
      accountId: record.accountId ?? null,
    };
    return ISSUED_ONCE.has(model) ? this.#issued.upsert(document) : this.#replace(document);
  }

  async #replace({ _id, ...fields }: ModelDocument): Promise<void> {
    await this.collection.replaceOne({ _id }, fields, { upsert: true });
  }

  async find(model: string, key: string): Promise<StoredModelRecord | undefined> {
    const document = await this.collection.findOne({ _id: modelId(model, key) });
    return document && isLive(document.expiresAt) ? toStoredModel(document) : undefined;
  }

  async findByUid(model: string, uid: string) {
    return this.#findOne({ model, uid });
  }

  async findByUserCode(model: string, userCode: string) {
    return this.#findOne({ model, userCode });
  }

  async #findOne(filter: { model: string; uid?: string; userCode?: string }) {
    const document = await this.collection.findOne(filter);
    if (!document || !isLive(document.expiresAt)) return undefined;
    return { key: document._id.slice(filter.model.length + 1), record: toStoredModel(document) };
  }

  async consume(model: string, key: string, at: Date): Promise<void> {
    await this.collection.updateOne({ _id: modelId(model, key) }, { $set: { consumedAt: at } });
  }

  async destroy(model: string, key: string): Promise<void> {
    await this.collection.deleteOne({ _id: modelId(model, key) });
  }

  async destroyByGrantId(model: string, grantId: string): Promise<void> {
    await this.collection.deleteMany({ model, grantId });
  }

  async destroyByClientId(clientId: string, model?: string): Promise<number> {
    return (await this.collection.deleteMany(model === undefined ? { clientId } : { clientId, model })).deletedCount;
  }

  async findByAccountId(model: string, accountId: string, limit: number) {
    if (limit <= 0) return []; // the driver reads a limit of 0 as "no limit"
    const live = { $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }] };
    const documents = await this.collection.find({ accountId, model, ...live }).limit(limit).toArray();
    return documents.map((document) => ({ key: document._id.slice(model.length + 1), record: toStoredModel(document) }));
  }

  async destroyByAccountId(accountId: string): Promise<number> {
    return (await this.collection.deleteMany({ accountId })).deletedCount;
  }
}

/**
 * Claims the right to write one revision of a record by inserting a uniquely named document: of
 * concurrent writers of that revision exactly one gets true (FerretDB does not isolate
 * conditional updates, so the update's own filter is not enough). Claims expire after a day.
 */
async function claimRevision(claims: Collection<RevisionClaimDocument>, claimId: string): Promise<boolean> {
  try {
    await claims.insertOne({ _id: claimId, expiresAt: new Date(Date.now() + 86_400_000) });
    return true;
  } catch (error) {
    if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
    throw error;
  }
}

function toClient(document: ClientDocument): ClientRecord {
  return {
    clientId: document._id,
    metadata: JSON.parse(document.metadata) as JsonObject,
    attributes: JSON.parse(document.attributes ?? '{}') as JsonObject,
    createdAt: document.createdAt,
    revision: document.revision ?? 0,
  };
}

/**
 * update() is a compare-and-set on the client's revision. FerretDB applies concurrent conditional
 * updates without isolation, so the writer first claims the revision it read by inserting a
 * uniquely named document: of concurrent writers of one revision exactly one gets that far.
 */
class MongoClientStore implements ClientStore {
  constructor(
    private readonly collection: Collection<ClientDocument>,
    private readonly claims: Collection<RevisionClaimDocument>,
  ) {}

  async upsert(record: ClientRecord): Promise<void> {
    const write = () => this.collection.updateOne(
      { _id: record.clientId },
      {
        $set: {
          metadata: JSON.stringify(record.metadata),
          attributes: JSON.stringify(record.attributes),
          clientName: typeof record.metadata.client_name === 'string' ? record.metadata.client_name : null,
          softwareId: typeof record.metadata.software_id === 'string' ? record.metadata.software_id : null,
        },
        $inc: { revision: 1 },
        $setOnInsert: { createdAt: record.createdAt },
      },
      { upsert: true },
    );
    try {
      await write();
    } catch (error) {
      // Two concurrent upserts of a new id can both try to insert; the loser updates instead.
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      await write();
    }
  }

  async update(record: ClientRecord): Promise<boolean> {
    const revision = record.revision ?? 0;
    // The creation time tells a client from an earlier one that had the same id.
    if (!(await claimRevision(this.claims, `${record.clientId}#${record.createdAt.getTime()}#${revision}`))) return false;
    const asRead = revision === 0 ? { $or: [{ revision: 0 }, { revision: { $exists: false } }] } : { revision };
    const result = await this.collection.updateOne(
      { _id: record.clientId, pending: { $exists: false }, ...asRead },
      {
        $set: {
          metadata: JSON.stringify(record.metadata),
          attributes: JSON.stringify(record.attributes),
          clientName: typeof record.metadata.client_name === 'string' ? record.metadata.client_name : null,
          softwareId: typeof record.metadata.software_id === 'string' ? record.metadata.software_id : null,
          revision: revision + 1,
        },
      },
    );
    return result.matchedCount === 1;
  }

  async find(clientId: string): Promise<ClientRecord | undefined> {
    // By _id alone, the pending flag checked here: FerretDB 1.x hands only a filter that is exactly
    // { _id } to its SQL (still a scan there, ~7 ms at 10,000 clients) and decodes every document
    // for any other (bench:scale: token requests timed out at 10,000 clients); MongoDB answers both
    // from the _id index.
    const document = await this.collection.findOne({ _id: clientId });
    return document && document.pending === undefined ? toClient(document) : undefined;
  }

  async list({ limit, after, clientName, softwareId }: ClientListQuery): Promise<ClientRecord[]> {
    const filter: Record<string, unknown> = { pending: { $exists: false } };
    if (after) filter.$or = [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, _id: { $gt: after.clientId } }];
    if (clientName !== undefined) filter.clientName = clientName;
    if (softwareId !== undefined) filter.softwareId = softwareId;
    const documents = await this.collection.find(filter).sort({ createdAt: 1, _id: 1 }).limit(limit).toArray();
    return documents.map(toClient);
  }

  async delete(clientId: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: clientId })).deletedCount > 0;
  }
}

function toInitialAccessToken(document: InitialAccessTokenDocument, uses: number): InitialAccessTokenRecord {
  return safeInitialAccessToken({
    id: document._id,
    tokenHash: document.tokenHash,
    policies: document.policies,
    expiresAt: document.expiresAt ?? undefined,
    maxUses: document.maxUses ?? undefined,
    uses,
    createdAt: document.createdAt,
  });
}

/**
 * Uses are counted by inserting numbered use documents, whose unique ids make a use atomic on
 * every server: FerretDB applies concurrent conditional updates ($inc guarded by a filter)
 * without isolation, so a counter there would let concurrent registrations exceed max_uses.
 */
class MongoInitialAccessTokenStore implements InitialAccessTokenStore {
  constructor(
    private readonly tokens: Collection<InitialAccessTokenDocument>,
    private readonly uses: Collection<InitialAccessTokenUseDocument>,
  ) {}

  async #countUses(tokenId: string): Promise<number> {
    return this.uses.countDocuments({ tokenId });
  }

  async put(record: InitialAccessTokenRecord): Promise<void> {
    const existing = await this.tokens.findOne({ _id: record.id });
    await this.tokens.replaceOne(
      { _id: record.id },
      {
        tokenHash: record.tokenHash,
        policies: record.policies,
        expiresAt: record.expiresAt ?? null,
        maxUses: record.maxUses ?? null,
        createdAt: existing?.createdAt ?? record.createdAt,
      },
      { upsert: true },
    );
  }

  async findByHash(tokenHash: string): Promise<InitialAccessTokenRecord | undefined> {
    const document = await this.tokens.findOne({ tokenHash });
    return document ? toInitialAccessToken(document, await this.#countUses(document._id)) : undefined;
  }

  async recordUse(id: string, now: Date): Promise<boolean> {
    const token = await this.tokens.findOne({ _id: id });
    if (!token || (token.expiresAt && token.expiresAt.getTime() <= now.getTime())) return false;
    const limit = token.maxUses ?? Number.POSITIVE_INFINITY;
    for (let n = (await this.#countUses(id)) + 1; n <= limit; n += 1) {
      try {
        await this.uses.insertOne({ _id: `${id}#${n}`, tokenId: id, n });
        return true;
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      }
    }
    return false;
  }

  async releaseUse(id: string): Promise<void> {
    const [latest] = await this.uses.find({ tokenId: id }).sort({ n: -1 }).limit(1).toArray();
    if (latest) await this.uses.deleteOne({ _id: latest._id });
  }

  async list(): Promise<InitialAccessTokenRecord[]> {
    const documents = await this.tokens.find().sort({ createdAt: 1, _id: 1 }).toArray();
    return Promise.all(documents.map(async (document) => toInitialAccessToken(document, await this.#countUses(document._id))));
  }

  async delete(id: string): Promise<boolean> {
    const deleted = (await this.tokens.deleteOne({ _id: id })).deletedCount > 0;
    await this.uses.deleteMany({ tokenId: id });
    return deleted;
  }
}

function auditDocument(event: AuditEvent): AuditDocument {
  return {
    _id: event.id,
    time: event.time,
    actor: event.actor,
    action: event.action,
    clientId: event.clientId ?? null,
    requestId: event.requestId ?? null,
    outcome: event.outcome,
    detail: event.detail ?? null,
  };
}

class MongoAuditStore implements AuditStore {
  constructor(private readonly collection: Collection<AuditDocument>) {}

  async append(event: AuditEvent): Promise<void> {
    await this.collection.insertOne(auditDocument(event));
  }

  async deleteBefore(time: Date): Promise<number> {
    return (await this.collection.deleteMany({ time: { $lt: time } })).deletedCount;
  }

  async list({ limit, before, clientId, action }: AuditQuery): Promise<AuditEvent[]> {
    const filter: Record<string, unknown> = {};
    if (before) filter.$or = [{ time: { $lt: before.time } }, { time: before.time, _id: { $lt: before.id } }];
    if (clientId !== undefined) filter.clientId = clientId;
    if (action !== undefined) filter.action = action;
    const documents = await this.collection.find(filter).sort({ time: -1, _id: -1 }).limit(limit).toArray();
    return documents.map((document) => ({
      id: document._id,
      time: document.time,
      actor: document.actor,
      action: document.action,
      clientId: document.clientId ?? undefined,
      requestId: document.requestId ?? undefined,
      outcome: document.outcome,
      detail: document.detail ?? undefined,
    }));
  }
}

class MongoSigningKeyStore implements SigningKeyStore {
  constructor(private readonly collection: Collection<SigningKeyDocument>) {}

  async list(): Promise<StoredSigningKey[]> {
    const documents = await this.collection.find().sort({ createdAt: 1, _id: 1 }).toArray();
    return documents.map((document) => ({
      kid: document._id,
      alg: document.alg,
      generation: document.generation,
      publicJwk: JSON.parse(document.publicJwk) as JsonObject,
      sealedPrivateJwk: document.sealedPrivateJwk,
      createdAt: document.createdAt,
      activateAt: document.activateAt,
      retireAt: document.retireAt ?? undefined,
      removeAt: document.removeAt ?? undefined,
    }));
  }

  async insert(key: StoredSigningKey): Promise<boolean> {
    try {
      await this.collection.insertOne({
        _id: key.kid,
        alg: key.alg,
        generation: key.generation,
        publicJwk: JSON.stringify(key.publicJwk),
        sealedPrivateJwk: key.sealedPrivateJwk,
        createdAt: key.createdAt,
        activateAt: key.activateAt,
        retireAt: key.retireAt ?? null,
        removeAt: key.removeAt ?? null,
      });
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async retire(kid: string, retireAt: Date, removeAt: Date): Promise<void> {
    await this.collection.updateOne({ _id: kid }, { $set: { retireAt, removeAt } });
  }

  async delete(kid: string): Promise<void> {
    await this.collection.deleteOne({ _id: kid });
  }
}

class MongoRevocationStore implements RevocationStore {
  constructor(private readonly collection: Collection<RevokedTokenDocument>) {}

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    await this.collection.updateOne({ _id: jti }, { $max: { expiresAt } }, { upsert: true });
  }

  async isRevoked(jti: string, now: Date): Promise<boolean> {
    const document = await this.collection.findOne({ _id: jti });
    return document !== null && document.expiresAt.getTime() > now.getTime();
  }
}

function modelDocument(model: string, key: string, clientId: string, expiresAt: Date | null): ModelDocument {
  return {
    _id: modelId(model, key), model, payload: JSON.stringify({ clientId }), expiresAt, consumedAt: null, grantId: null, clientId, uid: null, userCode: null,
  };
}

/**
 * Creation without transactions (FerretDB has none): the client is inserted marked pending and
 * stays invisible to every read until its registration access token and its audit event are
 * written and the mark is lifted. A creation that fails part-way is undone at once where the
 * database still answers, and by repair() where it does not (a crash, a lost connection).
 *
 * Each step starts only while the caller is still waiting (within the store's time limit; the
 * last, which makes the client visible, only in the first half of it), so that a write that was
 * held up and lands late does not carry on a creation its caller was told failed. What remains
 * is a last write that is under way exactly when the time runs out: its creation may complete,
 * whole and audited, after its caller got 503.
 */
class MongoRegistrationStore implements RegistrationStore {
  constructor(
    private readonly clients: Collection<ClientDocument>,
    private readonly models: Collection<ModelDocument>,
    private readonly audit: Collection<AuditDocument>,
    private readonly timeoutMs: number,
  ) {}

  async create({ client, registrationAccessTokenKey, event }: NewRegistration): Promise<void> {
    const started = Date.now();
    const stillWaited = (share: number) => {
      if (Date.now() - started > this.timeoutMs * share) {
        throw new StoreUnavailableError('the registration could not be written in time; it was not created');
      }
    };
    try {
      await this.clients.insertOne({
        _id: client.clientId,
        metadata: JSON.stringify(client.metadata),
        attributes: JSON.stringify(client.attributes),
        clientName: typeof client.metadata.client_name === 'string' ? client.metadata.client_name : null,
        softwareId: typeof client.metadata.software_id === 'string' ? client.metadata.software_id : null,
        createdAt: client.createdAt,
        pending: true,
        pendingSince: event.time,
      });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) throw new DuplicateClientError(client.clientId);
      throw error;
    }
    try {
      stillWaited(1);
      if (registrationAccessTokenKey !== undefined) {
        await this.models.insertOne(modelDocument(REGISTRATION_ACCESS_TOKEN_MODEL, registrationAccessTokenKey, client.clientId, null));
      }
      stillWaited(1);
      await this.audit.insertOne(auditDocument(event));
      stillWaited(0.5);
      await this.clients.updateOne({ _id: client.clientId }, { $unset: { pending: '', pendingSince: '' } });
    } catch (error) {
      await Promise.allSettled([this.#rollBack(client.clientId)]);
      throw error;
    }
  }

  async #rollBack(clientId: string): Promise<void> {
    await this.models.deleteMany({ clientId });
    if ((await this.clients.deleteOne({ _id: clientId, pending: true })).deletedCount === 0) return;
    await this.audit.insertOne(auditDocument({
      id: randomUUID(), time: new Date(), actor: 'system:registration', action: 'client.create', outcome: 'failure', clientId,
      detail: 'the registration did not complete and was rolled back',
    }));
  }

  async rotateAccessToken(clientId: string, oldKey: string, newKey: string): Promise<boolean> {
    const current = await this.models.findOne({ _id: modelId(REGISTRATION_ACCESS_TOKEN_MODEL, oldKey), clientId });
    if (!current) return false;
    try {
      // Only one of concurrent rotations inserts the marker: unique ids are atomic on every server.
      await this.models.insertOne(modelDocument(ROTATED_TOKEN_MODEL, oldKey, clientId, new Date(Date.now() + 86_400_000)));
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
    await this.models.insertOne(modelDocument(REGISTRATION_ACCESS_TOKEN_MODEL, newKey, clientId, null));
    await this.models.deleteOne({ _id: modelId(REGISTRATION_ACCESS_TOKEN_MODEL, oldKey) });
    return true;
  }

  async undoRotation(clientId: string, oldKey: string, newKey: string): Promise<void> {
    await this.models.insertOne(modelDocument(REGISTRATION_ACCESS_TOKEN_MODEL, oldKey, clientId, null));
    await this.models.deleteOne({ _id: modelId(REGISTRATION_ACCESS_TOKEN_MODEL, newKey), clientId });
    await this.models.deleteOne({ _id: modelId(ROTATED_TOKEN_MODEL, oldKey), clientId });
  }

  async repair(startedBefore: Date, now: Date): Promise<number> {
    const stale = await this.clients.find({ pending: true, pendingSince: { $lt: startedBefore } }).project<{ _id: string }>({ _id: 1 }).toArray();
    for (const { _id: clientId } of stale) {
      await this.models.deleteMany({ clientId });
      await this.clients.deleteOne({ _id: clientId, pending: true });
      await this.audit.insertOne(auditDocument({
        id: randomUUID(), time: now, actor: 'system:repair', action: 'client.create', outcome: 'failure', clientId,
        detail: 'an interrupted registration was rolled back',
      }));
    }
    return stale.length;
  }
}

const userFromDocument = (document: UserDocument): UserRecord =>
  toUser(document._id, JSON.parse(document.data) as JsonObject, document.createdAt, document.revision);

/** update() claims the revision it read first, as MongoClientStore does (FerretDB does not isolate conditional updates). */
class MongoUserStore implements UserStore {
  constructor(
    private readonly collection: Collection<UserDocument>,
    private readonly claims: Collection<RevisionClaimDocument>,
  ) {}

  async create(user: UserRecord): Promise<void> {
    const { data, usernameKey, emailKey } = storedUser(user);
    try {
      await this.collection.insertOne({
        _id: user.id, usernameKey, emailKey, groups: user.groups, data: JSON.stringify(data), createdAt: user.createdAt, revision: 0,
      });
    } catch (error) {
      throw duplicateUser(error, user);
    }
  }

  async find(id: string): Promise<UserRecord | undefined> {
    const document = await this.collection.findOne({ _id: id });
    return document ? userFromDocument(document) : undefined;
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const document = await this.collection.findOne({ usernameKey: caseInsensitiveKey(username) });
    return document ? userFromDocument(document) : undefined;
  }

  async update(user: UserRecord): Promise<boolean> {
    const revision = user.revision ?? 0;
    // Checked before the revision is claimed, so that a refused rename does not use the claim up;
    // the unique index still decides a race.
    const holder = await this.collection.findOne({ usernameKey: caseInsensitiveKey(user.username) }, { projection: { _id: 1 } });
    if (holder && holder._id !== user.id) throw new DuplicateUserError(user.username);
    if (!(await claimRevision(this.claims, `user:${user.id}#${user.createdAt.getTime()}#${revision}`))) return false;
    const { data, usernameKey, emailKey } = storedUser(user);
    try {
      const result = await this.collection.updateOne(
        { _id: user.id, revision },
        { $set: { usernameKey, emailKey, groups: user.groups, data: JSON.stringify(data), revision: revision + 1 } },
      );
      return result.matchedCount === 1;
    } catch (error) {
      throw duplicateUser(error, user);
    }
  }

  async recordSignIn(id: string, at: Date, upgradedPasswordHash?: string): Promise<void> {
    // Read, change, write back only if the document is as read: a concurrent admin change wins.
    const document = await this.collection.findOne({ _id: id });
    if (!document) return;
    const data = JSON.parse(document.data) as JsonObject;
    data.lastSignInAt = at.toISOString();
    if (upgradedPasswordHash !== undefined) data.passwordHash = upgradedPasswordHash;
    await this.collection.updateOne({ _id: id, revision: document.revision, data: document.data }, { $set: { data: JSON.stringify(data) } });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: id })).deletedCount > 0;
  }

  async list({ limit, after, username, email, group }: UserListQuery): Promise<UserRecord[]> {
    const filter: Record<string, unknown> = {};
    if (after) filter.$or = [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, _id: { $gt: after.id } }];
    if (username !== undefined) filter.usernameKey = caseInsensitiveKey(username);
    if (email !== undefined) filter.emailKey = caseInsensitiveKey(email);
    if (group !== undefined) filter.groups = group;
    const documents = await this.collection.find(filter).sort({ createdAt: 1, _id: 1 }).limit(limit).toArray();
    return documents.map(userFromDocument);
  }
}

/** MongoDB answers a unique-index conflict with code 11000; FerretDB's update path only says so in its message. */
function duplicateUser(error: unknown, user: UserRecord): unknown {
  const isDuplicate = error instanceof MongoServerError && (error.code === DUPLICATE_KEY || /UNIQUE constraint failed/.test(error.message));
  return isDuplicate ? new DuplicateUserError(user.username) : error;
}
