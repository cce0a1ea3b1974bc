import { caseInsensitiveKey, PROFILE_CLAIM_NAMES, type JsonObject, type PostalAddress, type ProfileClaims, type UserRecord } from './port.js';

/**
 * How a user is kept by both backends: one serialized document (so that no profile key ever
 * becomes a database field name) beside the keys the database indexes.
 */
export interface StoredUser {
  data: JsonObject;
  usernameKey: string;
  emailKey: string | null;
}

export function storedUser(user: UserRecord): StoredUser {
  const data: JsonObject = {
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    name: user.name,
    givenName: user.givenName,
    familyName: user.familyName,
    profileClaims: user.profileClaims,
    phoneNumber: user.phoneNumber,
    phoneNumberVerified: user.phoneNumberVerified,
    address: user.address as JsonObject | undefined,
    groups: user.groups,
    profile: user.profile,
    disabled: user.disabled,
    passwordHash: user.passwordHash,
    updatedAt: user.updatedAt.toISOString(),
    lastSignInAt: user.lastSignInAt?.toISOString(),
  };
  return {
    data: JSON.parse(JSON.stringify(data)) as JsonObject,
    usernameKey: caseInsensitiveKey(user.username),
    emailKey: user.email === undefined ? null : caseInsensitiveKey(user.email),
  };
}

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const optionalDate = (value: unknown): Date | undefined => (typeof value === 'string' ? new Date(value) : undefined);
const ADDRESS_MEMBERS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'] as const;

function stringMembers<K extends string>(value: unknown, members: readonly K[]): Partial<Record<K, string>> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const stored = value as Record<string, unknown>;
  const kept: Partial<Record<K, string>> = {};
  for (const member of members) {
    const part = stored[member];
    if (typeof part === 'string') kept[member] = part;
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}

const optionalProfileClaims = (value: unknown): ProfileClaims | undefined => stringMembers(value, PROFILE_CLAIM_NAMES);
const optionalAddress = (value: unknown): PostalAddress | undefined => stringMembers(value, ADDRESS_MEMBERS);

export function toUser(id: string, data: JsonObject, createdAt: Date, revision: number): UserRecord {
  return {
    id,
    username: String(data.username),
    email: optionalString(data.email),
    emailVerified: data.emailVerified === true,
    name: optionalString(data.name),
    givenName: optionalString(data.givenName),
    familyName: optionalString(data.familyName),
    profileClaims: optionalProfileClaims(data.profileClaims),
    phoneNumber: optionalString(data.phoneNumber),
    phoneNumberVerified: data.phoneNumberVerified === true,
    address: optionalAddress(data.address),
    groups: Array.isArray(data.groups) ? data.groups.filter((group): group is string => typeof group === 'string') : [],
    profile: data.profile !== null && typeof data.profile === 'object' && !Array.isArray(data.profile) ? (data.profile as JsonObject) : {},
    disabled: data.disabled === true,
    passwordHash: optionalString(data.passwordHash),
    createdAt,
    updatedAt: optionalDate(data.updatedAt) ?? createdAt,
    lastSignInAt: optionalDate(data.lastSignInAt),
    revision,
  };
}
