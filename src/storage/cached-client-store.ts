import type { ClientListQuery, ClientRecord, ClientStore } from './port.js';

interface Entry {
  record: ClientRecord;
  readAt: number;
}

/**
 * Keeps client registrations read from the store for a while, so that a token request does not
 * read its client from the database every time. Writes through this instance update it at once;
 * writes through another instance sharing the database are seen within maxAgeMs (Infinity: only
 * one instance writes, as with the embedded store).
 */
export class CachedClientStore implements ClientStore {
  readonly #entries = new Map<string, Entry>();
  /**
   * Writes under way or done since a read began: a read that raced a write must not cache what
   * it read (it may predate the write).
   */
  #writes = 0;
  /** Reads under way: concurrent requests for a client whose entry expired share one read. */
  readonly #reading = new Map<string, Promise<ClientRecord | undefined>>();

  constructor(
    private readonly store: ClientStore,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
    /** The oldest read is forgotten first beyond this many. */
    readonly maxEntries = 10_000,
  ) {}

  async find(clientId: string): Promise<ClientRecord | undefined> {
    const entry = this.#entries.get(clientId);
    if (entry && this.now() - entry.readAt < this.maxAgeMs) return entry.record;
    const under = this.#reading.get(clientId);
    if (under) return under;
    const writesBefore = this.#writes;
    const reading = this.store.find(clientId).then((record) => {
      if (record && this.#writes === writesBefore) this.#remember(record);
      else this.#entries.delete(clientId);
      return record;
    }).finally(() => {
      if (this.#reading.get(clientId) === reading) this.#reading.delete(clientId);
    });
    this.#reading.set(clientId, reading);
    return reading;
  }

  upsert(record: ClientRecord): Promise<void> {
    return this.#write(record.clientId, () => this.store.upsert(record));
  }

  update(record: ClientRecord): Promise<boolean> {
    return this.#write(record.clientId, () => this.store.update(record));
  }

  delete(clientId: string): Promise<boolean> {
    return this.#write(clientId, () => this.store.delete(clientId));
  }

  async #write<T>(clientId: string, write: () => Promise<T>): Promise<T> {
    this.#writes += 1;
    this.#entries.delete(clientId);
    // A read that started before this write must not be handed to callers after it.
    this.#reading.delete(clientId);
    try {
      return await write();
    } finally {
      this.#writes += 1;
      this.#entries.delete(clientId);
    }
  }

  list(query: ClientListQuery): Promise<ClientRecord[]> {
    return this.store.list(query);
  }

  #remember(record: ClientRecord): void {
    if (this.#entries.size >= this.maxEntries) {
      // Oldest first: a Map iterates in insertion order.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(record.clientId, { record, readAt: this.now() });
  }
}
