// The embedded store's checkpointer, on a thread of its own: copies what the WAL holds into the
// database file (PASSIVE: never waits for, nor blocks, the writer on the main thread), so that the
// copying and its two fsyncs stop blocking the event loop. Started by checkpointer.ts.
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new DatabaseSync(path);
// NORMAL in WAL mode: a checkpoint syncs the WAL before copying it and the database after.
db.exec('PRAGMA busy_timeout = 0; PRAGMA synchronous = NORMAL;');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch {
    // Busy or out of space now: the next turn tries again, and the writer's own checkpoints
    // (at a larger WAL size) remain as a backstop.
  }
}, intervalMs);

parentPort!.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
