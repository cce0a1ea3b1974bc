/**
 * The storage port: what the server needs from a database, nothing more. Two implementations
 * (MongoDB, embedded SQLite) pass one contract suite (test/storage/contract.ts).
 *
 * Keys handed to the port are already what may be stored: callers hash secret values first.
 * Payloads are stored as serialized JSON, never as document fields, so no claim name or other
 * user-supplied string ever becomes a field name.
 */

export type JsonObject = Record<string, unknown>;

/** One oidc-provider model instance (token, grant, session, ...). */
export interface ModelRecord {
  payload: JsonObject;
  /** When the record stops existing; undefined for records that never expire. */
  expiresAt: Date | undefined;
  grantId?: string | undefined;
  clientId?: string | undefined;
  uid?: string | undefined;
  userCode?: string | undefined;
  /** The user (sub) a session, grant or token belongs to. */
  accountId?: string | undefined;
}

export interface StoredModelRecord extends ModelRecord {
  consumedAt: Date | undefined;
}

export interface ModelStore {
  upsert(model: string, key: string, record: ModelRecord): Promise<void>;
  /** Undefined when absent or expired. */
  find(model: string, key: string): Promise<StoredModelRecord | undefined>;
  findByUid(model: string, uid: string): Promise<{ key: string; record: StoredModelRecord } | undefined>;
  findByUserCode(model: string, userCode: string): Promise<{ key: string; record: StoredModelRecord } | undefined>;
  consume(model: string, key: string, at: Date): Promise<void>;
  destroy(model: string, key: string): Promise<void>;
  destroyByGrantId(model: string, grantId: string): Promise<void>;
  /** Deletes every record issued to the client: of one model, or of every model. */
  destroyByClientId(clientId: string, model?: string): Promise<number>;
  /** The live records of one model that belong to a user (sessions, grants, ...), at most limit of them. */
  findByAccountId(model: string, accountId: string, limit: number): Promise<{ key: string; record: StoredModelRecord }[]>;
  /** Deletes every record that belongs to the user (sessions, grants, codes, tokens); returns how many. */
  destroyByAccountId(accountId: string): Promise<number>;
}

export interface ClientRecord {
  clientId: string;
  /** RFC 7591 metadata as oidc-provider reads it (client_secret hashed). */
  metadata: JsonObject;
  /** Server-side bookkeeping never shown to the client (registration policy, ...). */
  attributes: JsonObject;
  createdAt: Date;
  /** Increases with every update: what update() checks so that no change overwrites one it did not see. */
  revision?: number | undefined;
}

/** Keyset pagination over clients in (createdAt, clientId) order: stable under inserts and deletes. */
export interface ClientListQuery {
  limit: number;
  /** The last client of the previous page. */
  after?: { createdAt: Date; clientId: string } | undefined;
  /** Exact match on metadata.client_name. */
  clientName?: string | undefined;
  /** Exact match on metadata.software_id. */
  softwareId?: string | undefined;
}

export interface ClientStore {
  /** Creates or overwrites, unconditionally: for clients the configuration file declares. */
  upsert(record: ClientRecord): Promise<void>;
  /**
   * Replaces a client as it was read: false (and nothing written) when it was deleted or changed
   * since (its revision moved on), so that a change made meanwhile is never undone.
   */
  update(record: ClientRecord): Promise<boolean>;
  find(clientId: string): Promise<ClientRecord | undefined>;
  list(query: ClientListQuery): Promise<ClientRecord[]>;
  /** True when a client was deleted. */
  delete(clientId: string): Promise<boolean>;
}

