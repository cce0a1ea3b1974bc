// Writes clients and tokens straight into the store, copies of a client and a token the server
// wrote itself (so that every row is one the server reads as its own), in large transactions or
// batches: a million clients through the admin API would take longer than the measurements.
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { MongoClient, type Document } from 'mongodb';

import { SecretHasher } from '../../src/secrets/index.js';
import { clientId, clientName, type RunSecrets } from './fixtures.js';

/** The model oidc-provider stores a client credentials access token as. */
export const TOKEN_MODEL = 'ClientCredentials';
const BATCH = 5_000;
const DAY_MS = 86_400_000;

export interface StoreCounts {
  clients: number;
  tokens: number;
}

export interface Populator {
  /** Copies the template client as clients from..to-1 (ids clientId(i), secrets secrets.clientSecret(i)), created a day ago in index order. */
  addClients(from: number, to: number): Promise<void>;
  /** Copies the template token count times, for clients drawn from the first clients ones, expiring evenly between two times. */
  addTokens(count: number, clients: number, expiresFrom: Date, expiresTo: Date): Promise<void>;
  close(): Promise<void>;
}

/** The rows the copies are made of, read at the first opening (the template's token expires, and is swept, long before the last). */
export interface Templates<Client, Token> {
  client?: Client;
  token?: Token;
}

export interface StoreProbe {
  /** Rows of clients and of stored tokens (every oidc-provider model). */
  counts(): Promise<StoreCounts>;
  /** What the store takes on disk, in bytes. */
  diskBytes(): Promise<number>;
  /** When a client was created: the sort key of the admin list, for a cursor deep into it. */
  createdAtOf(clientId: string): Promise<Date>;
  /** How expired records go: the database's TTL index, or the server's sweep. */
  expiryMode(): Promise<'ttl-index' | 'sweep'>;
  close(): Promise<void>;
}

const newKey = () => randomBytes(32).toString('base64url');
const expiryAt = (from: Date, to: Date, index: number, count: number) => from.getTime() + ((to.getTime() - from.getTime()) * index) / Math.max(1, count - 1);

interface ClientCopy {
  id: string;
  metadata: string;
  name: string;
  createdAt: number;
}

/** The template's metadata as client number index: its id, a hashed secret of its own, its name. */
function clientCopies(template: Record<string, unknown>, secrets: RunSecrets, from: number, to: number): Generator<ClientCopy> {
  const hasher = new SecretHasher(secrets.encryptionKey);
  const base = Date.now() - DAY_MS;
  return (function* copies() {
    for (let index = from; index < to; index += 1) {
      const id = clientId(index);
      const name = clientName(index);
      yield { id, name, createdAt: base + index, metadata: JSON.stringify({ ...template, client_id: id, client_name: name, client_secret: hasher.hash(secrets.clientSecret(index)) }) };
    }
  })();
}

