import { caseInsensitiveKey } from '../storage/index.js';

export interface SignInLimits {
  maxFailures: number;
  maxFailuresPerAddress: number;
  windowMs: number;
  lockoutMs: number;
}

interface Counter {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

/** Far more than a server sees in a window; past it, the oldest entries are dropped (memory stays bounded). */
const MAX_TRACKED = 100_000;

/**
 * Failed sign-ins per account and per client address, with a temporary lockout past a limit.
 * Accounts are tracked by the username typed, whether or not it exists, so that a lockout does
 * not reveal which usernames exist. The counts live in this process (each instance of a cluster
 * counts on its own).
 */
export class SignInLimiter {
  readonly #accounts = new Map<string, Counter>();
  readonly #addresses = new Map<string, Counter>();

  constructor(
    private readonly limits: SignInLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the account or the address may try again; 0 when it may now. */
  retryAfterMs(username: string, address: string): number {
    const now = this.now();
    const until = Math.max(
      this.#accounts.get(caseInsensitiveKey(username))?.lockedUntil ?? 0,
      this.#addresses.get(address)?.lockedUntil ?? 0,
    );
    return Math.max(0, until - now);
  }

  /** Counts a failure; says what it locked, if anything. */
  recordFailure(username: string, address: string): { account: boolean; address: boolean } {
    return {
      account: this.#count(this.#accounts, caseInsensitiveKey(username), this.limits.maxFailures),
      address: this.#count(this.#addresses, address, this.limits.maxFailuresPerAddress),
    };
  }

  recordSuccess(username: string): void {
    this.#accounts.delete(caseInsensitiveKey(username));
  }

  #count(counters: Map<string, Counter>, key: string, max: number): boolean {
    const now = this.now();
    let counter = counters.get(key);
    if (!counter || (now - counter.windowStart > this.limits.windowMs && counter.lockedUntil <= now)) {
      counter = { failures: 0, windowStart: now, lockedUntil: 0 };
    }
    counters.delete(key); // re-inserted last: the map stays in least-recently-failed order
    counters.set(key, counter);
    if (counters.size > MAX_TRACKED) counters.delete(counters.keys().next().value!);
    counter.failures += 1;
    if (counter.failures >= max && counter.lockedUntil <= now) {
      counter.lockedUntil = now + this.limits.lockoutMs;
      counter.failures = 0;
      counter.windowStart = now;
      return true;
    }
    return false;
  }
}
