import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts FerretDB (a real MongoDB wire-protocol server; MongoDB itself is not installable here)
 * for the whole run, unless MONGODB_URI names a server to use instead. The script builds it
 * once and caches the binary.
 */
const state: { child?: ChildProcess; dataDir?: string } = {};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => { socket.destroy(); resolve(false); });
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`FerretDB did not listen on ${port} within ${timeoutMs} ms`);
}

export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) return;
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ferretdb-'));
  const child = spawn('bash', ['scripts/ferretdb.sh', 'start', String(port), dataDir], { stdio: ['ignore', 'inherit', 'inherit'] });
  state.child = child;
  state.dataDir = dataDir;
  // The first run builds FerretDB from the Go module proxy.
  await waitForPort(port, child, 300_000);
  process.env.MONGODB_URI = `mongodb://127.0.0.1:${port}/`;
  process.env.TEST_FERRETDB_PID = String(child.pid);
  process.env.TEST_FERRETDB_DIR = dataDir;
}

export function stopFerretDb(): void {
  const pid = Number(process.env.TEST_FERRETDB_PID);
  if (pid) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  if (process.env.TEST_FERRETDB_DIR) rmSync(process.env.TEST_FERRETDB_DIR, { recursive: true, force: true });
}
