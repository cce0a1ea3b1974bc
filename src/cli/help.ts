import { GLOBAL_OPTIONS, type OptionSpecs } from './args.js';
import type { Command } from './command.js';

export const PROGRAM = 'npm run cli --';
const WIDTH = 100;

/** Words wrapped to `width`, every line after the first indented by `indent`. */
function wrap(text: string, indent: number, width = WIDTH): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** Two columns: the left ones padded to one width, the right ones wrapped under themselves. */
function columns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.min(Math.max(...rows.map(([left]) => left.length)), 48);
  return rows.map(([left, right]) => {
    if (left.length > width) return `  ${left}\n${' '.repeat(width + 4)}${wrap(right, width + 4)}`;
    return `  ${left.padEnd(width)}  ${wrap(right, width + 4)}`;
  }).join('\n');
}

function optionRows(specs: OptionSpecs): [string, string][] {
  return Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short === undefined ? '' : `-${spec.short}, `}--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    return [flag, spec.description];
  });
}

export function commandUsage(command: Command): string {
  const args = command.arguments.map((name) => ` <${name}>`).join('');
  return `${command.name}${args}${Object.keys(command.options).length > 0 ? ' [options]' : ''}`;
}

const GLOBAL_SECTION = `Global options (any command):\n${columns(optionRows(GLOBAL_OPTIONS))}`;

/** The overview: every command, the global options, the environment, output and exit status. */
export function overview(commands: readonly Command[]): string {
  return [
    `Usage: ${PROGRAM} <command> [arguments] [options]`,
    '',
    wrap('Manages the authorization server through its admin API (<url>/admin/...): clients, initial access tokens, signing keys and the audit trail.', 0),
    '',
    'Commands:',
    columns([
      ...commands.map((command) => [commandUsage(command), command.summary] as const),
      ['help [<command>]', 'Show this help, or a command\'s arguments and options (also: <command> --help)'],
    ]),
    '',
    GLOBAL_SECTION,
    '',
    'Environment:',
    columns([
      ['ADMIN_URL', 'The server\'s base URL when --url is not given'],
      ['PORT', 'The port of the default URL http://localhost:$PORT (3000 when unset)'],
      ['ADMIN_TOKEN', 'The admin token when --token is not given; of a comma-separated list, the first'],
    ]),
    '',
    wrap('Output: aligned tables for people; with --json, the API\'s JSON response, pretty-printed, for scripts '
      + `(use npm -s so that npm's banner stays out: npm run -s cli -- clients list --json). Secrets are printed only when the `
      + 'API has just issued them, once: a new client\'s secret and registration access token, a rotated secret, a reissued '
      + 'registration access token, a new initial access token.', 0),
    '',
    wrap('Exit status: 0 on success; 1 when the request fails (the API\'s refusal, printed to stderr as "error: <error>: '
      + '<error_description>", or a server that cannot be reached); 2 for a usage error (unknown command or option, missing '
      + 'or invalid argument, no token).', 0),
    '',
    'Examples:',
    `  ${PROGRAM} clients create --name "Partner app" --grant-types client_credentials --scope orders:read`,
    `  ${PROGRAM} clients list --limit 20`,
    `  ${PROGRAM} clients update <client_id> --name "Partner app v2"`,
    `  ${PROGRAM} clients update <client_id> --metadata '{"client_uri": null}'`,
    `  ${PROGRAM} clients rotate-secret <client_id> --grace-period 3600`,
    `  ${PROGRAM} iat create --expires-in 86400 --max-uses 5 --policies default`,
    `  ${PROGRAM} audit --client-id <client_id>`,
    `  npm run -s cli -- clients list --all --json`,
    '',
    `Run "${PROGRAM} help <command>" (e.g. help clients create) for a command's options.`,
  ].join('\n');
}

/** A command group's subcommands ("clients"). */
export function groupHelp(group: string, commands: readonly Command[]): string {
  const members = commands.filter((command) => command.name.startsWith(`${group} `));
  return [
    `Usage: ${PROGRAM} ${group} <subcommand> [arguments] [options]`,
    '',
    'Subcommands:',
    columns(members.map((command) => [commandUsage(command), command.summary] as const)),
    '',
    `Run "${PROGRAM} help ${group} <subcommand>" for its options.`,
  ].join('\n');
}

/** One command's help: what it does, its arguments and options. */
export function commandHelp(command: Command): string {
  const description = command.description.split('\n\n').map((paragraph) => wrap(paragraph, 0)).join('\n\n');
  const sections = [`Usage: ${PROGRAM} ${commandUsage(command)}`, '', description];
  if (Object.keys(command.options).length > 0) sections.push('', 'Options:', columns(optionRows(command.options)));
  sections.push('', GLOBAL_SECTION);
  return sections.join('\n');
}
