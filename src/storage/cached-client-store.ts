import type { ClientListQuery, ClientRecord, ClientStore } from './port.js';

interface Entry {
  record: ClientRecord;
  readAt: number;
}

const MAX_ENTRIES = 10_000;

/**
 * Keeps client registrations read from the store for a while, so that a token request does not
 * read its client from the database every time. Writes through this instance update it at once;
 * writes through another instance sharing the database are seen within maxAgeMs (Infinity: only
 * one instance writes, as with the embedded store).
 */
export class CachedClientStore implements ClientStore {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly store: ClientStore,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async find(clientId: string): Promise<ClientRecord | undefined> {
    const entry = this.#entries.get(clientId);
    if (entry && this.now() - entry.readAt < this.maxAgeMs) return entry.record;
    const record = await this.store.find(clientId);
    if (record) this.#remember(record);
    else this.#entries.delete(clientId);
    return record;
  }

  async upsert(record: ClientRecord): Promise<void> {
    this.#entries.delete(record.clientId);
    await this.store.upsert(record);
  }

  async delete(clientId: string): Promise<boolean> {
    this.#entries.delete(clientId);
    return this.store.delete(clientId);
  }

  list(query: ClientListQuery): Promise<ClientRecord[]> {
    return this.store.list(query);
  }

  #remember(record: ClientRecord): void {
    if (this.#entries.size >= MAX_ENTRIES) {
      // Oldest first: a Map iterates in insertion order.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(record.clientId, { record, readAt: this.now() });
  }
}