function directorySize(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

const SQLITE_FILE = 'authorization-server.sqlite';

/** The embedded store, opened while the server is stopped (it holds the data directory while it runs). */
type SqliteRow = Record<string, string | number | null>;

export function sqlitePopulator(
  dataDir: string, secrets: RunSecrets, templateClientId: string, templates: Templates<{ metadata: string; attributes: string }, SqliteRow>,
): Populator {
  const db = new DatabaseSync(join(dataDir, SQLITE_FILE));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  templates.client ??= db.prepare('SELECT metadata, attributes FROM clients WHERE client_id = ?').get(templateClientId) as { metadata: string; attributes: string } | undefined;
  templates.token ??= db.prepare('SELECT * FROM oidc_models WHERE model = ? AND client_id = ? LIMIT 1').get(TOKEN_MODEL, templateClientId) as SqliteRow | undefined;
  const { client, token } = templates;
  if (!client) throw new Error(`the template client ${templateClientId} is not in the store`);
  if (!token) throw new Error(`no ${TOKEN_MODEL} of ${templateClientId} in the store`);
  const insertClient = db.prepare('INSERT INTO clients (client_id, metadata, attributes, client_name, software_id, created_at, revision) VALUES (?, ?, ?, ?, NULL, ?, 0)');
  const columns = Object.keys(token).filter((column) => column !== 'id');
  const insertToken = db.prepare(`INSERT INTO oidc_models (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  const inTransaction = (work: () => void) => {
    db.exec('BEGIN');
    try {
      work();
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  };
  return {
    async addClients(from, to) {
      const copies = clientCopies(JSON.parse(client.metadata) as Record<string, unknown>, secrets, from, to);
      let batch: ClientCopy[] = [];
      const flush = () => inTransaction(() => {
        for (const copy of batch) insertClient.run(copy.id, copy.metadata, client.attributes, copy.name, copy.createdAt);
        batch = [];
      });
      for (const copy of copies) {
        batch.push(copy);
        if (batch.length === BATCH * 10) flush();
      }
      flush();
    },
    async addTokens(count, clients, expiresFrom, expiresTo) {
      for (let start = 0; start < count; start += BATCH * 10) {
        inTransaction(() => {
          for (let index = start; index < Math.min(count, start + BATCH * 10); index += 1) {
            const row: Record<string, string | number | null> = { ...token, key: newKey(), expires_at: Math.round(expiryAt(expiresFrom, expiresTo, index, count)), client_id: clientId(index % clients) };
            insertToken.run(...columns.map((column) => row[column] ?? null));
          }
        });
      }
    },
    async close() {
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

/** Counts and sizes of the embedded store, read while the server runs (a reader beside its writer). */
export function sqliteProbe(dataDir: string): StoreProbe {
  const db = new DatabaseSync(join(dataDir, SQLITE_FILE), { readOnly: true });
  const count = (table: string) => Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
  return {
    async counts() {
      return { clients: count('clients'), tokens: count('oidc_models') };
    },
    async diskBytes() {
      return directorySize(dataDir);
    },
    async createdAtOf(id) {
      const row = db.prepare('SELECT created_at FROM clients WHERE client_id = ?').get(id) as { created_at: number } | undefined;
      if (!row) throw new Error(`no client ${id}`);
      return new Date(row.created_at);
    },
    async expiryMode() {
      return 'sweep';
    },
    async close() {
      db.close();
    },
  };
}

/** MongoDB (or FerretDB): copies written with insertMany, unordered, in batches. */
export async function mongodbPopulator(uri: string, secrets: RunSecrets, templateClientId: string, templates: Templates<Document, Document>): Promise<Populator> {
  const connection = await MongoClient.connect(uri);
  const db = connection.db();
  const clients = db.collection<Document>('clients');
  const models = db.collection<Document>('oidc_models');
  templates.client ??= await clients.findOne({ _id: templateClientId as never }) ?? undefined;
  templates.token ??= await models.findOne({ model: TOKEN_MODEL, clientId: templateClientId }) ?? undefined;
  const { client, token } = templates;
  if (!client) throw new Error(`the template client ${templateClientId} is not in the store`);
  if (!token) throw new Error(`no ${TOKEN_MODEL} of ${templateClientId} in the store`);
  return {
    async addClients(from, to) {
      const { _id: _ignored, ...fields } = client;
      let batch: Document[] = [];
      for (const copy of clientCopies(JSON.parse(String(client.metadata)) as Record<string, unknown>, secrets, from, to)) {
        batch.push({ ...fields, _id: copy.id, metadata: copy.metadata, clientName: copy.name, createdAt: new Date(copy.createdAt) });
        if (batch.length === BATCH) {
          await clients.insertMany(batch, { ordered: false });
          batch = [];
        }
      }
      if (batch.length > 0) await clients.insertMany(batch, { ordered: false });
    },
    async addTokens(count, clientCount, expiresFrom, expiresTo) {
      for (let start = 0; start < count; start += BATCH) {
        const batch: Document[] = [];
        for (let index = start; index < Math.min(count, start + BATCH); index += 1) {
          batch.push({ ...token, _id: `${TOKEN_MODEL}:${newKey()}`, expiresAt: new Date(expiryAt(expiresFrom, expiresTo, index, count)), clientId: clientId(index % clientCount) });
        }
        await models.insertMany(batch, { ordered: false });
      }
    },
    async close() {
      await connection.close();
    },
  };
}

export async function mongodbProbe(uri: string, dataDir: string | undefined): Promise<StoreProbe> {
  const connection = await MongoClient.connect(uri);
  const db = connection.db();
  return {
    async counts() {
      const [clients, tokens] = await Promise.all([db.collection('clients').countDocuments(), db.collection('oidc_models').countDocuments()]);
      return { clients, tokens };
    },
    async diskBytes() {
      if (dataDir) return directorySize(dataDir);
      const stats = await db.stats();
      return Number(stats.storageSize ?? 0) + Number(stats.indexSize ?? 0);
    },
    async createdAtOf(id) {
      const document = await db.collection<Document>('clients').findOne({ _id: id as never });
      if (!document) throw new Error(`no client ${id}`);
      return document.createdAt as Date;
    },
    async expiryMode() {
      const indexes = await db.collection('oidc_models').indexes();
      return indexes.some((index) => index.expireAfterSeconds !== undefined) ? 'ttl-index' : 'sweep';
    },
    async close() {
      await connection.close();
    },
  };
}
