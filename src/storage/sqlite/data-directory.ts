import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const LOCK_FILE = 'server.pid';
const DIRECTORY_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * The data directory readable by its owner only, and the database files too (SQLite gives its
 * -wal file the database file's mode, so creating the database file first with 0600 covers it).
 * Every failure names the directory.
 */
export function prepareDataDirectory(dataDir: string, databaseFile: string): void {
  const directory = resolve(dataDir);
  try {
    mkdirSync(directory, { recursive: true, mode: DIRECTORY_MODE });
    chmodSync(directory, DIRECTORY_MODE);
    closeSync(openSync(join(directory, databaseFile), 'a', FILE_MODE));
    restrictFiles(dataDir, databaseFile);
  } catch (error) {
    throw new Error(`cannot use ${directory} as the embedded store's data directory (DATA_DIR): ${(error as Error).message}`, { cause: error });
  }
}

/**
 * 0600 on the store's files. Only chmod, never open: closing any descriptor of the database
 * file would drop the process's POSIX locks on it, SQLite's exclusive lock among them.
 */
export function restrictFiles(dataDir: string, databaseFile: string): void {
  const directory = resolve(dataDir);
  for (const file of [databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`, LOCK_FILE]) {
    const path = join(directory, file);
    if (existsSync(path)) chmodSync(path, FILE_MODE);
  }
}

/**
 * Records this process as the store's holder, beside it. The exclusion itself is SQLite's lock on
 * the database file (released by the kernel when the process dies, so never stale); this file
 * only lets a second process name the first. Returns what removes the record.
 */
export function recordLockHolder(dataDir: string): () => void {
  const path = join(resolve(dataDir), LOCK_FILE);
  writeFileSync(path, `${process.pid}\n`, { mode: FILE_MODE });
  return () => rmSync(path, { force: true });
}

/** The error a second process stops with, naming the directory and the process holding it. */
export function lockHeldElsewhere(dataDir: string): Error {
  const directory = resolve(dataDir);
  let holder = 'another process';
  try {
    const pid = Number.parseInt(readFileSync(join(directory, LOCK_FILE), 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0) holder = `process ${pid}`;
  } catch {
    // No record: the holder is not this server, or predates the record.
  }
  return new Error(`the embedded store in ${directory} is in use by ${holder}; run one server process per DATA_DIR (several instances need MongoDB)`);
}
