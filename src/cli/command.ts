import type { AdminApi } from './api.js';
import type { OptionSpecs, Options } from './args.js';

export interface CommandContext {
  api: AdminApi;
  /** The command's arguments, checked against `Command.arguments`. */
  args: string[];
  options: Options;
  /** The environment (a password is read from a variable it names, never from the command line). */
  env: Readonly<Record<string, string | undefined>>;
  /** --json: print the API's answer as JSON instead of the human rendering. */
  json: boolean;
  /** Prints `body` as pretty JSON with --json, else what `human` renders (nothing when it answers undefined). */
  output(body: unknown, human: () => string | undefined): void;
}

export interface Command {
  /** The words that name it: "clients create", "audit". */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Paragraphs for the command's own help: what it calls, what it prints. */
  description: string;
  /** Required arguments, by name (shown as <name>). */
  arguments: readonly string[];
  options: OptionSpecs;
  run(context: CommandContext): Promise<void>;
}
