/** The primary SQLite result code of a node:sqlite error (SQLITE_BUSY = 5, ...), if it is one. */
export function sqliteErrorCode(error: unknown): number | undefined {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === 'number' ? errcode & 0xff : undefined;
}

/** BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN: the database cannot serve now. */
const UNAVAILABLE_CODES = new Set([5, 6, 7, 8, 10, 11, 13, 14]);

export function isSqliteUnavailable(error: unknown): boolean {
  const code = sqliteErrorCode(error);
  if (code !== undefined) return UNAVAILABLE_CODES.has(code);
  // A store already closed (shutdown under way).
  return (error as { code?: unknown } | null)?.code === 'ERR_INVALID_STATE';
}
