import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

import { DuplicateClientError, DuplicateUserError } from '../errors.js';
import { guardStore, type StoreObserver } from '../guarded-store.js';
import { safeInitialAccessToken } from '../limits.js';
import {
  REGISTRATION_ACCESS_TOKEN_MODEL,
  type AuditEvent, type AuditQuery, type AuditStore, type ClientListQuery, type ClientRecord, type ClientStore, type JsonObject, type ModelRecord,
  type ModelStore, type NewRegistration, type RegistrationStore, type RevocationStore, type SigningKeyStore, type Store, type StoredModelRecord,
  type StoredSigningKey, type InitialAccessTokenRecord, type InitialAccessTokenStore, type UserListQuery, type UserRecord, type UserStore,
} from '../port.js';
import { caseInsensitiveKey } from '../port.js';
import { storedUser, toUser } from '../user-documents.js';
import { startCheckpointer } from './checkpointer.js';
import { checkFreeSpace, holdDirectoryLock, lockHeldElsewhere, prepareDataDirectory, recordLockHolder, restrictFiles } from './data-directory.js';
import { isSqliteUnavailable, sqliteErrorCode } from './sqlite-errors.js';

const DATABASE_FILE = 'authorization-server.sqlite';
/** How long one sweep statement may hold the event loop, and the bounds of the rows it deletes to stay near that. */
const SWEEP_BATCH_MS = 10;
const MIN_SWEEP_BATCH_ROWS = 20;
const MAX_SWEEP_BATCH_ROWS = 5_000;
const SWEEP_BUDGET_MS = 1_000;

// A rowid table: rows are appended in rowid order, and its secondary indexes (client, expiry,
// account) then grow at their ends too; only the small (key, model) index takes random inserts.
// The WITHOUT ROWID layout of earlier versions kept whole rows in the order of their random keys,
// which doubled the CPU and the WAL pages of every token insert (measured: 93 µs against 41 µs).
const MODEL_COLUMNS = `
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at INTEGER,
    consumed_at INTEGER,
    grant_id TEXT,
    client_id TEXT,
    uid TEXT,
    user_code TEXT,
    account_id TEXT,
    UNIQUE (key, model)
  `;

const MODEL_INDEXES = `
  CREATE INDEX IF NOT EXISTS oidc_models_grant ON oidc_models (model, grant_id) WHERE grant_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS oidc_models_client ON oidc_models (client_id) WHERE client_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS oidc_models_uid ON oidc_models (model, uid) WHERE uid IS NOT NULL;
  CREATE INDEX IF NOT EXISTS oidc_models_user_code ON oidc_models (model, user_code) WHERE user_code IS NOT NULL;
  CREATE INDEX IF NOT EXISTS oidc_models_expiry ON oidc_models (expires_at) WHERE expires_at IS NOT NULL;
  CREATE INDEX IF NOT EXISTS oidc_models_account ON oidc_models (account_id, model) WHERE account_id IS NOT NULL;
`;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS oidc_models (${MODEL_COLUMNS});

  CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY,
    metadata TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    client_name TEXT,
    software_id TEXT,
    created_at INTEGER NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS clients_created ON clients (created_at, client_id);
  CREATE INDEX IF NOT EXISTS clients_name ON clients (client_name, created_at, client_id) WHERE client_name IS NOT NULL;
  CREATE INDEX IF NOT EXISTS clients_software ON clients (software_id, created_at, client_id) WHERE software_id IS NOT NULL;

  CREATE TABLE IF NOT EXISTS audit_events (
    id TEXT PRIMARY KEY,
    time INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    client_id TEXT,
    request_id TEXT,
    outcome TEXT NOT NULL,
    detail TEXT
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (time, id);
  CREATE INDEX IF NOT EXISTS audit_events_client ON audit_events (client_id, time, id) WHERE client_id IS NOT NULL;

  CREATE TABLE IF NOT EXISTS initial_access_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    policies TEXT NOT NULL,
    expires_at INTEGER,
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS signing_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    generation INTEGER NOT NULL,
    public_jwk TEXT NOT NULL,
    sealed_private_jwk TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    activate_at INTEGER NOT NULL,
    retire_at INTEGER,
    remove_at INTEGER,
    UNIQUE (alg, generation)
  ) WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    username_key TEXT NOT NULL UNIQUE,
    email_key TEXT,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS users_created ON users (created_at, id);
  CREATE INDEX IF NOT EXISTS users_email ON users (email_key, created_at, id) WHERE email_key IS NOT NULL;

  CREATE TABLE IF NOT EXISTS health_probe (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL
  );
