import { segment } from '../api.js';
import { UsageError, type OptionSpecs, type Options } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { asRecord, cell, details, records, table } from '../format.js';

/** OpenID Connect's other profile claims: flag, API member, placeholder. */
const PROFILE_CLAIM_FLAGS = [
  ['middle-name', 'middle_name', 'NAME'], ['nickname', 'nickname', 'NAME'], ['profile-url', 'profile_url', 'URL'], ['picture', 'picture', 'URL'],
  ['website', 'website', 'URL'], ['gender', 'gender', 'GENDER'], ['birthdate', 'birthdate', 'YYYY-MM-DD'], ['zoneinfo', 'zoneinfo', 'ZONE'],
  ['locale', 'locale', 'LOCALE'],
] as const;

/** Flags that set a user's attributes, shared by create and update. */
const ATTRIBUTE_OPTIONS: OptionSpecs = {
  email: { type: 'string', value: 'EMAIL', description: 'email' },
  'email-verified': { type: 'boolean', description: 'email_verified: the address is known to be the user\'s' },
  name: { type: 'string', value: 'NAME', description: 'name (the full name)' },
  'given-name': { type: 'string', value: 'NAME', description: 'given_name' },
  'family-name': { type: 'string', value: 'NAME', description: 'family_name' },
  ...Object.fromEntries(PROFILE_CLAIM_FLAGS.map(([flag, member, value]) => [flag, { type: 'string', value, description: member } as const])),
  'phone-number': { type: 'string', value: 'PHONE', description: 'phone_number (E.164, such as +15550100, is what OpenID Connect recommends)' },
  'phone-number-verified': { type: 'boolean', description: 'phone_number_verified: the number is known to be the user\'s' },
  address: {
    type: 'string', value: 'JSON',
    description: 'address: a JSON object of formatted, street_address, locality, region, postal_code, country (or @file holding one)',
  },
  groups: { type: 'string', value: 'G1,G2', description: 'groups, comma-separated' },
  profile: { type: 'string', value: 'JSON', description: 'profile: free-form attributes, a JSON object (or @file holding one)' },
};

const PASSWORD_OPTION: OptionSpecs = {
  'password-env': {
    type: 'string', value: 'VARIABLE',
    description: 'Read the password from this environment variable (never from the command line, where other users and the shell history see it)',
  },
};

function attributesFromOptions(options: Options): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  const set = (member: string, value: unknown) => {
    if (value !== undefined) attributes[member] = value;
  };
  set('email', options.string('email'));
  if (options.flag('email-verified')) attributes.email_verified = true;
  set('name', options.string('name'));
  set('given_name', options.string('given-name'));
  set('family_name', options.string('family-name'));
  for (const [flag, member] of PROFILE_CLAIM_FLAGS) set(member, options.string(flag));
  set('phone_number', options.string('phone-number'));
  if (options.flag('phone-number-verified')) attributes.phone_number_verified = true;
  set('address', options.jsonObject('address'));
  set('groups', options.list('groups'));
  set('profile', options.jsonObject('profile'));
  return attributes;
}

function passwordFrom({ options, env }: CommandContext, required: boolean): string | undefined {
  const variable = options.string('password-env');
  if (variable === undefined) {
    if (required) throw new UsageError('--password-env VARIABLE is required: the password is read from that environment variable');
    return undefined;
  }
  const password = env[variable];
  if (password === undefined || password === '') throw new UsageError(`the environment variable ${variable} (--password-env) is not set`);
  return password;
}

function renderUser(user: Record<string, unknown>): string {
  return details(Object.entries(user).map(([member, value]) => [member, cell(value)] as const));
}

const userColumns = [
  { header: 'id', value: (user: Record<string, unknown>) => cell(user.id) },
  { header: 'username', value: (user: Record<string, unknown>) => cell(user.username) },
  { header: 'email', value: (user: Record<string, unknown>) => cell(user.email) },
  { header: 'groups', value: (user: Record<string, unknown>) => cell(user.groups) },
  { header: 'disabled', value: (user: Record<string, unknown>) => cell(user.disabled) },
];

const create: Command = {
  name: 'users create',
  summary: 'Create a user (with a password read from an environment variable)',
  description: 'Creates a user (POST /admin/users) and prints it with its id (the sub of its tokens); never the password.\n'
    + 'Without --password-env the user cannot sign in until a password is set (users set-password).',
  arguments: ['username'],
  options: { ...ATTRIBUTE_OPTIONS, ...PASSWORD_OPTION },
  async run(context: CommandContext) {
    const password = passwordFrom(context, false);
    const body = { username: context.args[0], ...attributesFromOptions(context.options), ...(password === undefined ? {} : { password }) };
    const user = asRecord(await context.api.request('POST', '/users', { body }));
    context.output(user, () => renderUser(user));
  },
};

