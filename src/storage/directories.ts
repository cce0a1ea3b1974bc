import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one directory at a time. Node's recursive mkdir never returns under a parent that
 * refuses a child with ENOENT (anything under /proc): it takes the refusal for a missing parent,
 * finds the parent there, and tries again for ever. Here the first refusal is the error.
 */
export function createDirectories(path: string, mode?: number): void {
  const missing: string[] = [];
  let current = resolve(path);
  while (!existsSync(current)) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (existsSync(current) && !statSync(current).isDirectory()) throw new Error(`${current} is not a directory`);
  for (const directory of missing) {
    try {
      mkdirSync(directory, mode === undefined ? {} : { mode });
    } catch (error) {
      // Another process starting on the same path made it meanwhile.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(directory).isDirectory()) throw error;
    }
  }
}
