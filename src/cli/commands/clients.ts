import { segment } from '../api.js';
import { UsageError, type OptionSpecs, type Options } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { asRecord, cell, details, epochTime, records, table } from '../format.js';

/** Flags that set client metadata, shared by create and update (the client id aside). */
const METADATA_OPTIONS: OptionSpecs = {
  name: { type: 'string', value: 'NAME', description: 'client_name' },
  'grant-types': { type: 'string', value: 'G1,G2', description: 'grant_types, comma-separated (e.g. client_credentials or authorization_code)' },
  scope: { type: 'string', value: '"S1 S2"', description: 'scope: the space-separated scopes the client may request' },
  'auth-method': {
    type: 'string', value: 'METHOD',
    description: 'token_endpoint_auth_method: client_secret_basic (the default), client_secret_post, private_key_jwt or none',
  },
  'redirect-uris': { type: 'string', value: 'U1,U2', description: 'redirect_uris, comma-separated' },
  profile: {
    type: 'string', value: 'JSON',
    description: 'profile: custom attributes, a JSON object (or @file holding one), that claim expressions read as app.profile.<key>',
  },
  metadata: {
    type: 'string', value: 'JSON',
    description: 'Any client metadata (RFC 7591 names) as a JSON object, or @file holding one; the flags above override its members',
  },
};

const CREATE_OPTIONS: OptionSpecs = {
  ...METADATA_OPTIONS,
  'client-id': { type: 'string', value: 'ID', description: 'client_id: choose the id (e.g. when migrating) instead of a generated one' },
};

/** The request body the flags describe: --metadata as the base, each flag overriding its member. */
function metadataFromOptions(options: Options, { withClientId }: { withClientId: boolean }): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ...(options.jsonObject('metadata') ?? {}) };
  const set = (member: string, value: unknown) => {
    if (value !== undefined) metadata[member] = value;
  };
  set('client_name', options.string('name'));
  set('grant_types', options.list('grant-types'));
  set('scope', options.string('scope'));
  set('token_endpoint_auth_method', options.string('auth-method'));
  set('redirect_uris', options.list('redirect-uris'));
  set('profile', options.jsonObject('profile'));
  if (withClientId) set('client_id', options.string('client-id'));
  return metadata;
}

/** A client's metadata, one member per line, times readable. */
function renderClient(client: Record<string, unknown>): string {
  return details(Object.entries(client).map(([member, value]) => {
    if (member === 'client_id_issued_at') return [member, epochTime(value)] as const;
    if (member === 'client_secret_expires_at') return [member, epochTime(value, 'never')] as const;
    return [member, cell(value)] as const;
  }));
}

const clientColumns = [
  { header: 'client_id', value: (client: Record<string, unknown>) => cell(client.client_id) },
  { header: 'client_name', value: (client: Record<string, unknown>) => cell(client.client_name) },
  { header: 'grant_types', value: (client: Record<string, unknown>) => cell(client.grant_types) },
  { header: 'scope', value: (client: Record<string, unknown>) => cell(client.scope) },
  { header: 'created', value: (client: Record<string, unknown>) => epochTime(client.client_id_issued_at) },
];

const SHOWN_ONCE = 'Store the secret and the token now: they are not shown again.';

const create: Command = {
  name: 'clients create',
  summary: 'Create a client; prints its credentials (shown once)',
  description: 'Creates a client (POST /admin/clients) from --metadata and the flags, under the admin API\'s policy.\n'
    + 'Prints client_id, client_secret, registration_access_token and registration_client_uri: the secret and\n'
    + 'the registration access token are shown only this once (with --json: the whole response).',
  arguments: [],
  options: CREATE_OPTIONS,
  async run({ api, options, output }: CommandContext) {
    const body = metadataFromOptions(options, { withClientId: true });
    const created = asRecord(await api.request('POST', '/clients', { body }));
    output(created, () => {
      const members = ['client_id', 'client_secret', 'registration_access_token', 'registration_client_uri'].filter((member) => created[member] !== undefined);
      const secrets = created.client_secret === undefined ? 'Store the registration access token now: it is not shown again.' : SHOWN_ONCE;
      return `${details(members.map((member) => [member, cell(created[member])] as const))}\n\n${secrets}`;
    });
  },
};

const list: Command = {
  name: 'clients list',
  summary: 'List clients, oldest first (a page at a time, or --all)',
  description: 'Lists clients (GET /admin/clients), oldest first, without their secrets: client_id, client_name, grant_types,\n'
    + 'scope and creation time. When there are more, prints the cursor of the next page (--json: next_cursor,\n'
    + 'null on the last page); --all follows the cursors and prints every client (--json: all of them in\n'
    + '"clients", next_cursor null).',
  arguments: [],
  options: {
    limit: { type: 'string', value: 'N', description: 'Clients per page, 1 to 200 (default 50)' },
    cursor: { type: 'string', value: 'CURSOR', description: 'Start after this cursor (printed by the previous page)' },
    name: { type: 'string', value: 'NAME', description: 'Only clients whose client_name is exactly NAME' },
    'software-id': { type: 'string', value: 'ID', description: 'Only clients whose software_id is exactly ID' },
    all: { type: 'boolean', description: 'Fetch every page' },
  },
  async run({ api, options, output }: CommandContext) {
    const query = {
      limit: options.integer('limit', 1),
      cursor: options.string('cursor'),
      client_name: options.string('name'),
      software_id: options.string('software-id'),
    };
    let page = asRecord(await api.request('GET', '/clients', { query }));
    if (options.flag('all')) {
      const clients = records(page, 'clients');
      while (typeof page.next_cursor === 'string') {
        page = asRecord(await api.request('GET', '/clients', { query: { ...query, cursor: page.next_cursor } }));
        clients.push(...records(page, 'clients'));
      }
      page = { clients, next_cursor: null };
    }
    output(page, () => {
      const clients = records(page, 'clients');
      const lines = [clients.length === 0 ? 'No clients.' : table(clientColumns, clients)];
      if (typeof page.next_cursor === 'string') lines.push('', `More: --cursor ${page.next_cursor} (or --all)`);
      return lines.join('\n');
    });
  },
};

