import { ApiError } from '../http/api-error.js';
import {
  DuplicateUserError, PROFILE_CLAIM_NAMES, type JsonObject, type ModelStore, type PostalAddress, type ProfileClaimName, type ProfileClaims,
  type UserListQuery, type UserRecord, type UserStore,
} from '../storage/index.js';
import type { PasswordCheck } from './password-policy.js';
import { PasswordChecksBusyError, type PasswordHasher } from '../secrets/index.js';

/**
 * The admin API's member for each of OpenID Connect's other profile claims: the claim's own name,
 * but profile (the URL of the user's profile page), whose name the API gives to the user's
 * free-form attributes.
 */
export const PROFILE_CLAIM_MEMBERS: Readonly<Record<ProfileClaimName, ProfileClaimMember>> = {
  middle_name: 'middle_name', nickname: 'nickname', profile: 'profile_url', picture: 'picture', website: 'website',
  gender: 'gender', birthdate: 'birthdate', zoneinfo: 'zoneinfo', locale: 'locale',
};

type ProfileClaimMember = 'middle_name' | 'nickname' | 'profile_url' | 'picture' | 'website' | 'gender' | 'birthdate' | 'zoneinfo' | 'locale';
type ProfileClaimAttributes = { [member in ProfileClaimMember]?: string | undefined };

/** What an administrator (or the configuration file) says about a user; the API's member names. */
export interface UserAttributes extends ProfileClaimAttributes {
  username: string;
  email?: string | undefined;
  email_verified?: boolean | undefined;
  name?: string | undefined;
  given_name?: string | undefined;
  family_name?: string | undefined;
  phone_number?: string | undefined;
  phone_number_verified?: boolean | undefined;
  address?: PostalAddress | undefined;
  groups?: string[] | undefined;
  profile?: JsonObject | undefined;
  disabled?: boolean | undefined;
}

export interface UserDirectoryDependencies {
  users: UserStore;
  models: ModelStore;
  hasher: PasswordHasher;
  checkPassword: PasswordCheck;
  now: () => Date;
  newId: () => string;
}

/** One of a user's sign-in sessions, as oidc-provider keeps it. */
export interface UserSession {
  /** The session's storage key (a hash of its id), which names it for revocation; not its cookie. */
  id: string;
  signedInAt: Date | undefined;
  expiresAt: Date | undefined;
  clients: string[];
}

export interface UserGrant {
  id: string;
  clientId: string;
  scope: string;
  resources: Record<string, string>;
  expiresAt: Date | undefined;
}

export type PasswordCheckResult =
  | { ok: true; user: UserRecord }
  | { ok: false; userId?: string | undefined; reason: 'unknown_user' | 'no_password' | 'wrong_password' | 'disabled' };

const MAX_LISTED = 200;
/** A failed sign-in is never held longer than this to match a slow hash. */
const MAX_FAILURE_PADDING_MS = 2_000;

export const usernameTaken = (username: string) => new ApiError('username_taken', `username: "${username}" is taken (usernames are compared case-insensitively)`, 409);
const userChanged = () => new ApiError('conflict', 'the user was changed by another request meanwhile; read it again and retry', 409);
const userGone = () => new ApiError('not_found', 'no such user', 404);
const weakPassword = (reason: string) => new ApiError('invalid_password', `password: ${reason}`);

/**
 * Users and their passwords: every change an administrator or the configuration file makes, and
 * the password check of a sign-in. Passwords are checked against the policy and hashed here;
 * neither a password nor a hash leaves this module except into the store.
 */
export class UserDirectory {
  #slowestCheckMs = 0;

  constructor(private readonly dependencies: UserDirectoryDependencies) {}

  find(id: string): Promise<UserRecord | undefined> {
    return this.dependencies.users.find(id);
  }

  findByUsername(username: string): Promise<UserRecord | undefined> {
    return this.dependencies.users.findByUsername(username);
  }

  list(query: UserListQuery): Promise<UserRecord[]> {
    return this.dependencies.users.list(query);
  }

  /** Creates a user; with a password (checked against the policy) or a ready hash (from the configuration file). */
  async create(attributes: UserAttributes, credential: { password?: string | undefined; passwordHash?: string | undefined } = {}): Promise<UserRecord> {
    const now = this.dependencies.now();
    const passwordHash = credential.password === undefined ? credential.passwordHash : await this.#hashChecked(credential.password, attributes.username);
    const user: UserRecord = {
      ...fromAttributes(attributes),
      id: this.dependencies.newId(),
      passwordHash,
      createdAt: now,
      updatedAt: now,
      revision: 0,
    };
    try {
      await this.dependencies.users.create(user);
    } catch (error) {
      throw error instanceof DuplicateUserError ? usernameTaken(attributes.username) : error;
    }
    return user;
  }

