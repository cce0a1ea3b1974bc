import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** A mistake in the command line: exit status 2. `hint` names the help to read. */
export class UsageError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The placeholder shown in help for a string option's value. */
  value?: string;
  short?: string;
  description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  url: {
    type: 'string',
    value: 'URL',
    description: 'The server\'s base URL; requests go to <URL>/admin/... (default: $ADMIN_URL, else http://localhost:$PORT, PORT defaulting to 3000)',
  },
  token: {
    type: 'string',
    value: 'TOKEN',
    description: 'The admin bearer token (default: $ADMIN_TOKEN, the first one if it is a comma-separated list). '
      + 'Prefer the environment variable: other local users can see command-line arguments',
  },
  json: { type: 'boolean', description: 'Print the API\'s JSON response (pretty-printed) instead of a table, for scripts' },
  help: { type: 'boolean', short: 'h', description: 'Show help' },
};

const GLOBAL_WITH_VALUE = new Set(Object.entries(GLOBAL_OPTIONS).filter(([, spec]) => spec.type === 'string').map(([name]) => `--${name}`));
const GLOBAL_FLAGS = new Set(Object.entries(GLOBAL_OPTIONS).flatMap(([name, spec]) => (
  spec.type === 'boolean' ? [`--${name}`, ...(spec.short === undefined ? [] : [`-${spec.short}`])] : []
)));

export interface SplitCommandLine {
  /** The command's words (e.g. ["clients", "create"]), as many as `wordsNeeded` asked for. */
  words: string[];
  /** Everything else, in order: options and the command's arguments. */
  rest: string[];
}

/**
 * Separates the command's words from its options and arguments. Global options may come before
 * the command; any other option must follow it. `wordsNeeded` says, from the words read so far,
 * how many words the command has (2 for a command group such as "clients", 1 otherwise).
 */
export function splitCommandLine(argv: readonly string[], wordsNeeded: (words: readonly string[]) => number): SplitCommandLine {
  const words: string[] = [];
  const rest: string[] = [];
  let index = 0;
  while (index < argv.length && (words.length === 0 || words.length < wordsNeeded(words))) {
    const token = argv[index]!;
    if (token === '--') break;
    if (token.startsWith('-') && token !== '-') {
      const name = token.split('=')[0]!;
      if (GLOBAL_WITH_VALUE.has(name)) {
        rest.push(token);
        if (!token.includes('=') && index + 1 < argv.length) rest.push(argv[++index]!);
      } else if (GLOBAL_FLAGS.has(name)) {
        rest.push(token);
      } else {
        const command = words.length === 0 ? 'a command' : `a subcommand of "${words.join(' ')}"`;
        throw new UsageError(`unexpected option ${name} before ${command} (command options go after the command)`);
      }
    } else {
      words.push(token);
    }
    index += 1;
  }
  return { words, rest: [...rest, ...argv.slice(index)] };
}

/** Whether --help or -h appears among the options (before any "--"). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** The parsed options of a command, with conversions that report usage errors naming the option. */
export class Options {
  constructor(private readonly values: Readonly<Record<string, string | boolean | undefined>>) {}

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** A non-negative integer (or at least `min`). */
  integer(name: string, min = 0): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`--${name} must be an integer of at least ${min}, not "${raw}"`);
    return value;
  }

  /** A comma-separated list; blanks are dropped, so "" is an empty list. */
  list(name: string): string[] | undefined {
    const raw = this.string(name);
    return raw === undefined ? undefined : raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  }

  /** A JSON object, given inline or as @path to a file holding it. */
  jsonObject(name: string): Record<string, unknown> | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    let text = raw;
    if (raw.startsWith('@')) {
      try {
        text = readFileSync(raw.slice(1), 'utf8');
      } catch (error) {
        throw new UsageError(`--${name}: cannot read ${raw.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new UsageError(`--${name} must be a JSON object: ${raw.startsWith('@') ? `${raw.slice(1)} is` : 'the value is'} not valid JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`--${name} must be a JSON object`);
    return value as Record<string, unknown>;
  }
}

export interface ParsedArguments {
  options: Options;
  positionals: string[];
}

/** Parses a command's options (strictly: an unknown option is a usage error) and its arguments. */
export function parseCommandArguments(args: readonly string[], specs: OptionSpecs, command: string): ParsedArguments {
  const options = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [
    name,
    spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short },
  ]));
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    const flat: Record<string, string | boolean | undefined> = {};
    for (const [name, value] of Object.entries(values)) flat[name] = Array.isArray(value) ? value[value.length - 1] : value;
    return { options: new Options(flat), positionals };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(message)?.[1] ?? message;
      throw new UsageError(`unknown option ${option} for "${command}"`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const option = /'(-[^' ]+)/.exec(message)?.[1];
      if (option !== undefined && message.includes('argument missing')) throw new UsageError(`${option} needs a value`);
      if (option !== undefined && message.includes('does not take')) throw new UsageError(`${option} takes no value`);
      if (option !== undefined && message.includes('ambiguous')) throw new UsageError(`${option} needs a value (write ${option}=VALUE for one that starts with "-")`);
    }
    throw new UsageError(message.split('\n')[0]!);
  }
}
