import { segment } from '../api.js';
import type { Command, CommandContext } from '../command.js';
import { asRecord, cell, details, epochTime, records, table } from '../format.js';

const create: Command = {
  name: 'iat create',
  summary: 'Create an initial access token for self-registration (shown once)',
  description: 'Creates an initial access token (POST /admin/initial-access-tokens): the bearer token a client presents to\n'
    + 'register itself (RFC 7591). Prints its id, the token and when it expires: the token is shown only this once.',
  arguments: [],
  options: {
    'expires-in': { type: 'string', value: 'SECONDS', description: 'Seconds until it expires (default: never)' },
    'max-uses': { type: 'string', value: 'N', description: 'Registrations it allows (default: unlimited)' },
    policies: { type: 'string', value: 'P1,P2', description: 'Registration policies it grants, comma-separated; the first applies (default: default)' },
  },
  async run({ api, options, output }: CommandContext) {
    const body: Record<string, unknown> = {};
    const expiresIn = options.integer('expires-in', 1);
    const maxUses = options.integer('max-uses', 1);
    const policies = options.list('policies');
    if (expiresIn !== undefined) body.expires_in = expiresIn;
    if (maxUses !== undefined) body.max_uses = maxUses;
    if (policies !== undefined) body.policies = policies;
    const created = asRecord(await api.request('POST', '/initial-access-tokens', { body }));
    output(created, () => [
      details([
        ['id', cell(created.id)],
        ['initial_access_token', cell(created.initial_access_token)],
        ['expires_at', created.expires_at === null ? 'never' : epochTime(created.expires_at)],
      ]),
      '',
      'Store the token now: it is not shown again.',
    ].join('\n'));
  },
};

const list: Command = {
  name: 'iat list',
  summary: 'List initial access tokens (without their values)',
  description: 'Lists the initial access tokens (GET /admin/initial-access-tokens): id, policies, uses (of the maximum),\n'
    + 'expiry and creation time; never the tokens themselves.',
  arguments: [],
  options: {},
  async run({ api, output }: CommandContext) {
    const body = await api.request('GET', '/initial-access-tokens');
    output(body, () => {
      const tokens = records(body, 'initial_access_tokens');
      if (tokens.length === 0) return 'No initial access tokens.';
      return table([
        { header: 'id', value: (token) => cell(token.id) },
        { header: 'policies', value: (token) => cell(token.policies) },
        { header: 'uses', value: (token) => (token.max_uses === null || token.max_uses === undefined ? cell(token.uses) : `${cell(token.uses)}/${cell(token.max_uses)}`) },
        { header: 'expires', value: (token) => (token.expires_at === null ? 'never' : epochTime(token.expires_at)) },
        { header: 'created', value: (token) => epochTime(token.created_at) },
      ], tokens);
    });
  },
};

const revoke: Command = {
  name: 'iat revoke',
  summary: 'Revoke an initial access token',
  description: 'Revokes an initial access token (DELETE /admin/initial-access-tokens/<id>): it no longer registers clients;\n'
    + 'clients it registered stay. Prints nothing with --json.',
  arguments: ['id'],
  options: {},
  async run({ api, args, output }: CommandContext) {
    await api.request('DELETE', `/initial-access-tokens/${segment(args[0]!)}`);
    output(undefined, () => `Revoked initial access token ${cell(args[0])}.`);
  },
};

export const initialAccessTokenCommands: readonly Command[] = [create, list, revoke];