  /** Replaces what an administrator may set (not the password); disabling ends the user's sessions. */
  async replace(user: UserRecord, attributes: UserAttributes): Promise<UserRecord> {
    const updated: UserRecord = {
      ...fromAttributes(attributes),
      id: user.id,
      passwordHash: user.passwordHash,
      createdAt: user.createdAt,
      updatedAt: this.dependencies.now(),
      lastSignInAt: user.lastSignInAt,
      revision: user.revision,
    };
    await this.#write(updated);
    if (updated.disabled && !user.disabled) await this.dependencies.models.destroyByAccountId(user.id);
    return (await this.find(user.id)) ?? updated;
  }

  /** Sets a password and ends what the old one opened: sessions, grants and refresh tokens (a reset after a compromise). */
  async setPassword(user: UserRecord, password: string): Promise<void> {
    const passwordHash = await this.#hashChecked(password, user.username);
    await this.#write({ ...user, passwordHash, updatedAt: this.dependencies.now() });
    await this.dependencies.models.destroyByAccountId(user.id);
  }

  /** Deletes the user, then everything that lets it act: sessions, grants, codes and refresh tokens. */
  async delete(user: UserRecord): Promise<boolean> {
    const deleted = await this.dependencies.users.delete(user.id);
    await this.dependencies.models.destroyByAccountId(user.id);
    return deleted;
  }

  /**
   * Checks a username and password, in about the same time whether or not the user exists, has a
   * password or is enabled. A hash made with older parameters is upgraded on success.
   */
  async verifyPassword(username: string, password: string): Promise<PasswordCheckResult> {
    const started = performance.now();
    const user = await this.dependencies.users.findByUsername(username);
    const lookupMs = performance.now() - started;
    let verification;
    try {
      verification = await this.dependencies.hasher.verify(password, user?.passwordHash);
    } catch (error) {
      if (error instanceof PasswordChecksBusyError) {
        throw new ApiError('temporarily_unavailable', 'too many sign-ins are being checked right now; try again in a moment', 503, { 'Retry-After': '1' });
      }
      throw error;
    }
    const { valid, needsUpgrade, checkMs } = verification;
    // Hashes made with other parameters take another time to check: every failure lasts at least
    // as long as the slowest check seen, so that timing does not tell which usernames exist (the
    // check's own time: a wait for a turn says nothing about the user, and would pin the padding high).
    this.#slowestCheckMs = Math.min(MAX_FAILURE_PADDING_MS, Math.max(this.#slowestCheckMs, lookupMs + checkMs));
    const failure = async (result: PasswordCheckResult): Promise<PasswordCheckResult> => {
      const remaining = this.#slowestCheckMs - (performance.now() - started);
      if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
      return result;
    };
    if (!user) return failure({ ok: false, reason: 'unknown_user' });
    if (user.passwordHash === undefined) return failure({ ok: false, userId: user.id, reason: 'no_password' });
    if (!valid) return failure({ ok: false, userId: user.id, reason: 'wrong_password' });
    if (user.disabled) return failure({ ok: false, userId: user.id, reason: 'disabled' });
    const upgraded = needsUpgrade ? await this.dependencies.hasher.hash(password) : undefined;
    await this.dependencies.users.recordSignIn(user.id, this.dependencies.now(), upgraded);
    return { ok: true, user };
  }

  async sessions(userId: string): Promise<UserSession[]> {
    const records = await this.dependencies.models.findByAccountId('Session', userId, MAX_LISTED);
    return records.map(({ key, record }) => {
      const { loginTs, authorizations } = record.payload as { loginTs?: unknown; authorizations?: unknown };
      return {
        id: key,
        signedInAt: typeof loginTs === 'number' ? new Date(loginTs * 1000) : undefined,
        expiresAt: record.expiresAt,
        clients: authorizations !== null && typeof authorizations === 'object' ? Object.keys(authorizations) : [],
      };
    });
  }

  /** Ends one session (or every session when id is undefined); false when there was no such session. */
  async revokeSessions(userId: string, id?: string): Promise<boolean> {
    const sessions = await this.dependencies.models.findByAccountId('Session', userId, MAX_LISTED);
    const chosen = id === undefined ? sessions : sessions.filter((session) => session.key === id);
    for (const session of chosen) await this.dependencies.models.destroy('Session', session.key);
    return chosen.length > 0 || id === undefined;
  }