/** A person who signs in. Stored as one serialized document beside its indexed keys. */
/** OpenID Connect's profile claims beyond the names (Core §5.1), by claim name. */
export const PROFILE_CLAIM_NAMES = ['middle_name', 'nickname', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale'] as const;
export type ProfileClaimName = (typeof PROFILE_CLAIM_NAMES)[number];
export type ProfileClaims = Partial<Record<ProfileClaimName, string>>;

/** The members of OpenID Connect's address claim, each optional. */
export interface PostalAddress {
  formatted?: string;
  street_address?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country?: string;
}

export interface UserRecord {
  /** Server-generated, never reused: the `sub` of the user's tokens. */
  id: string;
  /** Unique, compared case-insensitively (see usernameKey). */
  username: string;
  email?: string | undefined;
  emailVerified: boolean;
  name?: string | undefined;
  givenName?: string | undefined;
  familyName?: string | undefined;
  /** The other profile claims the user has (middle_name, nickname, picture, birthdate, locale, ...). */
  profileClaims?: ProfileClaims | undefined;
  phoneNumber?: string | undefined;
  phoneNumberVerified: boolean;
  /** OpenID Connect's address claim (Core §5.1.1): formatted, street_address, locality, region, postal_code, country. */
  address?: PostalAddress | undefined;
  groups: string[];
  profile: JsonObject;
  disabled: boolean;
  /** A self-describing password hash (algorithm and parameters included); undefined: cannot sign in. */
  passwordHash?: string | undefined;
  createdAt: Date;
  updatedAt: Date;
  lastSignInAt?: Date | undefined;
  /** Increases with every update, as for clients. */
  revision?: number | undefined;
}

/** Keyset pagination over users in (createdAt, id) order. */
export interface UserListQuery {
  limit: number;
  after?: { createdAt: Date; id: string } | undefined;
  /** Case-insensitive exact match. */
  username?: string | undefined;
  /** Case-insensitive exact match. */
  email?: string | undefined;
  /** Members of this group. */
  group?: string | undefined;
}

export interface UserStore {
  /** DuplicateUserError when the username is taken (whatever its letter case). */
  create(user: UserRecord): Promise<void>;
  find(id: string): Promise<UserRecord | undefined>;
  findByUsername(username: string): Promise<UserRecord | undefined>;
  /**
   * Replaces a user as it was read: false when it was deleted or changed since (its revision
   * moved on); DuplicateUserError when the new username is another user's.
   */
  update(user: UserRecord): Promise<boolean>;
  /** Records a sign-in, and a password hash upgraded to the current parameters, without a revision change. */
  recordSignIn(id: string, at: Date, upgradedPasswordHash?: string): Promise<void>;
  delete(id: string): Promise<boolean>;
  list(query: UserListQuery): Promise<UserRecord[]>;
}

/** The comparison form of a username or email: Unicode-normalised, lower case. */
export const caseInsensitiveKey = (value: string): string => value.normalize('NFKC').toLowerCase();

/** An RFC 7591 initial access token, stored under a hash of its value. */
export interface InitialAccessTokenRecord {
  id: string;
  tokenHash: string;
  /** Names of the registration policies it grants. */
  policies: string[];
  expiresAt: Date | undefined;
  /** Undefined: unlimited. */
  maxUses: number | undefined;
  uses: number;
  createdAt: Date;
}

export interface InitialAccessTokenStore {
  /** Inserts, or replaces the definition of an existing id while keeping its use count. */
  put(record: InitialAccessTokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<InitialAccessTokenRecord | undefined>;
  /** Atomically counts one use; false when the token is expired, used up or gone. */
  recordUse(id: string, now: Date): Promise<boolean>;
  /** Gives a use back (the registration it was counted for failed). */
  releaseUse(id: string): Promise<void>;
  list(): Promise<InitialAccessTokenRecord[]>;
  delete(id: string): Promise<boolean>;
}

export interface AuditEvent {
  id: string;
  time: Date;
  /** Who acted: "admin-token:<n>", "client:<id>", "registration", "anonymous", ... never a secret. */
  actor: string;
  action: string;
  clientId?: string | undefined;
  requestId?: string | undefined;
  outcome: 'success' | 'failure';
  /** A short reason for a failure; never a secret or a token. */
  detail?: string | undefined;
}

/** Newest first, keyset-paginated by (time, id). */
export interface AuditQuery {
  limit: number;
  /** The last event of the previous page. */
  before?: { time: Date; id: string } | undefined;
  clientId?: string | undefined;
  action?: string | undefined;
}

export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  list(query: AuditQuery): Promise<AuditEvent[]>;
  /** Retention: deletes events older than the given time; returns how many. */
  deleteBefore(time: Date): Promise<number>;
}

/** The model name RFC 7592 registration access tokens are kept under (keyed by a hash of the token). */
export const REGISTRATION_ACCESS_TOKEN_MODEL = 'RegistrationAccessToken';

export interface NewRegistration {
  client: ClientRecord;
  /** The key (hash) of the client's registration access token, when it gets one. */
  registrationAccessTokenKey?: string | undefined;
  /** The client.create audit event. */
  event: AuditEvent;
}

/**
 * Creating a client is all or nothing from the caller's point of view: the client, its
 * registration access token and its audit event are written together, or the client never
 * becomes visible.
 */
export interface RegistrationStore {
  /** DuplicateClientError when the client id is taken. */
  create(registration: NewRegistration): Promise<void>;
  /**
   * Replaces a client's registration access token, atomically: of concurrent calls with the
   * same old key, exactly one returns true; the others (and a key no longer valid) false.
   */
  rotateAccessToken(clientId: string, oldKey: string, newKey: string): Promise<boolean>;
  /** Undoes a rotation (its update was not written): the old key works again, the new one no longer. */
  undoRotation(clientId: string, oldKey: string, newKey: string): Promise<void>;
  /**
   * Removes what creations interrupted before completing (a crash, a lost database) left behind,
   * if they started before the given time, and records each removal in the audit trail; returns
   * how many.
   */
  repair(startedBefore: Date, now: Date): Promise<number>;
}

export interface StoredSigningKey {
  kid: string;
  alg: string;
  /** 1 for an algorithm's first key, then one more per rotation; unique per algorithm. */
  generation: number;
  /** Public JWK; safe to publish. */
  publicJwk: JsonObject;
  /** Private JWK sealed with the master key (see secrets/). */
  sealedPrivateJwk: string;
  /** Published in the JWKS from this time on (before it signs, so that caches learn it). */
  createdAt: Date;
  /** Signs from this time on. */
  activateAt: Date;
  /** Stops signing (its successor's activation); undefined while it is the newest key. */
  retireAt?: Date | undefined;
  /** Leaves the JWKS: when every token it signed has expired. */
  removeAt?: Date | undefined;
}

export interface SigningKeyStore {
  /** Oldest first. */
  list(): Promise<StoredSigningKey[]>;
  /**
   * Inserts unless a key with that kid, or with that algorithm and generation, exists; false when
   * another instance got there first (instances race on an empty or rotating store).
   */
  insert(key: StoredSigningKey): Promise<boolean>;
  /** Sets when a key stops signing and leaves the JWKS. */
  retire(kid: string, retireAt: Date, removeAt: Date): Promise<void>;
  delete(kid: string): Promise<void>;
}

/** Ids (jti) of revoked self-contained tokens, remembered until the tokens would have expired. */
export interface RevocationStore {
  revoke(jti: string, expiresAt: Date): Promise<void>;
  isRevoked(jti: string, now: Date): Promise<boolean>;
}

export type ExpiryMode = 'ttl-index' | 'sweep';

export interface Store {
  readonly backend: 'mongodb' | 'sqlite';
  /** ttl-index: the database deletes expired records; sweep: sweepExpired must be called periodically. */
  readonly expiryMode: ExpiryMode;
  readonly models: ModelStore;
  readonly clients: ClientStore;
  readonly initialAccessTokens: InitialAccessTokenStore;
  readonly audit: AuditStore;
  readonly signingKeys: SigningKeyStore;
  readonly revocations: RevocationStore;
  readonly registrations: RegistrationStore;
  readonly users: UserStore;
  /** Readiness: writes and reads back a probe; throws when the database cannot take writes. */
  ping(): Promise<void>;
  /**
   * Deletes expired records; returns how many. It may stop before all are gone (a bounded piece of
   * work within the store's timeout): calling again until it returns 0 deletes the rest.
   */
  sweepExpired(now: Date): Promise<number>;
  close(): Promise<void>;
}
