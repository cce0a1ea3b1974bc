import type { RevocationStore } from './port.js';

const MAX_ENTRIES = 100_000;

/**
 * Introspection asks whether a token was revoked on every call. A revocation is remembered until
 * the token would have expired anyway; "not revoked" is remembered for maxAgeMs, so a revocation
 * made through another instance sharing the database is seen within that time (Infinity: only
 * this instance revokes, as with the embedded store). Revocations through this instance apply at
 * once. Concurrent questions about one token share one read.
 */
export class CachedRevocations implements RevocationStore {
  readonly #revokedUntil = new Map<string, number>();
  readonly #notRevokedAt = new Map<string, number>();
  readonly #reading = new Map<string, Promise<boolean>>();

  constructor(
    private readonly store: RevocationStore,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    await this.store.revoke(jti, expiresAt);
    this.#notRevokedAt.delete(jti);
    this.#remember(this.#revokedUntil, jti, expiresAt.getTime());
  }

  isRevoked(jti: string, now: Date): Promise<boolean> {
    const revokedUntil = this.#revokedUntil.get(jti);
    if (revokedUntil !== undefined && revokedUntil > now.getTime()) return Promise.resolve(true);
    const checkedAt = this.#notRevokedAt.get(jti);
    if (checkedAt !== undefined && this.clock() - checkedAt < this.maxAgeMs) return Promise.resolve(false);
    const under = this.#reading.get(jti);
    if (under) return under;
    const reading = this.store.isRevoked(jti, now).then((revoked) => {
      // Once revoked, a token id stays revoked (past its expiry the token is refused anyway).
      if (revoked) this.#remember(this.#revokedUntil, jti, Number.POSITIVE_INFINITY);
      else this.#remember(this.#notRevokedAt, jti, this.clock());
      return revoked;
    }).finally(() => {
      if (this.#reading.get(jti) === reading) this.#reading.delete(jti);
    });
    this.#reading.set(jti, reading);
    return reading;
  }

  #remember(entries: Map<string, number>, jti: string, value: number): void {
    if (entries.size >= MAX_ENTRIES && !entries.has(jti)) entries.delete(entries.keys().next().value!);
    entries.set(jti, value);
  }
}
