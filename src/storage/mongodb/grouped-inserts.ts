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
 * instead of one each. Each caller's promise settles only when its own document is acknowledged,
 * with the collection's write concern, so nothing is answered before it is stored. A document whose _id exists already (a record saved again) is
 * then replaced, as a lone upsert would have, in the order the upserts were made.
 */
export class GroupedInserts<T extends { _id: string }> {
  #pending: Pending<T>[] = [];
  #writing = false;
  /** How long the last group took to write: the next will take about as long. */
  #lastGroupMs = 0;

  /**
   * @param abandonAfterMs a document that waited this long, or would have by the time its group is
   *   written (behind a write the database holds, or a database that cannot keep up), is not
   *   written: its caller has been answered by the store's deadline, and the database's time goes
   *   to tokens whose callers still wait.
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
    const pending = this.#pending.filter((entry) => this.#stillAwaited(entry, this.#lastGroupMs));
    this.#pending = [];
    if (pending.length === 0) {
      // Nothing written, nothing measured: the next group is tried whatever the last one took.
      this.#lastGroupMs = 0;
      return;
    }
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
    const started = performance.now();
    try {
      await this.collection.insertMany(inserted.map(({ document }) => document as OptionalUnlessRequiredId<T>), { ordered: false });
    } catch (error) {
      // Per-document errors only, and the write concern met: every other document is stored.
      // Anything else (the database unreachable, a write concern not met) fails every caller.
      const perDocument = error instanceof MongoBulkWriteError && error.result?.getWriteConcernError() === undefined
        ? [error.writeErrors].flat() : [];
      if (perDocument.length === 0) {
        // A failure says nothing of how long a write takes (a timeout, a refused connection).
        this.#lastGroupMs = 0;
        for (const entry of pending) entry.reject(error);
        return;
      }
      failed = new Set(perDocument.map((writeError) => writeError.index));
    }
    this.#lastGroupMs = performance.now() - started;

    // A document refused in the group (its _id exists: a record saved again; or anything else) is
    // written alone, as a lone upsert would have been, which reports its own error if it has one.
    const replacing = inserted.filter((entry, index) => {
      if (failed.has(index)) return true;
      entry.resolve();
      return false;
    });
    for (const entry of [...replacing, ...replayed]) {
      if (!this.#stillAwaited(entry, 0)) continue;
      try {
        await this.replace(entry.document);
        entry.resolve();
      } catch (error) {
        entry.reject(error);
      }
    }
  }

  /** Whether a document may still be written: if not, its caller is told the store is unavailable. */
  #stillAwaited(entry: Pending<T>, aheadMs: number): boolean {
    if (performance.now() - entry.queuedAt + aheadMs < this.abandonAfterMs) return true;
    entry.reject(new StoreUnavailableError(`not written: it would have waited over ${this.abandonAfterMs} ms for the database`));
    return false;
  }
}
