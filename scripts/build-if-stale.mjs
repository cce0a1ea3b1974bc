// Compiles src/ and the admin console (console/) only when something they depend on changed since
// the last build, so that `npm start` and `npm run cli` start at once on an unchanged checkout.
// Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = join('dist', '.src-build');
const INPUTS = ['src', 'console', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((latest, entry) => Math.max(latest, newest(join(path, entry))), stats.mtimeMs);
}

const builtAt = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
const changedAt = Math.max(...INPUTS.filter((input) => existsSync(input)).map(newest));
if (changedAt > builtAt || !existsSync(join('dist', 'src', 'main.js'))) {
  process.stderr.write('compiling src/ and console/ (they changed since the last build)\n');
  for (const project of ['tsconfig.build.json', join('console', 'tsconfig.json')]) {
    const result = spawnSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
  writeFileSync(STAMP, new Date().toISOString());
}