`;

const AUDIT_INSERT = `
  INSERT INTO audit_events (id, time, actor, action, client_id, request_id, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

interface ModelRow {
  key: string;
  payload: string;
  expires_at: number | null;
  consumed_at: number | null;
  grant_id: string | null;
  client_id: string | null;
  uid: string | null;
  user_code: string | null;
  account_id: string | null;
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const toDate = (millis: number | null): Date | undefined => (millis === null ? undefined : new Date(millis));
const isLive = (row: { expires_at: number | null }, now: number): boolean => row.expires_at === null || row.expires_at > now;

function toStoredModel(row: ModelRow): StoredModelRecord {
  return {
    payload: JSON.parse(row.payload) as JsonObject,
    expiresAt: toDate(row.expires_at),
    consumedAt: toDate(row.consumed_at),
    grantId: row.grant_id ?? undefined,
    clientId: row.client_id ?? undefined,
    uid: row.uid ?? undefined,
    userCode: row.user_code ?? undefined,
    accountId: row.account_id ?? undefined,
  };
}

/**
 * The embedded store: SQLite (node:sqlite) in WAL mode under DATA_DIR, for one server process.
 * The process holds an exclusive lock on the database for as long as it runs (a second process
 * on the same directory stops at once, naming the holder); the directory is 0700, its files 0600.
 * node:sqlite is synchronous, which suits single-row statements and makes a multi-statement
 * transaction atomic with respect to every other request.
 */
export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly expiryMode = 'sweep' as const;
  readonly models: ModelStore;
  readonly clients: ClientStore;
  readonly initialAccessTokens: InitialAccessTokenStore;
  readonly audit: AuditStore;
  readonly signingKeys: SigningKeyStore;
  readonly revocations: RevocationStore;
  readonly registrations: RegistrationStore;
  readonly users: UserStore;
  readonly #db: DatabaseSync;
  readonly #release: StoreRelease;
  #closed: Promise<void> | undefined;
  /** Adapted after each batch to hold the loop about SWEEP_BATCH_MS. */
  #sweepBatchRows = 500;
  readonly #models: SqliteModelStore;
  readonly #sweeps: StatementSync[];
  readonly #probe: StatementSync;

  /** Opens (creating) the store under dataDir; every error names the directory. */
  static open(dataDir: string, { observe, onBackgroundError }: { timeoutMs?: number; observe?: StoreObserver; onBackgroundError?: (message: string, error: unknown) => void } = {}): Store {
    const path = join(dataDir, DATABASE_FILE);
    prepareDataDirectory(dataDir, DATABASE_FILE);
    const releaseDirectory = holdDirectoryLock(dataDir);
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(path);
      // WAL with synchronous = NORMAL: a commit survives the process being killed (kill -9) and the
      // database stays consistent on power loss; the WAL is synced at checkpoints, which a thread
      // of their own runs (checkpointer.ts). That thread never reaches the end of a WAL a busy writer
      // keeps extending, and only a checkpoint that does lets the WAL be reused from its start: the
      // writer still checkpoints past 2,000 pages (~8 MiB), copying what the thread has not yet.
      // Measured (docs/performance.md): 2,000 pages gain 13 % of write throughput with pauses of the
      // event loop no longer than SQLite's default (1,000 pages) gives; 10,000 pages gain 36 % but
      // pause it for up to 65 ms.
      db.exec('PRAGMA busy_timeout = 0; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 2000;');
      db.exec('BEGIN IMMEDIATE; COMMIT;');
    } catch (error) {
      db?.close();
      releaseDirectory();
      // An earlier version, still running, holds the database itself exclusively.
      if (sqliteErrorCode(error) === 5 /* SQLITE_BUSY */ || sqliteErrorCode(error) === 6 /* SQLITE_LOCKED */) {
        throw lockHeldElsewhere(dataDir);
      }
      throw new Error(`cannot open the embedded store ${path}: ${(error as Error).message}`, { cause: error });
    }
    let releaseRecord: (() => void) | undefined;
    try {
      releaseRecord = recordLockHolder(dataDir);
      db.exec(SCHEMA);
      migrate(db);
      restrictFiles(dataDir, DATABASE_FILE);
      const release = { stopCheckpointer: async () => {}, releaseDirectory: () => { releaseRecord!(); releaseDirectory(); } };
      const store = new SqliteStore(db, dataDir, release);
      release.stopCheckpointer = startCheckpointer(path, (error) => onBackgroundError?.('the embedded store\'s checkpointer stopped; the writer checkpoints alone from now on', error));
      // node:sqlite is synchronous: an operation is over before its promise exists, so it needs
      // no deadline (busy_timeout 0: a lock never makes it wait).
      return guardStore(store, { timeoutMs: undefined, isUnavailable: isSqliteUnavailable, observe });
    } catch (error) {
      db.close();
      releaseRecord?.();
      releaseDirectory();
      throw new Error(`cannot open the embedded store ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  private constructor(db: DatabaseSync, private readonly dataDir: string, release: StoreRelease) {
    this.#db = db;
    this.#release = release;
    this.#models = new SqliteModelStore(db);
    this.models = this.#models;
    this.clients = new SqliteClientStore(db);
    this.initialAccessTokens = new SqliteInitialAccessTokenStore(db);
    this.audit = new SqliteAuditStore(db);
    this.signingKeys = new SqliteSigningKeyStore(db);
    this.revocations = new SqliteRevocationStore(db);
    this.registrations = new SqliteRegistrationStore(db);
    this.users = new SqliteUserStore(db);
    this.#sweeps = [
      db.prepare('DELETE FROM oidc_models WHERE id IN (SELECT id FROM oidc_models WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)'),
      db.prepare('DELETE FROM revoked_tokens WHERE jti IN (SELECT jti FROM revoked_tokens WHERE expires_at <= ? LIMIT ?)'),
    ];
    this.#probe = db.prepare('INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at');
  }

  async ping(): Promise<void> {
    this.#probe.run(Date.now());
    checkFreeSpace(this.dataDir);
  }

  /**
   * In batches, the event loop free between them: one DELETE of everything expired held the loop
   * for the whole of it (1.5 s for 300,000 rows, measured with npm run bench:sweep). A batch is
   * sized to hold the loop about SWEEP_BATCH_MS (on a table of millions of random keys a row costs
   * tens of microseconds, on a small one a few), and the loop is left free at least as long as each
   * batch held it, so that requests keep half of it while millions of rows go. Stops after about a
   * second, well within the store's timeout; the upkeep calls again while rows go.
   */
  async sweepExpired(now: Date): Promise<number> {
    this.#models.commitPending();
    const started = performance.now();
    let deleted = 0;
    for (const statement of this.#sweeps) {
      for (;;) {
        if (this.#closed) return deleted;
        const batchStarted = performance.now();
        const changes = Number(statement.run(now.getTime(), this.#sweepBatchRows).changes);
        const held = performance.now() - batchStarted;
        deleted += changes;
        if (changes < this.#sweepBatchRows) break;
        this.#sweepBatchRows = Math.min(MAX_SWEEP_BATCH_ROWS, Math.max(MIN_SWEEP_BATCH_ROWS, Math.round(this.#sweepBatchRows * (SWEEP_BATCH_MS / Math.max(held, 0.1)))));
        if (performance.now() - started > SWEEP_BUDGET_MS) return deleted;
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(held)));
      }
    }
    return deleted;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#models.commitPending();
      // The checkpointer's connection closes first: the last connection to close checkpoints what
      // is left and removes the WAL; only then is the directory free for another process.
      await this.#release.stopCheckpointer();
      this.#models.commitPending();
      this.#db.close();
      this.#release.releaseDirectory();
    })();
    return this.#closed;
  }
}

interface StoreRelease {
  stopCheckpointer(): Promise<void>;
  /** Removes the holder's record and unlocks the directory. */
  releaseDirectory(): void;
}

/** Brings a database written by an earlier version up to the current schema. */
function migrate(db: DatabaseSync): void {
  const columns = (db.prepare('PRAGMA table_info(clients)').all() as { name: string }[]).map((column) => column.name);
  if (!columns.includes('revision')) db.exec('ALTER TABLE clients ADD COLUMN revision INTEGER NOT NULL DEFAULT 0');
  const modelColumns = (db.prepare('PRAGMA table_info(oidc_models)').all() as { name: string }[]).map((column) => column.name);
  if (!modelColumns.includes('account_id')) db.exec('ALTER TABLE oidc_models ADD COLUMN account_id TEXT');
  if (!modelColumns.includes('id')) rebuildModelsWithRowids(db);
  db.exec(MODEL_INDEXES);
}

/** Copies the WITHOUT ROWID models table of earlier versions into the rowid layout, in one transaction. */
function rebuildModelsWithRowids(db: DatabaseSync): void {
  const copied = 'model, key, payload, expires_at, consumed_at, grant_id, client_id, uid, user_code, account_id';
  transaction(db, () => {
    db.exec(`CREATE TABLE oidc_models_rowid (${MODEL_COLUMNS})`);
    db.exec(`INSERT INTO oidc_models_rowid (${copied}) SELECT ${copied} FROM oidc_models`);
    db.exec('DROP TABLE oidc_models');
    db.exec('ALTER TABLE oidc_models_rowid RENAME TO oidc_models');
  });
}

/** Runs statements as one transaction: all of them, or (on any error) none. */
function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

interface PendingUpsert {
  values: (string | number | null)[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Tokens, grants and sessions: the hot path of issuance. Upserts are committed in groups, once
 * per turn of the event loop, in one transaction: each caller's promise resolves only once its
 * row is committed (so no response promises what a crash would lose), and the WAL is written once
 * per group instead of once per token. Every other operation commits what is pending first, so
 * reads see every earlier write and writes keep their order.
 */
class SqliteModelStore implements ModelStore {
  #pending: PendingUpsert[] = [];
  readonly #upsert: StatementSync;
  readonly #find: StatementSync;
  readonly #findByUid: StatementSync;
  readonly #findByUserCode: StatementSync;
  readonly #consume: StatementSync;
  readonly #destroy: StatementSync;
  readonly #destroyByGrant: StatementSync;
  readonly #destroyByClient: StatementSync;
  readonly #destroyModelByClient: StatementSync;
  readonly #findByAccount: StatementSync;
  readonly #destroyByAccount: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    const columns = 'key, payload, expires_at, consumed_at, grant_id, client_id, uid, user_code, account_id';
    this.#upsert = db.prepare(`
      INSERT INTO oidc_models (model, key, payload, expires_at, consumed_at, grant_id, client_id, uid, user_code, account_id)
      VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)
      ON CONFLICT (key, model) DO UPDATE SET payload = excluded.payload, expires_at = excluded.expires_at,
        consumed_at = NULL, grant_id = excluded.grant_id, client_id = excluded.client_id, uid = excluded.uid,
        user_code = excluded.user_code, account_id = excluded.account_id`);
    this.#findByAccount = db.prepare(`
      SELECT ${columns} FROM oidc_models WHERE account_id = ? AND model = ? AND (expires_at IS NULL OR expires_at > ?) LIMIT ?`);
    this.#destroyByAccount = db.prepare('DELETE FROM oidc_models WHERE account_id = ?');
    this.#find = db.prepare(`SELECT ${columns} FROM oidc_models WHERE model = ? AND key = ?`);
    this.#findByUid = db.prepare(`SELECT ${columns} FROM oidc_models WHERE model = ? AND uid = ?`);
    this.#findByUserCode = db.prepare(`SELECT ${columns} FROM oidc_models WHERE model = ? AND user_code = ?`);
    this.#consume = db.prepare('UPDATE oidc_models SET consumed_at = ? WHERE model = ? AND key = ?');
    this.#destroy = db.prepare('DELETE FROM oidc_models WHERE model = ? AND key = ?');
    this.#destroyByGrant = db.prepare('DELETE FROM oidc_models WHERE model = ? AND grant_id = ?');
    this.#destroyByClient = db.prepare('DELETE FROM oidc_models WHERE client_id = ?');
    this.#destroyModelByClient = db.prepare('DELETE FROM oidc_models WHERE client_id = ? AND model = ?');
  }

  upsert(model: string, key: string, record: ModelRecord): Promise<void> {
    const values = [
      model, key, JSON.stringify(record.payload), record.expiresAt?.getTime() ?? null,
      record.grantId ?? null, record.clientId ?? null, record.uid ?? null, record.userCode ?? null, record.accountId ?? null,
    ];
    return new Promise((resolve, reject) => {
      this.#pending.push({ values, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => this.commitPending());
    });
  }

  /** Commits every pending upsert in one transaction; if that fails, each on its own, so that one bad row fails only its caller. */
  commitPending(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    try {
      transaction(this.db, () => {
        for (const { values } of pending) this.#upsert.run(...values);
      });
      for (const { resolve } of pending) resolve();
    } catch {
      for (const { values, resolve, reject } of pending) {
        try {
          this.#upsert.run(...values);
          resolve();
        } catch (error) {
          reject(error);
        }
      }
    }
  }

  async find(model: string, key: string): Promise<StoredModelRecord | undefined> {
    this.commitPending();
    const row = this.#find.get(model, key) as ModelRow | undefined;
    return row && isLive(row, Date.now()) ? toStoredModel(row) : undefined;
  }

  async findByUid(model: string, uid: string) {
    return this.#findOne(this.#findByUid, model, uid);
  }

  async findByUserCode(model: string, userCode: string) {
    return this.#findOne(this.#findByUserCode, model, userCode);
  }

  #findOne(statement: StatementSync, model: string, value: string) {
    this.commitPending();
    const row = statement.get(model, value) as ModelRow | undefined;
    return row && isLive(row, Date.now()) ? { key: row.key, record: toStoredModel(row) } : undefined;
  }

  async consume(model: string, key: string, at: Date): Promise<void> {
    this.commitPending();
    this.#consume.run(at.getTime(), model, key);
  }

  async destroy(model: string, key: string): Promise<void> {
    this.commitPending();
    this.#destroy.run(model, key);
  }

  async destroyByGrantId(model: string, grantId: string): Promise<void> {
    this.commitPending();
    this.#destroyByGrant.run(model, grantId);
  }

  async destroyByClientId(clientId: string, model?: string): Promise<number> {
    this.commitPending();
    const result = model === undefined ? this.#destroyByClient.run(clientId) : this.#destroyModelByClient.run(clientId, model);
    return Number(result.changes);
  }

  async findByAccountId(model: string, accountId: string, limit: number) {
    this.commitPending();
    const rows = this.#findByAccount.all(accountId, model, Date.now(), limit) as unknown as ModelRow[];
    return rows.map((row) => ({ key: row.key, record: toStoredModel(row) }));
  }

  async destroyByAccountId(accountId: string): Promise<number> {
    this.commitPending();
    return Number(this.#destroyByAccount.run(accountId).changes);
  }
}

type Condition = [sql: string, ...values: (string | number)[]] | false | undefined;

/** One SELECT under varying WHERE conditions: a prepared statement per combination, built on first use. */
class ConditionalSelect {
  readonly #statements = new Map<string, StatementSync>();

  constructor(
    private readonly db: DatabaseSync,
    private readonly select: string,
    private readonly orderBy: string,
  ) {}

  all(conditions: Condition[], limit: number): unknown[] {
    const active = conditions.filter((condition): condition is [string, ...(string | number)[]] => Boolean(condition));
    const where = active.map(([sql]) => sql).join(' AND ');
    let statement = this.#statements.get(where);
    if (!statement) {
      statement = this.db.prepare(`${this.select} ${where ? `WHERE ${where}` : ''} ORDER BY ${this.orderBy} LIMIT ?`);
      this.#statements.set(where, statement);
    }
    return statement.all(...active.flatMap(([, ...values]) => values), limit);
  }
}

interface ClientRow {
  client_id: string;
  metadata: string;
  attributes: string;
  created_at: number;
  revision: number;
}

function toClient(row: ClientRow): ClientRecord {
  return {
    clientId: row.client_id,
    metadata: JSON.parse(row.metadata) as JsonObject,
    attributes: JSON.parse(row.attributes) as JsonObject,
    createdAt: new Date(row.created_at),
    revision: row.revision,
  };
}

class SqliteClientStore implements ClientStore {
  readonly #upsert: StatementSync;
  readonly #update: StatementSync;
  readonly #find: StatementSync;
  readonly #delete: StatementSync;
  readonly #list: ConditionalSelect;

  constructor(db: DatabaseSync) {
    this.#upsert = db.prepare(`
      INSERT INTO clients (client_id, metadata, attributes, client_name, software_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (client_id) DO UPDATE SET metadata = excluded.metadata, attributes = excluded.attributes,
        client_name = excluded.client_name, software_id = excluded.software_id, revision = clients.revision + 1`);
    this.#update = db.prepare(`
      UPDATE clients SET metadata = ?, attributes = ?, client_name = ?, software_id = ?, revision = revision + 1
      WHERE client_id = ? AND revision = ?`);
    const columns = 'client_id, metadata, attributes, created_at, revision';
    this.#find = db.prepare(`SELECT ${columns} FROM clients WHERE client_id = ?`);
    this.#delete = db.prepare('DELETE FROM clients WHERE client_id = ?');
    this.#list = new ConditionalSelect(db, `SELECT ${columns} FROM clients`, 'created_at, client_id');
  }

  async list({ limit, after, clientName, softwareId }: ClientListQuery): Promise<ClientRecord[]> {
    const rows = this.#list.all([
      after && ['(created_at, client_id) > (?, ?)', after.createdAt.getTime(), after.clientId],
      clientName !== undefined && ['client_name = ?', clientName],
      softwareId !== undefined && ['software_id = ?', softwareId],
    ], limit);
    return (rows as ClientRow[]).map(toClient);
  }

  async upsert(record: ClientRecord): Promise<void> {
    this.#upsert.run(
      record.clientId, JSON.stringify(record.metadata), JSON.stringify(record.attributes),
      stringOrNull(record.metadata.client_name), stringOrNull(record.metadata.software_id), record.createdAt.getTime(),
    );
  }

  async update(record: ClientRecord): Promise<boolean> {
    const { changes } = this.#update.run(
      JSON.stringify(record.metadata), JSON.stringify(record.attributes), stringOrNull(record.metadata.client_name),
      stringOrNull(record.metadata.software_id), record.clientId, record.revision ?? 0,
    );
    return Number(changes) === 1;
  }

  async find(clientId: string): Promise<ClientRecord | undefined> {
    const row = this.#find.get(clientId) as ClientRow | undefined;
    return row && toClient(row);
  }

  async delete(clientId: string): Promise<boolean> {
    return Number(this.#delete.run(clientId).changes) > 0;
  }
}

interface InitialAccessTokenRow {
  id: string;
  token_hash: string;
  policies: string;
  expires_at: number | null;
  max_uses: number | null;
  uses: number;
  created_at: number;
}

function toInitialAccessToken(row: InitialAccessTokenRow): InitialAccessTokenRecord {
  return safeInitialAccessToken({
    id: row.id,
    tokenHash: row.token_hash,
    policies: JSON.parse(row.policies) as string[],
    expiresAt: toDate(row.expires_at),
    maxUses: row.max_uses ?? undefined,
    uses: row.uses,
    createdAt: new Date(row.created_at),
  });
}

class SqliteInitialAccessTokenStore implements InitialAccessTokenStore {
  readonly #put: StatementSync;
  readonly #findByHash: StatementSync;
  readonly #recordUse: StatementSync;
  readonly #releaseUse: StatementSync;
  readonly #list: StatementSync;
  readonly #delete: StatementSync;

  constructor(db: DatabaseSync) {
    const columns = 'id, token_hash, policies, expires_at, max_uses, uses, created_at';
    // Integers beyond JavaScript's safe range (possible in stores written before inputs were
    // bounded) are read clamped: node:sqlite refuses to read them, which would fail the listing.
    const clamp = (column: string) => `CASE WHEN typeof(${column}) = 'integer' AND ${column} BETWEEN -9007199254740991 AND 9007199254740991 THEN ${column} WHEN ${column} IS NULL THEN NULL ELSE 9007199254740991 END AS ${column}`;
    const readColumns = `id, token_hash, policies, ${clamp('expires_at')}, ${clamp('max_uses')}, ${clamp('uses')}, ${clamp('created_at')}`;
    this.#put = db.prepare(`
      INSERT INTO initial_access_tokens (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, policies = excluded.policies,
        expires_at = excluded.expires_at, max_uses = excluded.max_uses`);
    this.#findByHash = db.prepare(`SELECT ${readColumns} FROM initial_access_tokens WHERE token_hash = ?`);
    this.#recordUse = db.prepare(`
      UPDATE initial_access_tokens SET uses = uses + 1
      WHERE id = ? AND (expires_at IS NULL OR expires_at > ?) AND (max_uses IS NULL OR uses < max_uses)`);
    this.#releaseUse = db.prepare('UPDATE initial_access_tokens SET uses = uses - 1 WHERE id = ? AND uses > 0');
    this.#list = db.prepare(`SELECT ${readColumns} FROM initial_access_tokens ORDER BY created_at, id`);
    this.#delete = db.prepare('DELETE FROM initial_access_tokens WHERE id = ?');
  }

  async put(record: InitialAccessTokenRecord): Promise<void> {
    this.#put.run(
      record.id, record.tokenHash, JSON.stringify(record.policies), record.expiresAt?.getTime() ?? null,
      record.maxUses ?? null, record.uses, record.createdAt.getTime(),
    );
  }

  async findByHash(tokenHash: string): Promise<InitialAccessTokenRecord | undefined> {
    const row = this.#findByHash.get(tokenHash) as InitialAccessTokenRow | undefined;
    return row && toInitialAccessToken(row);
  }

  async recordUse(id: string, now: Date): Promise<boolean> {
    return Number(this.#recordUse.run(id, now.getTime()).changes) === 1;
  }

  async releaseUse(id: string): Promise<void> {
    this.#releaseUse.run(id);
  }

  async list(): Promise<InitialAccessTokenRecord[]> {
    return (this.#list.all() as unknown as InitialAccessTokenRow[]).map(toInitialAccessToken);
  }

  async delete(id: string): Promise<boolean> {
    return Number(this.#delete.run(id).changes) > 0;
  }
}

interface AuditRow {
  id: string;
  time: number;
  actor: string;
  action: string;
  client_id: string | null;
  request_id: string | null;
  outcome: 'success' | 'failure';
  detail: string | null;
}

class SqliteAuditStore implements AuditStore {
  readonly #append: StatementSync;
  readonly #list: ConditionalSelect;
  readonly #deleteBefore: StatementSync;

  constructor(db: DatabaseSync) {
    this.#deleteBefore = db.prepare('DELETE FROM audit_events WHERE time < ?');
    this.#list = new ConditionalSelect(
      db, 'SELECT id, time, actor, action, client_id, request_id, outcome, detail FROM audit_events', 'time DESC, id DESC',
    );
    this.#append = db.prepare(AUDIT_INSERT);
  }

  async append(event: AuditEvent): Promise<void> {
    this.#append.run(
      event.id, event.time.getTime(), event.actor, event.action, event.clientId ?? null, event.requestId ?? null,
      event.outcome, event.detail ?? null,
    );
  }

  async deleteBefore(time: Date): Promise<number> {
    return Number(this.#deleteBefore.run(time.getTime()).changes);
  }

  async list({ limit, before, clientId, action }: AuditQuery): Promise<AuditEvent[]> {
    const rows = this.#list.all([
      before && ['(time, id) < (?, ?)', before.time.getTime(), before.id],
      clientId !== undefined && ['client_id = ?', clientId],
      action !== undefined && ['action = ?', action],
    ], limit);
    return (rows as AuditRow[]).map((row) => ({
      id: row.id,
      time: new Date(row.time),
      actor: row.actor,
      action: row.action,
      clientId: row.client_id ?? undefined,
      requestId: row.request_id ?? undefined,
      outcome: row.outcome,
      detail: row.detail ?? undefined,
    }));
  }
}

interface SigningKeyRow {
  kid: string;
  alg: string;
  generation: number;
  public_jwk: string;
  sealed_private_jwk: string;
  created_at: number;
  activate_at: number;
  retire_at: number | null;
  remove_at: number | null;
}

class SqliteSigningKeyStore implements SigningKeyStore {
  readonly #list: StatementSync;
  readonly #insert: StatementSync;
  readonly #retire: StatementSync;
  readonly #delete: StatementSync;

  constructor(db: DatabaseSync) {
    const columns = 'kid, alg, generation, public_jwk, sealed_private_jwk, created_at, activate_at, retire_at, remove_at';
    this.#list = db.prepare(`SELECT ${columns} FROM signing_keys ORDER BY created_at, kid`);
    this.#insert = db.prepare(`INSERT INTO signing_keys (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    this.#retire = db.prepare('UPDATE signing_keys SET retire_at = ?, remove_at = ? WHERE kid = ?');
    this.#delete = db.prepare('DELETE FROM signing_keys WHERE kid = ?');
  }

  async list(): Promise<StoredSigningKey[]> {
    return (this.#list.all() as unknown as SigningKeyRow[]).map((row) => ({
      kid: row.kid,
      alg: row.alg,
      generation: row.generation,
      publicJwk: JSON.parse(row.public_jwk) as JsonObject,
      sealedPrivateJwk: row.sealed_private_jwk,
      createdAt: new Date(row.created_at),
      activateAt: new Date(row.activate_at),
      retireAt: toDate(row.retire_at),
      removeAt: toDate(row.remove_at),
    }));
  }

  async insert(key: StoredSigningKey): Promise<boolean> {
    const { changes } = this.#insert.run(
      key.kid, key.alg, key.generation, JSON.stringify(key.publicJwk), key.sealedPrivateJwk, key.createdAt.getTime(),
      key.activateAt.getTime(), key.retireAt?.getTime() ?? null, key.removeAt?.getTime() ?? null,
    );
    return Number(changes) === 1;
  }

  async retire(kid: string, retireAt: Date, removeAt: Date): Promise<void> {
    this.#retire.run(retireAt.getTime(), removeAt.getTime(), kid);
  }

  async delete(kid: string): Promise<void> {
    this.#delete.run(kid);
  }
}

class SqliteRevocationStore implements RevocationStore {
  readonly #revoke: StatementSync;
  readonly #find: StatementSync;

  constructor(db: DatabaseSync) {
    this.#revoke = db.prepare(`
      INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)
      ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`);
    this.#find = db.prepare('SELECT expires_at FROM revoked_tokens WHERE jti = ?');
  }

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    this.#revoke.run(jti, expiresAt.getTime());
  }

  async isRevoked(jti: string, now: Date): Promise<boolean> {
    const row = this.#find.get(jti) as { expires_at: number } | undefined;
    return row !== undefined && row.expires_at > now.getTime();
  }
}



/** Creation in one transaction: nothing of a registration exists unless all of it does. */
class SqliteRegistrationStore implements RegistrationStore {
  readonly #insertClient: StatementSync;
  readonly #insertToken: StatementSync;
  readonly #deleteToken: StatementSync;
  readonly #insertEvent: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    this.#insertClient = db.prepare(`
      INSERT INTO clients (client_id, metadata, attributes, client_name, software_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (client_id) DO NOTHING`);
    this.#insertToken = db.prepare(`
      INSERT INTO oidc_models (model, key, payload, expires_at, consumed_at, grant_id, client_id, uid, user_code)
      VALUES ('${REGISTRATION_ACCESS_TOKEN_MODEL}', ?, ?, NULL, NULL, NULL, ?, NULL, NULL)`);
    this.#deleteToken = db.prepare(`DELETE FROM oidc_models WHERE model = '${REGISTRATION_ACCESS_TOKEN_MODEL}' AND key = ? AND client_id = ?`);
    this.#insertEvent = db.prepare(AUDIT_INSERT);
  }

  async create({ client, registrationAccessTokenKey, event }: NewRegistration): Promise<void> {
    transaction(this.db, () => {
      const { changes } = this.#insertClient.run(
        client.clientId, JSON.stringify(client.metadata), JSON.stringify(client.attributes),
        stringOrNull(client.metadata.client_name), stringOrNull(client.metadata.software_id), client.createdAt.getTime(),
      );
      if (Number(changes) !== 1) throw new DuplicateClientError(client.clientId);
      if (registrationAccessTokenKey !== undefined) {
        this.#insertToken.run(registrationAccessTokenKey, JSON.stringify({ clientId: client.clientId }), client.clientId);
      }
      this.#insertEvent.run(
        event.id, event.time.getTime(), event.actor, event.action, event.clientId ?? null, event.requestId ?? null,
        event.outcome, event.detail ?? null,
      );
    });
  }

  async rotateAccessToken(clientId: string, oldKey: string, newKey: string): Promise<boolean> {
    return transaction(this.db, () => {
      if (Number(this.#deleteToken.run(oldKey, clientId).changes) !== 1) return false;
      this.#insertToken.run(newKey, JSON.stringify({ clientId }), clientId);
      return true;
    });
  }

  async undoRotation(clientId: string, oldKey: string, newKey: string): Promise<void> {
    transaction(this.db, () => {
      this.#deleteToken.run(newKey, clientId);
      this.#insertToken.run(oldKey, JSON.stringify({ clientId }), clientId);
    });
  }

  async repair(): Promise<number> {
    // Creations are single transactions here: an interrupted one left nothing behind.
    return 0;
  }
}

interface UserRow {
  id: string;
  data: string;
  created_at: number;
  revision: number;
}

const userFromRow = (row: UserRow): UserRecord => toUser(row.id, JSON.parse(row.data) as JsonObject, new Date(row.created_at), row.revision);

const SQLITE_CONSTRAINT_UNIQUE = 2067;

class SqliteUserStore implements UserStore {
  readonly #insert: StatementSync;
  readonly #update: StatementSync;
  readonly #find: StatementSync;
  readonly #findByUsername: StatementSync;
  readonly #signIn: StatementSync;
  readonly #delete: StatementSync;
  readonly #list: ConditionalSelect;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare('INSERT INTO users (id, username_key, email_key, data, created_at) VALUES (?, ?, ?, ?, ?)');
    this.#update = db.prepare('UPDATE users SET username_key = ?, email_key = ?, data = ?, revision = revision + 1 WHERE id = ? AND revision = ?');
    const columns = 'id, data, created_at, revision';
    this.#find = db.prepare(`SELECT ${columns} FROM users WHERE id = ?`);
    this.#findByUsername = db.prepare(`SELECT ${columns} FROM users WHERE username_key = ?`);
    this.#signIn = db.prepare(`
      UPDATE users SET data = json_set(data, '$.lastSignInAt', ?, '$.passwordHash', coalesce(?, json_extract(data, '$.passwordHash')))
      WHERE id = ?`);
    this.#delete = db.prepare('DELETE FROM users WHERE id = ?');
    this.#list = new ConditionalSelect(db, `SELECT ${columns} FROM users`, 'created_at, id');
  }

  async create(user: UserRecord): Promise<void> {
    const { data, usernameKey, emailKey } = storedUser(user);
    try {
      this.#insert.run(user.id, usernameKey, emailKey, JSON.stringify(data), user.createdAt.getTime());
    } catch (error) {
      throw this.#duplicate(error, user);
    }
  }

  async find(id: string): Promise<UserRecord | undefined> {
    const row = this.#find.get(id) as UserRow | undefined;
    return row && userFromRow(row);
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const row = this.#findByUsername.get(caseInsensitiveKey(username)) as UserRow | undefined;
    return row && userFromRow(row);
  }

  async update(user: UserRecord): Promise<boolean> {
    const { data, usernameKey, emailKey } = storedUser(user);
    try {
      return Number(this.#update.run(usernameKey, emailKey, JSON.stringify(data), user.id, user.revision ?? 0).changes) === 1;
    } catch (error) {
      throw this.#duplicate(error, user);
    }
  }

  async recordSignIn(id: string, at: Date, upgradedPasswordHash?: string): Promise<void> {
    this.#signIn.run(at.toISOString(), upgradedPasswordHash ?? null, id);
  }

  async delete(id: string): Promise<boolean> {
    return Number(this.#delete.run(id).changes) > 0;
  }

  async list({ limit, after, username, email, group }: UserListQuery): Promise<UserRecord[]> {
    const rows = this.#list.all([
      after && ['(created_at, id) > (?, ?)', after.createdAt.getTime(), after.id],
      username !== undefined && ['username_key = ?', caseInsensitiveKey(username)],
      email !== undefined && ['email_key = ?', caseInsensitiveKey(email)],
      group !== undefined && ["EXISTS (SELECT 1 FROM json_each(users.data, '$.groups') WHERE json_each.value = ?)", group],
    ], limit);
    return (rows as UserRow[]).map(userFromRow);
  }

  #duplicate(error: unknown, user: UserRecord): unknown {
    const extended = (error as { errcode?: number }).errcode;
    return extended === SQLITE_CONSTRAINT_UNIQUE ? new DuplicateUserError(user.username) : error;
  }
}