  async grants(userId: string): Promise<UserGrant[]> {
    const records = await this.dependencies.models.findByAccountId('Grant', userId, MAX_LISTED);
    return records.flatMap(({ record }) => {
      const { clientId, openid, resources } = record.payload as { clientId?: unknown; openid?: { scope?: unknown }; resources?: unknown };
      if (typeof record.grantId !== 'string' || typeof clientId !== 'string') return [];
      return [{
        id: record.grantId,
        clientId,
        scope: typeof openid?.scope === 'string' ? openid.scope : '',
        resources: resources !== null && typeof resources === 'object' ? (resources as Record<string, string>) : {},
        expiresAt: record.expiresAt,
      }];
    });
  }

  /** Revokes a grant with every code and token issued under it; false when the user has no such grant. */
  async revokeGrant(userId: string, grantId: string): Promise<boolean> {
    const grants = await this.dependencies.models.findByAccountId('Grant', userId, MAX_LISTED);
    const grant = grants.find(({ record }) => record.grantId === grantId);
    if (!grant) return false;
    for (const model of ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'BackchannelAuthenticationRequest', 'DeviceCode']) {
      await this.dependencies.models.destroyByGrantId(model, grantId);
    }
    await this.dependencies.models.destroy('Grant', grant.key);
    return true;
  }

  async #hashChecked(password: string, username: string): Promise<string> {
    const problem = this.dependencies.checkPassword(password, username);
    if (problem !== undefined) throw weakPassword(problem);
    return this.dependencies.hasher.hash(password);
  }

  async #write(user: UserRecord): Promise<void> {
    let written: boolean;
    try {
      written = await this.dependencies.users.update(user);
    } catch (error) {
      throw error instanceof DuplicateUserError ? usernameTaken(user.username) : error;
    }
    if (!written) throw (await this.find(user.id)) ? userChanged() : userGone();
  }
}

function fromAttributes(attributes: UserAttributes): Omit<UserRecord, 'id' | 'createdAt' | 'updatedAt' | 'revision'> {
  return {
    username: attributes.username,
    email: attributes.email,
    emailVerified: attributes.email_verified ?? false,
    name: attributes.name,
    givenName: attributes.given_name,
    familyName: attributes.family_name,
    profileClaims: profileClaimsOf(attributes),
    phoneNumber: attributes.phone_number,
    phoneNumberVerified: attributes.phone_number_verified ?? false,
    address: attributes.address,
    groups: attributes.groups ?? [],
    profile: attributes.profile ?? {},
    disabled: attributes.disabled ?? false,
  };
}

function profileClaimsOf(attributes: UserAttributes): ProfileClaims | undefined {
  const claims: ProfileClaims = {};
  for (const claim of PROFILE_CLAIM_NAMES) {
    const value = attributes[PROFILE_CLAIM_MEMBERS[claim]];
    if (typeof value === 'string') claims[claim] = value;
  }
  return Object.keys(claims).length > 0 ? claims : undefined;
}

const profileClaimsView = (claims: ProfileClaims | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(claims ?? {}).map(([claim, value]) => [PROFILE_CLAIM_MEMBERS[claim as ProfileClaimName], value]));

/** A user as the admin API shows it: never the password or its hash. */
export function userView(user: UserRecord) {
  return {
    id: user.id,
    username: user.username,
    ...(user.email === undefined ? {} : { email: user.email }),
    email_verified: user.emailVerified,
    ...(user.name === undefined ? {} : { name: user.name }),
    ...(user.givenName === undefined ? {} : { given_name: user.givenName }),
    ...(user.familyName === undefined ? {} : { family_name: user.familyName }),
    ...profileClaimsView(user.profileClaims),
    ...(user.phoneNumber === undefined ? {} : { phone_number: user.phoneNumber }),
    phone_number_verified: user.phoneNumberVerified,
    ...(user.address === undefined ? {} : { address: user.address }),
    groups: user.groups,
    profile: user.profile,
    disabled: user.disabled,
    has_password: user.passwordHash !== undefined,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    last_sign_in_at: user.lastSignInAt?.toISOString() ?? null,
  };
}

/** The members of a user an administrator may set, as PUT takes them (what PATCH merges into). */
export function editableView(user: UserRecord): Record<string, unknown> {
  const { id: _id, has_password: _hasPassword, created_at: _created, updated_at: _updated, last_sign_in_at: _lastSignIn, ...editable } = userView(user);
  return editable;
}
