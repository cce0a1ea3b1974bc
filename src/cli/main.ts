#!/usr/bin/env node
/** The admin CLI: `npm run cli -- <command> [options]`; see `npm run cli -- help`. */
import { runCli } from './run.js';

const output = {
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
};

try {
  process.exitCode = await runCli(process.argv.slice(2), process.env, output, fetch);
} catch (error) {
  process.stderr.write(`error: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
