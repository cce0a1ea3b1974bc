// Child processes of a run (the servers, FerretDB) and the clean-up that stops them however the run
// ends: normally, on a failure, or on Ctrl-C in the middle of starting them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

import { errorMessage, progress } from './log.js';

const STOP_GRACE_MS = 10_000;

/** Undo actions, run last-in first-out once, at the end or on a signal. */
export class Cleanup {
  readonly #tasks: (() => Promise<void> | void)[] = [];
  #running: Promise<void> | undefined;

  get started(): boolean {
    return this.#running !== undefined;
  }

  /** Once clean-up has started (a signal arrived mid-start), whatever was just started is undone at once. */
  add(task: () => Promise<void> | void): void {
    this.#tasks.push(task);
    if (this.started) void this.#runAll();
  }

  run(): Promise<void> {
    this.#running ??= this.#runAll();
    return this.#running;
  }

  async #runAll(): Promise<void> {
    for (let task = this.#tasks.pop(); task; task = this.#tasks.pop()) {
      try {
        await task();
      } catch (error) {
        progress(`clean-up step failed: ${errorMessage(error)}`);
      }
    }
  }
}

export function stopOnSignals(cleanup: Cleanup): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping servers`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }
}

export function spawnChild(command: string, args: string[], env: NodeJS.ProcessEnv, ownProcessGroup = false): ChildProcess {
  // Servers' output goes to our stderr, so that the table on stdout stays clean.
  const child = spawn(command, args, { env, stdio: ['ignore', 2, 2], detached: ownProcessGroup });
  child.on('error', (error) => progress(`${command} failed: ${error.message}`));
  return child;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function exitDescription(child: ChildProcess): string | undefined {
  if (child.signalCode !== null) return `exited on ${child.signalCode}`;
  return child.exitCode === null ? undefined : `exited with code ${child.exitCode}`;
}

/** SIGTERM, then SIGKILL after a grace period; a process group takes the whole tree (FerretDB's Go build). */
export async function stopChild(child: ChildProcess, wholeGroup = false): Promise<void> {
  if (child.pid === undefined || hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(wholeGroup ? -child.pid! : child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitUntil(what: string, ready: () => Promise<boolean>, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`${what}: process ${exitDescription(child)}`);
    if (await ready()) return;
    await delay(100);
  }
  throw new Error(`${what}: not ready within ${timeoutMs / 1000} s`);
}

export async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
    socket.connect(port, '127.0.0.1');
  });
}
