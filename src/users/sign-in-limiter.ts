import { caseInsensitiveKey } from '../storage/index.js';

export interface SignInLimits {
  maxFailures: number;
  maxFailuresPerAddress: number;
  windowMs: number;
  lockoutMs: number;
}

interface Counter {
  /** Attempts counted in this window: failures, and attempts still being checked. */
  attempts: number;
  windowStart: number;
  lockedUntil: number;
}

/** Far more than a server sees in a window; past it, new names and addresses wait (memory stays bounded). */
const MAX_TRACKED = 100_000;

export type AttemptDecision =
  | { allowed: true; attempt: SignInAttempt }
  | { allowed: false; retryAfterMs: number };

/** One sign-in attempt, counted as a failure from its start: settle it once the password is checked. */
export interface SignInAttempt {
  /** The password was right: the account's failures are forgiven, the address's attempt uncounted. */
  succeeded(): void;
  /** The password was wrong: says whether this failure locked the account or the address. */
  failed(): { account: boolean; address: boolean };
  /** The check could not be made (the store failed): the attempt counts for nothing. */
  abandoned(): void;
}

/**
 * Failed sign-ins per account and per client address, with a temporary lockout past a limit.
 * An attempt counts before its password is checked (scrypt takes a while), so that concurrent
 * attempts cannot all slip under the limit. Accounts are tracked by the username typed, whether
 * or not it exists, so that a lockout does not reveal which usernames exist. The counts live in
 * this process (each instance of a cluster counts on its own).
 */
export class SignInLimiter {
  readonly #accounts = new Map<string, Counter>();
  readonly #addresses = new Map<string, Counter>();

  constructor(
    private readonly limits: SignInLimits,
    private readonly now: () => number = Date.now,
  ) {}

  begin(username: string, address: string): AttemptDecision {
    const now = this.now();
    const accountKey = caseInsensitiveKey(username);
    const account = this.#counter(this.#accounts, accountKey, now);
    const byAddress = this.#counter(this.#addresses, address, now);
    if (!account || !byAddress) return { allowed: false, retryAfterMs: this.limits.windowMs };
    const lockedUntil = Math.max(account.lockedUntil, byAddress.lockedUntil);
    if (lockedUntil > now) return { allowed: false, retryAfterMs: lockedUntil - now };
    if (account.attempts >= this.limits.maxFailures || byAddress.attempts >= this.limits.maxFailuresPerAddress) {
      // Earlier attempts still being checked already use up the allowance.
      return { allowed: false, retryAfterMs: this.limits.lockoutMs };
    }
    account.attempts += 1;
    byAddress.attempts += 1;
    return {
      allowed: true,
      attempt: {
        succeeded: () => {
          this.#accounts.delete(accountKey);
          byAddress.attempts = Math.max(0, byAddress.attempts - 1);
        },
        failed: () => ({
          account: this.#lockIfOver(account, this.limits.maxFailures),
          address: this.#lockIfOver(byAddress, this.limits.maxFailuresPerAddress),
        }),
        abandoned: () => {
          account.attempts = Math.max(0, account.attempts - 1);
          byAddress.attempts = Math.max(0, byAddress.attempts - 1);
        },
      },
    };
  }

  #lockIfOver(counter: Counter, max: number): boolean {
    if (counter.attempts < max || counter.lockedUntil > this.now()) return false;
    counter.lockedUntil = this.now() + this.limits.lockoutMs;
    counter.attempts = 0;
    counter.windowStart = counter.lockedUntil;
    return true;
  }

  /** The key's counter (a fresh one when its window is over); undefined when the table is full of live counters. */
  #counter(counters: Map<string, Counter>, key: string, now: number): Counter | undefined {
    let counter = counters.get(key);
    if (counter && now - counter.windowStart > this.limits.windowMs && counter.lockedUntil <= now) counter = undefined;
    counters.delete(key); // re-inserted last: the map stays in least-recently-used order
    if (!counter) {
      if (counters.size >= MAX_TRACKED) {
        const [oldestKey, oldest] = counters.entries().next().value!;
        // The least recently used counter is the first to expire: if it is still live, every one is.
        if (now - oldest.windowStart <= this.limits.windowMs || oldest.lockedUntil > now) return undefined;
        counters.delete(oldestKey);
      }
      counter = { attempts: 0, windowStart: now, lockedUntil: 0 };
    }
    counters.set(key, counter);
    return counter;
  }
}
