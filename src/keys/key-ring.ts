import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

import type { SigningAlgorithm } from '../configuration/index.js';
import type { Logger } from '../logging/index.js';
import type { SecretBox } from '../secrets/index.js';
import type { SigningKeyStore, StoredSigningKey } from '../storage/index.js';

export interface SigningKeySet {
  /** Private JWKs for oidc-provider: each algorithm's signing key first (it signs with the first match). */
  privateJwks: JWK[];
  /** The public halves of every published key, as served at jwks_uri. */
  publicJwks: JWK[];
}

export interface KeySchedule {
  /** How long a new key is published before it signs. */
  prePublishSeconds: number;
  /** How long a retired key of an algorithm stays published: the longest lifetime of the tokens it signs, plus a margin. */
  retentionSeconds: (alg: string) => number;
  /** How often the store is read for keys other instances added or rescheduled. */
  pollSeconds: number;
}

export type KeyState = 'pending' | 'active' | 'retired';

export interface KeyView {
  kid: string;
  alg: string;
  generation: number;
  state: KeyState;
  publishedAt: Date;
  activateAt: Date;
  retireAt: Date | undefined;
  removeAt: Date | undefined;
}

interface LoadedKey {
  stored: StoredSigningKey;
  privateJwk: JWK;
}

const time = (date: Date | undefined): number => date?.getTime() ?? Number.POSITIVE_INFINITY;

async function generateKey(alg: SigningAlgorithm, generation: number, publishAt: Date, activateAt: Date, box: SecretBox): Promise<StoredSigningKey> {
  const options = alg === 'EdDSA' ? { extractable: true, crv: 'Ed25519' } : alg === 'RS256' ? { extractable: true, modulusLength: 2048 } : { extractable: true };
  const { privateKey, publicKey } = await generateKeyPair(alg, options);
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return {
    kid, alg, generation,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    sealedPrivateJwk: box.seal(JSON.stringify(privateJwk)),
    createdAt: publishAt,
    activateAt,
  };
}

/**
 * The signing keys and their schedule, shared by every instance through the store. A rotation
 * publishes the new key prePublishSeconds before it signs, then switches signing to it, and keeps
 * the old key published until every token it signed has expired. Each instance re-reads the store
 * every pollSeconds and re-evaluates the schedule at its next boundary, so all follow it without
 * a restart.
 */
