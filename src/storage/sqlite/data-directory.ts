import { chmodSync, closeSync, existsSync, openSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { createDirectories } from '../directories.js';
import { StoreUnavailableError } from '../errors.js';
import { sqliteErrorCode } from './sqlite-errors.js';

const LOCK_FILE = 'server.pid';
/** A database file that exists only to be locked: the exclusion between processes. */
const LOCK_DATABASE = 'server.lock';
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
    createDirectories(directory, DIRECTORY_MODE);
    chmodSync(directory, DIRECTORY_MODE);
    closeSync(openSync(join(directory, databaseFile), 'a', FILE_MODE));
    restrictFiles(dataDir, databaseFile);
  } catch (error) {
    throw new Error(`cannot use ${directory} as the embedded store's data directory (DATA_DIR): ${(error as Error).message}`, { cause: error });
  }
}

/**
 * 0600 on the store's files. Only chmod, never open: closing any descriptor of a database file
 * would drop the process's POSIX locks on it, SQLite's locks among them.
 */
export function restrictFiles(dataDir: string, databaseFile: string): void {
  const directory = resolve(dataDir);
  for (const file of [databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`, LOCK_FILE, LOCK_DATABASE]) {
    const path = join(directory, file);
    if (existsSync(path)) chmodSync(path, FILE_MODE);
  }
}

/**
 * Makes this process the only one using the directory, until the returned function is called or
 * the process dies: SQLite's exclusive lock on a file of its own (the kernel releases it with the
 * process, so it is never stale). The store's database itself is shared with the checkpointer's
 * thread, so it cannot hold that lock.
 */
export function holdDirectoryLock(dataDir: string): () => void {
  const path = join(resolve(dataDir), LOCK_DATABASE);
  try {
    // Created 0600 when missing; never opened otherwise (see restrictFiles: it would drop our locks).
    if (!existsSync(path)) closeSync(openSync(path, 'a', FILE_MODE));
  } catch (error) {
    throw new Error(`cannot use ${resolve(dataDir)} as the embedded store's data directory (DATA_DIR): ${(error as Error).message}`, { cause: error });
  }
  // Two processes starting at the same moment can each hold the shared lock the other needs to
  // give up: both are refused, then both try again a moment apart, and one of them wins.
  for (let attempt = 1; ; attempt += 1) {
    const lock = new DatabaseSync(path);
    try {
      // Nothing is ever written: in exclusive locking mode the transaction's lock stays until the connection closes.
      lock.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA busy_timeout = 0;');
      lock.exec('BEGIN EXCLUSIVE; COMMIT;');
      heldLocks.add(lock);
      return () => {
        heldLocks.delete(lock);
        if (lock.isOpen) lock.close();
      };
    } catch (error) {
      lock.close();
      const code = sqliteErrorCode(error);
      if (code === 5 /* SQLITE_BUSY */ || code === 6 /* SQLITE_LOCKED */) {
        if (attempt < LOCK_ATTEMPTS) {
          sleepSync(20 + Math.floor(Math.random() * 60));
          continue;
        }
        throw lockHeldElsewhere(dataDir);
      }
      if (code === 11 /* SQLITE_CORRUPT */ || code === 26 /* SQLITE_NOTADB */) {
        throw new Error(`the embedded store's lock file ${path} is damaged: with no server running on this DATA_DIR, delete it and start again`, { cause: error });
      }
      throw new Error(`cannot use ${resolve(dataDir)} as the embedded store's data directory (DATA_DIR): ${(error as Error).message}`, { cause: error });
    }
  }
}

const LOCK_ATTEMPTS = 5;
/** A connection that is collected closes, and its lock goes with it: held here until released. */
const heldLocks = new Set<DatabaseSync>();

/** Start-up only (opening the store is synchronous): waits without an event loop. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Records this process as the store's holder, beside it. The exclusion itself is the lock above;
 * this file only lets a second process name the first. Returns what removes the record.
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

/**
 * Below this much free space the directory's file system counts as full. A write can still
 * succeed there for a while (SQLite reuses the space of a WAL that a checkpoint has emptied), but
 * readiness should not wait for the first refused write to say so.
 */
const MIN_FREE_BYTES = 256 * 1024;

/** Throws StoreUnavailableError when the file system holding the directory is (almost) full. */
export function checkFreeSpace(dataDir: string): void {
  const { bavail, bsize } = statfsSync(dataDir);
  const free = bavail * bsize;
  if (free < MIN_FREE_BYTES) throw new StoreUnavailableError(`the embedded store's file system is full (${free} bytes free)`);
}
