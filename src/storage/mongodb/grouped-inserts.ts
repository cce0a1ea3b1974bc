import { MongoBulkWriteError, type Collection, type OptionalUnlessRequiredId } from 'mongodb';
import { StoreUnavailableError } from '../errors.js';

interface Pending<T> {
  document: T;
  queuedAt: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Writes documents that are almost always new (tokens, as they are issued) in groups: the upserts
 * of one turn of the event loop, or of every turn while the previous group was being written, go
 * to the database as one unordered insertMany, one round trip and (on the database) one batch
 * instead of one each. Each caller's promise settles
 * only when its own document is acknowledged, with the collection's write concern, so nothing is
 * answered before it is stored. A document whose _id exists already (a record saved again) is
 * then replaced, as a lone upsert would have, in the order the upserts were made.
 */
export class GroupedInserts<T extends { _id: string }> {
  #pending: Pending<T>[] = [];
  #writing = false;

  /**
   * @param abandonAfterMs a document that waited this long for its group (behind a write the
   *   database holds) is not written: its caller has been answered already, by the store's deadline.
   */
  constructor(
    private readonly collection: Collection<T>,
    private readonly replace: (document: T) => Promise<void>,
    private readonly abandonAfterMs: number,
  ) {}

  upsert(document: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ document, queuedAt: performance.now(), resolve, reject });
      if (this.#pending.length === 1 && !this.#writing) setImmediate(() => void this.#writePending());
    });
  }

  /**
   * One group is written at a time, and the next one gathers whatever arrives meanwhile: the
   * database sees one writer per collection (SQLite-backed servers would otherwise make concurrent
   * groups wait on each other's locks), and a record saved again is replaced after its earlier
   * group, in order.
   */
  async #writePending(): Promise<void> {
    const abandonedBefore = performance.now() - this.abandonAfterMs;
    const pending = this.#pending.filter((entry) => {
      if (entry.queuedAt > abandonedBefore) return true;
      entry.reject(new StoreUnavailableError(`not written: waited over ${this.abandonAfterMs} ms behind an earlier write`));
      return false;
    });
    this.#pending = [];
    if (pending.length === 0) return;
    this.#writing = true;
    try {
      await this.#writeGroup(pending);
    } finally {
      this.#writing = false;
      if (this.#pending.length > 0) setImmediate(() => void this.#writePending());
    }
  }

  async #writeGroup(pending: Pending<T>[]): Promise<void> {
    // A second upsert of the same record in one group is replayed after the group, in order.
    const ids = new Set<string>();
    const inserted: Pending<T>[] = [];
    const replayed: Pending<T>[] = [];
    for (const entry of pending) {
      (ids.has(entry.document._id) ? replayed : inserted).push(entry);
      ids.add(entry.document._id);
    }

    let failed = new Set<number>();
    try {
      await this.collection.insertMany(inserted.map(({ document }) => document as OptionalUnlessRequiredId<T>), { ordered: false });
    } catch (error) {
      // Per-document errors only, and the write concern met: every other document is stored.
      // Anything else (the database unreachable, a write concern not met) fails every caller.
      const perDocument = error instanceof MongoBulkWriteError && error.result?.getWriteConcernError() === undefined
        ? [error.writeErrors].flat() : [];
      if (perDocument.length === 0) {
        for (const entry of pending) entry.reject(error);
        return;
      }
      failed = new Set(perDocument.map((writeError) => writeError.index));
    }

    // A document refused in the group (its _id exists: a record saved again; or anything else) is
    // written alone, as a lone upsert would have been, which reports its own error if it has one.
    const replacing = inserted.filter((entry, index) => {
      if (failed.has(index)) return true;
      entry.resolve();
      return false;
    });
    for (const entry of [...replacing, ...replayed]) {
      try {
        await this.replace(entry.document);
        entry.resolve();
      } catch (error) {
        entry.reject(error);
      }
    }
  }
}