export class KeyRing {
  readonly #loaded = new Map<string, LoadedKey>();
  readonly #listeners: ((keys: SigningKeySet) => void)[] = [];
  #snapshot: SigningKeySet = { privateJwks: [], publicJwks: [] };
  #fingerprint = '';
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly box: SecretBox,
    private readonly algorithms: ReadonlySet<SigningAlgorithm>,
    private readonly schedule: KeySchedule,
    private readonly now: () => Date,
    private readonly logger?: Logger,
  ) {}

  /**
   * Generates generation 1 of every required algorithm that has no key. Instances racing on an
   * empty store all try; the store keeps one per algorithm and generation.
   */
  async initialize(): Promise<void> {
    const existing = new Set((await this.store.list()).map((key) => key.alg));
    for (const alg of this.algorithms) {
      if (!existing.has(alg)) {
        const now = this.now();
        await this.store.insert(await generateKey(alg, 1, now, now, this.box));
      }
    }
    await this.refresh();
  }

  /** The keys to publish and sign with now. */
  snapshot(): SigningKeySet {
    return this.#snapshot;
  }

  onChange(listener: (keys: SigningKeySet) => void): void {
    this.#listeners.push(listener);
  }

  list(): KeyView[] {
    const now = this.now().getTime();
    return [...this.#loaded.values()].map(({ stored }) => ({
      kid: stored.kid,
      alg: stored.alg,
      generation: stored.generation,
      state: this.#state(stored, now),
      publishedAt: stored.createdAt,
      activateAt: stored.activateAt,
      retireAt: stored.retireAt,
      removeAt: stored.removeAt,
    }));
  }

  /**
   * Starts the rotation of one algorithm's key; returns the new key and the one it replaces. One
   * rotation per algorithm at a time: while a new key waits to sign, another rotation is refused
   * (RotationInProgressError), which also bounds how many keys the JWKS can hold.
   */
  async rotate(alg: SigningAlgorithm): Promise<{ next: KeyView; previous: KeyView[] }> {
    await this.refresh();
    const own = [...this.#loaded.values()].map(({ stored }) => stored).filter((key) => key.alg === alg);
    const now = this.now();
    const waiting = own.find((key) => key.activateAt.getTime() > now.getTime());
    if (waiting) throw new RotationInProgressError(alg, waiting.kid, waiting.activateAt);
    const generation = Math.max(0, ...own.map((key) => key.generation)) + 1;
    const activateAt = new Date(now.getTime() + this.schedule.prePublishSeconds * 1000);
    const next = await generateKey(alg, generation, now, activateAt, this.box);
    if (!(await this.store.insert(next))) throw new RotationInProgressError(alg);

    const removeAt = new Date(activateAt.getTime() + this.schedule.retentionSeconds(alg) * 1000);
    const replaced = own.filter((key) => key.retireAt === undefined || key.retireAt.getTime() > activateAt.getTime());
    for (const key of replaced) await this.store.retire(key.kid, activateAt, removeAt);
    await this.refresh();
    const views = this.list();
    return {
      next: views.find((view) => view.kid === next.kid)!,
      previous: views.filter((view) => replaced.some((key) => key.kid === view.kid)),
    };
  }

  #unseal(key: StoredSigningKey): JWK {
    try {
      return JSON.parse(this.box.open(key.sealedPrivateJwk)) as JWK;
    } catch (error) {
      throw new Error(
        `the signing key ${key.kid} in the store cannot be decrypted: the encryption key (ENCRYPTION_KEY, or encryption.key in DATA_DIR) `
        + 'is not the one this store was created with. Start with the original key, or with an empty store.',
        { cause: error },
      );
    }
  }

  /** Re-reads the store and re-evaluates the schedule; listeners hear of any change. */
  async refresh(): Promise<void> {
    const now = this.now().getTime();
    const stored = await this.store.list();
    for (const key of stored) {
      if (key.removeAt && key.removeAt.getTime() <= now) {
        await this.store.delete(key.kid);
        this.#loaded.delete(key.kid);
        continue;
      }
      const loaded = this.#loaded.get(key.kid);
      this.#loaded.set(key.kid, { stored: key, privateJwk: loaded?.privateJwk ?? this.#unseal(key) });
    }
    for (const kid of this.#loaded.keys()) {
      if (!stored.some((key) => key.kid === kid)) this.#loaded.delete(kid);
    }
    this.#evaluate(now);
  }

  /** Polls the store and wakes at each boundary of the schedule. */
  start(): void {
    this.#stopped = false;
    this.#scheduleNext();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #state(key: StoredSigningKey, now: number): KeyState {
    if (key.activateAt.getTime() > now) return 'pending';
    return time(key.retireAt) <= now ? 'retired' : 'active';
  }

  #evaluate(now: number): void {
    const published = [...this.#loaded.values()]
      .filter(({ stored }) => stored.createdAt.getTime() <= now && time(stored.removeAt) > now)
      .sort((a, b) => a.stored.generation - b.stored.generation);
    const signing = new Map<string, LoadedKey>();
    for (const key of published) {
      // The newest generation that has activated signs; an older one whose successor is not
      // active yet keeps signing in the meantime.
      if (key.stored.activateAt.getTime() <= now) signing.set(key.stored.alg, key);
    }
    const signers = [...signing.values()];
    const others = published.filter((key) => !signers.includes(key));
    const fingerprint = [...signers.map((key) => `+${key.stored.kid}`), ...others.map((key) => key.stored.kid)].join(',');
    if (fingerprint === this.#fingerprint) return;

    this.#fingerprint = fingerprint;
    this.#snapshot = {
      privateJwks: [...signers, ...others].map((key) => key.privateJwk),
      publicJwks: published.map((key) => key.stored.publicJwk as JWK),
    };
    this.logger?.info('signing keys', { signing: signers.map((key) => key.stored.kid), published: published.map((key) => key.stored.kid) });
    for (const listener of this.#listeners) listener(this.#snapshot);
  }

  #scheduleNext(): void {
    if (this.#stopped) return;
    const now = this.now().getTime();
    const boundaries = [...this.#loaded.values()]
      .flatMap(({ stored }) => [stored.createdAt.getTime(), stored.activateAt.getTime(), time(stored.removeAt)])
      .filter((moment) => moment > now);
    const delay = Math.min(this.schedule.pollSeconds * 1000, Math.min(...boundaries) - now + 5);
    this.#timer = setTimeout(() => {
      this.refresh().then(
        () => this.#scheduleNext(),
        (error: unknown) => {
          this.logger?.warn('reading signing keys failed', { error });
          this.#scheduleNext();
        },
      );
    }, Math.max(delay, 5));
    this.#timer.unref();
  }
}

/** A rotation of the algorithm is under way: its new key is published and not signing yet. */
export class RotationInProgressError extends Error {
  override name = 'RotationInProgressError';

  constructor(readonly alg: string, readonly kid?: string, readonly activateAt?: Date) {
    super(kid && activateAt
      ? `a rotation of ${alg} is under way: key ${kid} signs from ${activateAt.toISOString()}; rotate again after that`
      : `another rotation of ${alg} is under way`);
  }
}
