import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MongoClient } from 'mongodb';

import { MongoStore, SqliteStore, type Store, type StoreObserver } from '../../src/storage/index.js';

/** A storage backend under test: a fresh, isolated store per call. */
export interface Backend {
  name: 'sqlite' | 'mongodb';
  /** Settings that make the server use this store (mongodbUri or dataDir). */
  settings(): { mongodbUri?: string; dataDir: string };
  open(settings: { mongodbUri?: string; dataDir: string }, options?: { timeoutMs?: number; observe?: StoreObserver }): Promise<Store>;
  /** Every string stored, for tests that look for secrets in the raw data. */
  rawDump(settings: { mongodbUri?: string; dataDir: string }): Promise<string>;
  cleanup(settings: { mongodbUri?: string; dataDir: string }): Promise<void>;
}

function mongoUri(): string {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: the global setup starts FerretDB');
  return uri;
}

function withDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/]+)\/?([^?]*)(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`unsupported MONGODB_URI ${uri}`);
  return `${match[1]}/${database}${match[3] ?? ''}`;
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  settings: () => ({ dataDir: mkdtempSync(join(tmpdir(), 'as-sqlite-')) }),
  open: async ({ dataDir }, options) => SqliteStore.open(dataDir, options),
  async rawDump({ dataDir }) {
    const { readdirSync, readFileSync } = await import('node:fs');
    return readdirSync(dataDir)
      .filter((file) => file.includes('sqlite'))
      .map((file) => readFileSync(join(dataDir, file)).toString('latin1'))
      .join('\n');
  },
  cleanup: async ({ dataDir }) => rmSync(dataDir, { recursive: true, force: true }),
};

export const mongoBackend: Backend = {
  name: 'mongodb',
  settings: () => ({
    mongodbUri: withDatabase(mongoUri(), `test_${randomBytes(6).toString('hex')}`),
    dataDir: mkdtempSync(join(tmpdir(), 'as-mongo-')),
  }),
  open: async ({ mongodbUri }, options) => MongoStore.connect(mongodbUri!, options),
  async rawDump({ mongodbUri }) {
    const client = await MongoClient.connect(mongodbUri!);
    try {
      const db = client.db();
      const collections = await db.listCollections().toArray();
      const dumps = await Promise.all(collections.map(async ({ name }) => JSON.stringify(await db.collection(name).find().toArray())));
      return dumps.join('\n');
    } finally {
      await client.close();
    }
  },
  async cleanup({ mongodbUri, dataDir }) {
    rmSync(dataDir, { recursive: true, force: true });
    const client = await MongoClient.connect(mongodbUri!);
    try {
      await client.db().dropDatabase();
    } finally {
      await client.close();
    }
  },
};

export const backends: Backend[] = [sqliteBackend, mongoBackend];
