import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * The programs a run starts (FerretDB, the suite, nginx, the authorization server, the plan
 * runner): each logs to a file of the run, and none outlives the run, whatever ends it.
 */
export class Processes {
  readonly #children: { name: string; child: ChildProcess }[] = [];

  constructor(private readonly logDirectory: string) {}

  start(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const log = createWriteStream(join(this.logDirectory, `${name}.log`), { flags: 'a' });
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.#children.push({ name, child });
    return child;
  }

  /** Runs a program to its end; resolves with its exit code. */
  run(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Promise<number> {
    const child = this.start(name, command, args, options);
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  }

  /** Stops every program still running: SIGTERM, then SIGKILL for whatever is left after a grace. */
  async stopAll(graceMs = 5_000): Promise<void> {
    const running = this.#children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
    await Promise.all(running.reverse().map(({ child }) => new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    })));
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls until check() holds, or fails naming what was awaited. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${what}: the process exited (${child.exitCode ?? child.signalCode}); see its log`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
