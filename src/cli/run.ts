import { AdminApi, AdminApiError, RequestFailed, type FetchLike } from './api.js';
import { GLOBAL_OPTIONS, parseCommandArguments, splitCommandLine, UsageError, wantsHelp, type Options } from './args.js';
import type { Command, CommandContext } from './command.js';
import { auditCommands } from './commands/audit.js';
import { clientCommands } from './commands/clients.js';
import { initialAccessTokenCommands } from './commands/initial-access-tokens.js';
import { keyCommands } from './commands/keys.js';
import { userCommands } from './commands/users.js';
import { sanitize } from './format.js';
import { commandHelp, groupHelp, overview, PROGRAM } from './help.js';

/** Where the CLI writes: stdout for results and help, stderr for errors. Text includes its newlines. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export type CliEnvironment = Readonly<Record<string, string | undefined>>;

export const COMMANDS: readonly Command[] = [...clientCommands, ...initialAccessTokenCommands, ...userCommands, ...auditCommands, ...keyCommands];

const GROUPS = new Set(COMMANDS.filter((command) => command.name.includes(' ')).map((command) => command.name.split(' ')[0]!));

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** The server and the token: flags first, then ADMIN_URL / PORT and ADMIN_TOKEN. */
export function resolveConnection(options: Options, env: CliEnvironment): { url: URL; token: string } {
  const flagUrl = options.string('url');
  const source = flagUrl !== undefined ? '--url' : nonEmpty(env.ADMIN_URL) !== undefined ? 'ADMIN_URL' : 'PORT';
  const raw = flagUrl ?? nonEmpty(env.ADMIN_URL) ?? `http://localhost:${nonEmpty(env.PORT) ?? '3000'}`;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(`${source} does not give a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${source} must give an http or https URL, not ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw new UsageError(`${source} must not hold credentials: give the admin token with --token or ADMIN_TOKEN`);

  const flagToken = options.string('token');
  const token = flagToken !== undefined ? flagToken.trim() : (env.ADMIN_TOKEN ?? '').split(',')[0]!.trim();
  if (token === '') throw new UsageError('no admin token: set ADMIN_TOKEN or pass --token');
  if (!/^[\x21-\x7e]+$/.test(token)) throw new UsageError(`the admin token ${flagToken !== undefined ? '(--token)' : '(ADMIN_TOKEN)'} holds spaces or characters a bearer token cannot`);
  return { url, token };
}

function findCommand(words: readonly string[]): Command | undefined {
  return COMMANDS.find((command) => command.name === words.join(' '));
}

/** `help`, `help clients`, `help clients create`. */
function help(topics: readonly string[], out: (text: string) => void): number {
  if (topics.length === 0) {
    out(overview(COMMANDS));
    return 0;
  }
  const command = findCommand(topics);
  if (command) {
    out(commandHelp(command));
    return 0;
  }
  if (topics.length === 1 && GROUPS.has(topics[0]!)) {
    out(groupHelp(topics[0]!, COMMANDS));
    return 0;
  }
  throw new UsageError(`no help for "${topics.join(' ')}": there is no such command`, '');
}

async function dispatch(argv: readonly string[], env: CliEnvironment, io: CliOutput, fetchImpl: FetchLike): Promise<number> {
  const out = (text: string) => io.stdout(`${text}\n`);
  const { words, rest } = splitCommandLine(argv, (read) => (GROUPS.has(read[0] ?? '') ? 2 : 1));

  if (words.length === 0) {
    if (wantsHelp(rest)) return help([], out);
    io.stderr(`error: no command given\n\n${overview(COMMANDS)}\n`);
    return 2;
  }
  if (words[0] === 'help') {
    const { positionals } = parseCommandArguments(rest, GLOBAL_OPTIONS, 'help');
    return help(positionals, out);
  }
  const group = GROUPS.has(words[0]!) ? words[0]! : undefined;
  if (group !== undefined && words.length === 1) {
    if (wantsHelp(rest)) return help([group], out);
    io.stderr(`error: "${group}" needs a subcommand\n\n${groupHelp(group, COMMANDS)}\n`);
    return 2;
  }
  const command = findCommand(words);
  if (!command) {
    io.stderr(`error: unknown command "${sanitize(words.join(' '))}"\n\n${group === undefined ? overview(COMMANDS) : groupHelp(group, COMMANDS)}\n`);
    return 2;
  }
  if (wantsHelp(rest)) return help(words, out);

  try {
    const { options, positionals } = parseCommandArguments(rest, { ...GLOBAL_OPTIONS, ...command.options }, command.name);
    const missing = command.arguments.slice(positionals.length);
    if (missing.length > 0) throw new UsageError(`missing ${missing.map((name) => `<${name}>`).join(' ')}`);
    const extra = positionals.slice(command.arguments.length);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${sanitize(extra[0]!)}"`);
    const { url, token } = resolveConnection(options, env);
    const json = options.flag('json');
    const context: CommandContext = {
      api: new AdminApi(url, token, fetchImpl),
      args: positionals,
      options,
      env,
      json,
      output(body, human) {
        if (json) {
          if (body !== undefined) out(JSON.stringify(body, null, 2));
          return;
        }
        const text = human();
        if (text !== undefined) out(text);
      },
    };
    await command.run(context);
    return 0;
  } catch (error) {
    if (error instanceof UsageError && error.hint === undefined) throw new UsageError(error.message, command.name);
    throw error;
  }
}

/**
 * Runs one CLI invocation: parses `argv` (the arguments after the script), calls the admin API
 * through `fetchImpl`, writes to `io`, and answers the exit status: 0 success, 1 a failed request,
 * 2 a usage error.
 */
export async function runCli(argv: readonly string[], env: CliEnvironment, io: CliOutput, fetchImpl: FetchLike): Promise<number> {
  try {
    return await dispatch(argv, env, io, fetchImpl);
  } catch (error) {
    if (error instanceof UsageError) {
      const hint = error.hint === undefined || error.hint === '' ? 'help' : `help ${error.hint}`;
      io.stderr(`error: ${sanitize(error.message)}\nRun "${PROGRAM} ${hint}" for usage.\n`);
      return 2;
    }
    if (error instanceof AdminApiError || error instanceof RequestFailed) {
      io.stderr(`error: ${sanitize(error.message)}\n`);
      return 1;
    }
    throw error;
  }
}
