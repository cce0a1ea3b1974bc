import { StoreUnavailableError } from './errors.js';

/** Whether a backend's error means "cannot serve now" (unreachable, frozen, locked, full), not "this request is wrong". */
export type UnavailabilityTest = (error: unknown) => boolean;

function withDeadline<T>(operation: Promise<T>, timeoutMs: number, name: string, isUnavailable: UnavailabilityTest): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`store operation ${name} did not complete within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([operation, expired])
    .catch((error: unknown) => {
      if (error instanceof StoreUnavailableError) throw error;
      if (isUnavailable(error)) throw new StoreUnavailableError(`store operation ${name} failed: ${(error as Error).message}`, { cause: error });
      throw error;
    })
    .finally(() => clearTimeout(timer));
}

/**
 * The store as the server uses it: every operation either completes within timeoutMs or fails
 * with StoreUnavailableError, and a backend error that means the database cannot serve becomes
 * one too; what a caller did wrong (a duplicate id, ...) passes through unchanged. Sub-stores
 * (store.clients, store.models, ...) are guarded the same way.
 */
export function guardStore<T extends object>(target: T, timeoutMs: number, isUnavailable: UnavailabilityTest, path = 'store'): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      if (wrapped.has(property)) return wrapped.get(property);
      const value: unknown = Reflect.get(object, property, object);
      let result = value;
      if (property === 'close' && typeof value === 'function') {
        // Closing has its own time limit in each backend; it only needs the real receiver.
        result = (value as () => Promise<void>).bind(object);
      } else if (typeof value === 'function' && property !== 'constructor') {
        const name = `${path}.${String(property)}`;
        result = (...args: unknown[]) => {
          let outcome: unknown;
          try {
            outcome = (value as (...callArgs: unknown[]) => unknown).apply(object, args);
          } catch (error) {
            // A synchronous backend (node:sqlite) fails before any promise exists.
            if (isUnavailable(error)) throw new StoreUnavailableError(`store operation ${name} failed: ${(error as Error).message}`, { cause: error });
            throw error;
          }
          return outcome instanceof Promise ? withDeadline(outcome, timeoutMs, name, isUnavailable) : outcome;
        };
      } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
        result = guardStore(value, timeoutMs, isUnavailable, `${path}.${String(property)}`);
      }
      wrapped.set(property, result);
      return result;
    },
  });
}