const show: Command = {
  name: 'clients show',
  summary: 'Show a client\'s metadata (never its secret)',
  description: 'Shows a client\'s registered metadata (GET /admin/clients/<client_id>), without its secret.',
  arguments: ['client_id'],
  options: {},
  async run({ api, args, output }: CommandContext) {
    const client = asRecord(await api.request('GET', `/clients/${segment(args[0]!)}`));
    output(client, () => renderClient(client));
  },
};

const update: Command = {
  name: 'clients update',
  summary: 'Change a client: merge the given metadata (or --replace it all)',
  description: 'Changes a client. By default sends the metadata from --metadata and the flags as a JSON Merge Patch\n'
    + '(RFC 7396; PATCH /admin/clients/<client_id>): the members given change, a null in --metadata removes\n'
    + 'one, the rest stay. With --replace, that metadata replaces the registration entirely (PUT): members not\n'
    + 'given return to their defaults. The secret and the registration access token stay. Prints the client.',
  arguments: ['client_id'],
  options: {
    ...METADATA_OPTIONS,
    replace: { type: 'boolean', description: 'Replace all the metadata (PUT) instead of merging (PATCH)' },
  },
  async run({ api, args, options, output }: CommandContext) {
    const body = metadataFromOptions(options, { withClientId: false });
    if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give --metadata or a metadata flag');
    const path = `/clients/${segment(args[0]!)}`;
    const client = asRecord(options.flag('replace')
      ? await api.request('PUT', path, { body })
      : await api.request('PATCH', path, { body, contentType: 'application/merge-patch+json' }));
    output(client, () => renderClient(client));
  },
};

const remove: Command = {
  name: 'clients delete',
  summary: 'Delete a client and everything issued to it',
  description: 'Deletes a client and everything issued to it (DELETE /admin/clients/<client_id>). Prints nothing with --json.',
  arguments: ['client_id'],
  options: {},
  async run({ api, args, output }: CommandContext) {
    await api.request('DELETE', `/clients/${segment(args[0]!)}`);
    output(undefined, () => `Deleted client ${cell(args[0])}.`);
  },
};

const rotateSecret: Command = {
  name: 'clients rotate-secret',
  summary: 'Issue a new client secret (shown once)',
  description: 'Issues a new client secret (POST /admin/clients/<client_id>/secret) and prints it: it is shown only this\n'
    + 'once. The old secret stops working at once, or after --grace-period seconds.',
  arguments: ['client_id'],
  options: {
    'grace-period': { type: 'string', value: 'SECONDS', description: 'Seconds the old secret keeps working, up to 2592000 (30 days); default 0' },
  },
  async run({ api, args, options, output }: CommandContext) {
    const gracePeriod = options.integer('grace-period');
    const rotated = asRecord(await api.request('POST', `/clients/${segment(args[0]!)}/secret`, {
      body: gracePeriod === undefined ? {} : { grace_period: gracePeriod },
    }));
    output(rotated, () => [
      details([
        ['client_id', cell(rotated.client_id)],
        ['client_secret', cell(rotated.client_secret)],
        ['client_secret_expires_at', epochTime(rotated.client_secret_expires_at, 'never')],
      ]),
      '',
      'Store the secret now: it is not shown again.',
      gracePeriod ? `The old secret keeps working for ${gracePeriod} s.` : 'The old secret no longer works.',
    ].join('\n'));
  },
};

const reissueRegistrationToken: Command = {
  name: 'clients reissue-registration-token',
  summary: 'Issue a new registration access token (shown once)',
  description: 'Issues a new registration access token for RFC 7592 client management\n'
    + '(POST /admin/clients/<client_id>/registration-access-token) and prints it: it is shown only this once,\n'
    + 'and the old ones stop working.',
  arguments: ['client_id'],
  options: {},
  async run({ api, args, output }: CommandContext) {
    const reissued = asRecord(await api.request('POST', `/clients/${segment(args[0]!)}/registration-access-token`));
    output(reissued, () => [
      details(['client_id', 'registration_access_token', 'registration_client_uri'].map((member) => [member, cell(reissued[member])] as const)),
      '',
      'Store the token now: it is not shown again. The previous token no longer works.',
    ].join('\n'));
  },
};

export const clientCommands: readonly Command[] = [create, list, show, update, remove, rotateSecret, reissueRegistrationToken];
