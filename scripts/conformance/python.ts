import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** What the suite's scripts/run-test-plan.py imports (its scripts/requirements.txt). */
const REQUIREMENTS = ['httpx', 'pyparsing'];

/** A virtual environment in the cache with the plan runner's packages (from PyPI, once). */
export function ensurePython(cacheDirectory: string): string {
  const venv = join(cacheDirectory, 'conformance-venv');
  const python = join(venv, 'bin', 'python');
  const ready = join(venv, '.requirements');
  if (existsSync(ready)) return python;
  mkdirSync(cacheDirectory, { recursive: true });
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', ...REQUIREMENTS], { stdio: 'inherit' });
  execFileSync('touch', [ready]);
  return python;
}
