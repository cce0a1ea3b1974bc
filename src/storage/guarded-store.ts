import { StoreUnavailableError } from './errors.js';

/** Whether a backend's error means "cannot serve now" (unreachable, frozen, locked, full), not "this request is wrong". */
export type UnavailabilityTest = (error: unknown) => boolean;

/** Told of every store operation: its name (`clients.find`), how long it took, whether it failed. */
export type StoreObserver = (operation: string, seconds: number, failed: boolean) => void;

export interface GuardOptions {
  /**
   * Every operation completes within this or fails with StoreUnavailableError; undefined for a
   * synchronous backend, whose operations are over before their promise exists.
   */
  timeoutMs: number | undefined;
  isUnavailable: UnavailabilityTest;
  observe?: StoreObserver | undefined;
}

interface Pending {
  startedAt: number;
  name: string;
  reject: (error: Error) => void;
}

/**
 * One timer for every pending operation instead of one per operation: the hot path only adds
 * to and removes from a set; overdue operations are failed within a tenth of the time limit.
 */
class Deadlines {
  readonly #pending = new Set<Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  track<T>(operation: Promise<T>, name: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { startedAt: performance.now(), name, reject };
      this.#pending.add(pending);
      this.#ensureTimer();
      operation.then(
        (value) => {
          this.#pending.delete(pending);
          resolve(value);
        },
        (error: unknown) => {
          this.#pending.delete(pending);
          reject(error);
        },
      );
    });
  }

  #ensureTimer(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      const now = performance.now();
      for (const pending of this.#pending) {
        if (now - pending.startedAt < this.timeoutMs) continue;
        this.#pending.delete(pending);
        pending.reject(new StoreUnavailableError(`store operation ${pending.name} did not complete within ${this.timeoutMs} ms`));
      }
      if (this.#pending.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }, Math.max(10, Math.floor(this.timeoutMs / 10)));
    this.#timer.unref();
  }
}

/**
 * The store as the server uses it: every operation either completes within the time limit or
 * fails with StoreUnavailableError, and a backend error that means the database cannot serve
 * becomes one too; what a caller did wrong (a duplicate id, ...) passes through unchanged. Every
 * operation is timed for the observer. Sub-stores (store.clients, store.models, ...) are guarded
 * the same way.
 */
export function guardStore<T extends object>(target: T, options: GuardOptions): T {
  const deadlines = options.timeoutMs === undefined ? undefined : new Deadlines(options.timeoutMs);
  return guard(target, options, deadlines, '');
}

function guard<T extends object>(target: T, options: GuardOptions, deadlines: Deadlines | undefined, path: string): T {
  const { isUnavailable, observe } = options;
  const translate = (name: string, error: unknown): unknown => {
    if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
    return new StoreUnavailableError(`store operation ${name} failed: ${(error as Error).message}`, { cause: error });
  };
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      if (wrapped.has(property)) return wrapped.get(property);
      const value: unknown = Reflect.get(object, property, object);
      let result = value;
      const name = `${path}${String(property)}`;
      if (property === 'close' && typeof value === 'function') {
        // Closing has its own time limit in each backend; it only needs the real receiver.
        result = (value as () => Promise<void>).bind(object);
      } else if (typeof value === 'function' && property !== 'constructor') {
        result = (...args: unknown[]) => {
          const started = performance.now();
          const done = (failed: boolean) => observe?.(name, (performance.now() - started) / 1000, failed);
          let outcome: unknown;
          try {
            outcome = (value as (...callArgs: unknown[]) => unknown).apply(object, args);
          } catch (error) {
            done(true);
            throw translate(name, error);
          }
          if (!(outcome instanceof Promise)) {
            done(false);
            return outcome;
          }
          const bounded = deadlines ? deadlines.track(outcome, name) : outcome;
          return bounded.then(
            (value) => {
              done(false);
              return value;
            },
            (error: unknown) => {
              done(true);
              throw translate(name, error);
            },
          );
        };
      } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
        result = guard(value, options, deadlines, `${name}.`);
      }
      wrapped.set(property, result);
      return result;
    },
  });
}