const list: Command = {
  name: 'users list',
  summary: 'List users, oldest first (a page at a time, or --all)',
  description: 'Lists users (GET /admin/users): id, username, email, groups, disabled. When there are more, prints the\n'
    + 'cursor of the next page; --all follows the cursors.',
  arguments: [],
  options: {
    limit: { type: 'string', value: 'N', description: 'Users per page, 1 to 200 (default 50)' },
    cursor: { type: 'string', value: 'CURSOR', description: 'Start after this cursor (printed by the previous page)' },
    username: { type: 'string', value: 'NAME', description: 'Only the user with this username (any letter case)' },
    email: { type: 'string', value: 'EMAIL', description: 'Only users with this email (any letter case)' },
    group: { type: 'string', value: 'GROUP', description: 'Only members of this group' },
    all: { type: 'boolean', description: 'Fetch every page' },
  },
  async run({ api, options, output }: CommandContext) {
    const query = {
      limit: options.integer('limit', 1), cursor: options.string('cursor'),
      username: options.string('username'), email: options.string('email'), group: options.string('group'),
    };
    let page = asRecord(await api.request('GET', '/users', { query }));
    if (options.flag('all')) {
      const users = records(page, 'users');
      while (typeof page.next_cursor === 'string') {
        page = asRecord(await api.request('GET', '/users', { query: { ...query, cursor: page.next_cursor } }));
        users.push(...records(page, 'users'));
      }
      page = { users, next_cursor: null };
    }
    output(page, () => {
      const users = records(page, 'users');
      const listed = users.length === 0 ? 'No users.' : table(userColumns, users);
      return typeof page.next_cursor === 'string' ? `${listed}\n\nMore: --cursor ${page.next_cursor}` : listed;
    });
  },
};

const get: Command = {
  name: 'users get',
  summary: 'Show a user',
  description: 'Shows a user (GET /admin/users/<id>); never its password or hash.',
  arguments: ['id'],
  options: {},
  async run({ api, args, output }: CommandContext) {
    const user = asRecord(await api.request('GET', `/users/${segment(args[0]!)}`));
    output(user, () => renderUser(user));
  },
};

const update: Command = {
  name: 'users update',
  summary: 'Change a user\'s attributes (JSON Merge Patch)',
  description: 'Changes the given attributes of a user (PATCH /admin/users/<id>, a JSON Merge Patch) and prints it.',
  arguments: ['id'],
  options: { ...ATTRIBUTE_OPTIONS, username: { type: 'string', value: 'NAME', description: 'A new username' } },
  async run({ api, args, options, output }: CommandContext) {
    const patch = attributesFromOptions(options);
    const username = options.string('username');
    if (username !== undefined) patch.username = username;
    if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one attribute flag');
    const user = asRecord(await api.request('PATCH', `/users/${segment(args[0]!)}`, { body: patch, contentType: 'application/merge-patch+json' }));
    output(user, () => renderUser(user));
  },
};

const setDisabled = (disabled: boolean): Command => ({
  name: disabled ? 'users disable' : 'users enable',
  summary: disabled ? 'Disable a user (ends its sessions; it cannot sign in)' : 'Enable a disabled user',
  description: `${disabled ? 'Disables' : 'Enables'} a user (PATCH /admin/users/<id> with {"disabled": ${disabled}})`
    + `${disabled ? ': its sessions, grants and refresh tokens end, and it cannot sign in until enabled' : ''}.`,
  arguments: ['id'],
  options: {},
  async run({ api, args, output }: CommandContext) {
    const user = asRecord(await api.request('PATCH', `/users/${segment(args[0]!)}`, { body: { disabled }, contentType: 'application/merge-patch+json' }));
    output(user, () => `${disabled ? 'Disabled' : 'Enabled'} user ${cell(user.username)} (${cell(user.id)}).`);
  },
});

const remove: Command = {
  name: 'users delete',
  summary: 'Delete a user, with its sessions, grants and refresh tokens',
  description: 'Deletes a user (DELETE /admin/users/<id>) and everything issued to it that the server keeps.',
  arguments: ['id'],
  options: {},
  async run({ api, args, output }: CommandContext) {
    await api.request('DELETE', `/users/${segment(args[0]!)}`);
    output(undefined, () => `Deleted user ${cell(args[0])}.`);
  },
};

const setPassword: Command = {
  name: 'users set-password',
  summary: 'Set a user\'s password (read from an environment variable)',
  description: 'Sets a user\'s password (POST /admin/users/<id>/password); the user\'s sessions, grants and refresh tokens end.\n'
    + 'The password is read from the environment variable named by --password-env.',
  arguments: ['id'],
  options: PASSWORD_OPTION,
  async run(context: CommandContext) {
    const password = passwordFrom(context, true);
    await context.api.request('POST', `/users/${segment(context.args[0]!)}/password`, { body: { password } });
    context.output(undefined, () => `Password set for user ${cell(context.args[0])}.`);
  },
};

export const userCommands: readonly Command[] = [create, list, get, update, setDisabled(true), setDisabled(false), remove, setPassword];
