import type { InitialAccessTokenRecord } from './port.js';

/** The latest instant a JavaScript Date can hold. */
const MAX_TIME_MS = 8.64e15;

const safeInteger = (value: number): number => (Number.isSafeInteger(value) ? value : Number.MAX_SAFE_INTEGER);
const safeDate = (date: Date | undefined): Date | undefined =>
  (date === undefined || Number.isNaN(date.getTime()) || Math.abs(date.getTime()) > MAX_TIME_MS ? undefined : date);

/**
 * An initial access token as read back, whatever was stored: out-of-range numbers (written before
 * inputs were bounded) become the largest safe value, an unrepresentable expiry becomes none, so
 * that one bad record can never make a listing or a registration fail.
 */
export function safeInitialAccessToken(record: InitialAccessTokenRecord): InitialAccessTokenRecord {
  return {
    ...record,
    maxUses: record.maxUses === undefined ? undefined : safeInteger(record.maxUses),
    uses: safeInteger(record.uses),
    expiresAt: safeDate(record.expiresAt),
    createdAt: safeDate(record.createdAt) ?? new Date(0),
  };
}
