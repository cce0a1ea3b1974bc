import { randomBytes } from 'node:crypto';

import type { InitialAccessTokenConfig } from '../configuration/index.js';
import type { SecretHasher } from '../secrets/index.js';
import { REGISTRATION_ACCESS_TOKEN_MODEL, type InitialAccessTokenRecord, type InitialAccessTokenStore, type ModelStore, type RegistrationStore } from '../storage/index.js';

/** 256 bits, base64url: the shape of every credential the server generates. */
export const generateSecret = (): string => randomBytes(32).toString('base64url');

/** RFC 7592 registration access tokens, stored under a hash of their value. */
export class RegistrationAccessTokens {
  constructor(
    private readonly models: ModelStore,
    private readonly registrations: RegistrationStore,
    private readonly hasher: SecretHasher,
    private readonly generateValue: () => string = generateSecret,
  ) {}

  /** A new token and the key it is stored under (the caller stores it, with its client). */
  generate(): { token: string; key: string } {
    const token = this.generateValue();
    return { token, key: this.hasher.hash(token) };
  }

  async issue(clientId: string): Promise<string> {
    const { token, key } = this.generate();
    await this.models.upsert(REGISTRATION_ACCESS_TOKEN_MODEL, key, { payload: { clientId }, expiresAt: undefined, clientId });
    return token;
  }

  /** True when the token was issued for this client (and the client has not been deleted since). */
  async isValidFor(token: string, clientId: string): Promise<boolean> {
    const record = await this.models.find(REGISTRATION_ACCESS_TOKEN_MODEL, this.hasher.hash(token));
    return record?.clientId === clientId;
  }

  /**
   * Replaces the token with a new one, atomically: of concurrent rotations of one token exactly
   * one gets the new token, the others undefined.
   */
  async rotate(clientId: string, token: string): Promise<string | undefined> {
    const next = this.generate();
    return (await this.registrations.rotateAccessToken(clientId, this.hasher.hash(token), next.key)) ? next.token : undefined;
  }

  /** Undoes a rotation whose update was not written: the token that was sent works again. */
  async restore(clientId: string, rotated: string, original: string): Promise<void> {
    await this.registrations.undoRotation(clientId, this.hasher.hash(original), this.hasher.hash(rotated));
  }

  async revokeAll(clientId: string): Promise<void> {
    await this.models.destroyByClientId(clientId, REGISTRATION_ACCESS_TOKEN_MODEL);
  }

  /** Revokes every registration access token of the client and issues a new one. */
  async reissue(clientId: string): Promise<string> {
    await this.revokeAll(clientId);
    return this.issue(clientId);
  }
}

/** RFC 7591 initial access tokens: expiry, a use limit and the policies they grant. */
export class InitialAccessTokens {
  constructor(
    private readonly store: InitialAccessTokenStore,
    private readonly hasher: SecretHasher,
    private readonly now: () => Date,
  ) {}

  /**
   * Stores the tokens declared in configuration (keeping their use counts). A policy's
   * maxClientsPerToken caps the token's uses, so that one atomic count enforces both limits.
   */
  async seed(tokens: readonly InitialAccessTokenConfig[], policyCap: (policy: string) => number | undefined): Promise<void> {
    for (const token of tokens) {
      const limits = [token.maxUses, policyCap(token.policies[0]!)].filter((limit): limit is number => limit !== undefined);
      await this.store.put({
        id: token.id,
        tokenHash: this.hasher.hash(token.token),
        policies: token.policies,
        expiresAt: token.expiresAt === undefined ? undefined : new Date(token.expiresAt),
        maxUses: limits.length > 0 ? Math.min(...limits) : undefined,
        uses: 0,
        createdAt: this.now(),
      });
    }
  }

  /** A new token; its value is returned once and stored only as a hash. */
  async create(options: { expiresInSeconds?: number | undefined; maxUses?: number | undefined; policies: string[]; policyCap?: number | undefined }): Promise<{ record: InitialAccessTokenRecord; token: string }> {
    const token = generateSecret();
    const now = this.now();
    const limits = [options.maxUses, options.policyCap].filter((limit): limit is number => limit !== undefined);
    const record: InitialAccessTokenRecord = {
      id: `iat_${randomBytes(9).toString('base64url')}`,
      tokenHash: this.hasher.hash(token),
      policies: options.policies,
      expiresAt: options.expiresInSeconds === undefined ? undefined : new Date(now.getTime() + options.expiresInSeconds * 1000),
      maxUses: limits.length > 0 ? Math.min(...limits) : undefined,
      uses: 0,
      createdAt: now,
    };
    await this.store.put(record);
    return { record, token };
  }

  list(): Promise<InitialAccessTokenRecord[]> {
    return this.store.list();
  }

  revoke(id: string): Promise<boolean> {
    return this.store.delete(id);
  }

  /** The token's record when it exists, has not expired and has uses left. */
  async find(token: string): Promise<InitialAccessTokenRecord | undefined> {
    const record = await this.store.findByHash(this.hasher.hash(token));
    if (!record) return undefined;
    if (record.expiresAt && record.expiresAt.getTime() <= this.now().getTime()) return undefined;
    if (record.maxUses !== undefined && record.uses >= record.maxUses) return undefined;
    return record;
  }

  /** Counts a use against the limit, atomically; false when none is left. */
  async consume(record: InitialAccessTokenRecord): Promise<boolean> {
    return this.store.recordUse(record.id, this.now());
  }

  async release(record: InitialAccessTokenRecord): Promise<void> {
    await this.store.releaseUse(record.id);
  }
}
