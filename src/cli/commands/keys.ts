import type { Command, CommandContext } from '../command.js';
import { asRecord, cell, records, table, type Column } from '../format.js';

type Key = Record<string, unknown>;

const keyColumns: Column<Key>[] = [
  { header: 'kid', value: (key) => cell(key.kid) },
  { header: 'alg', value: (key) => cell(key.alg) },
  { header: 'generation', value: (key) => cell(key.generation) },
  { header: 'state', value: (key) => cell(key.state) },
  { header: 'published', value: (key) => cell(key.published_at) },
  { header: 'activates', value: (key) => cell(key.activate_at) },
  { header: 'retires', value: (key) => cell(key.retire_at) },
  { header: 'removed', value: (key) => cell(key.remove_at) },
];

const list: Command = {
  name: 'keys list',
  summary: 'List the signing keys and their schedule',
  description: 'Lists the signing keys (GET /admin/keys): published, signing (active) or retired, with when each\n'
    + 'was published, starts signing, retires and leaves the JWKS. Never the private keys.',
  arguments: [],
  options: {},
  async run({ api, output }: CommandContext) {
    const body = await api.request('GET', '/keys');
    output(body, () => {
      const keys = records(body, 'keys');
      return keys.length === 0 ? 'No keys.' : table(keyColumns, keys);
    });
  },
};

const rotate: Command = {
  name: 'keys rotate',
  summary: 'Rotate the signing keys (all algorithms in use, or --alg)',
  description: 'Rotates signing keys (POST /admin/keys/rotate): publishes a new key now, which signs after\n'
    + 'keys.prePublishSeconds; the key it replaces stays published until its tokens expire. Prints the new\n'
    + 'keys and the ones they replace.',
  arguments: [],
  options: {
    alg: { type: 'string', value: 'ALG', description: 'Rotate only this algorithm\'s key: RS256, ES256 or EdDSA (default: every algorithm in use)' },
  },
  async run({ api, options, output }: CommandContext) {
    const alg = options.string('alg');
    const body = await api.request('POST', '/keys/rotate', { body: alg === undefined ? {} : { alg } });
    output(body, () => {
      const rows = records(body, 'rotations').flatMap((rotation) => [
        { role: 'new', key: asRecord(rotation.next) },
        ...records(rotation, 'previous').map((key) => ({ role: 'replaced', key })),
      ]);
      return table([{ header: 'role', value: (row: { role: string; key: Key }) => row.role }, ...keyColumns.map((column) => ({
        header: column.header, value: (row: { role: string; key: Key }) => column.value(row.key),
      }))], rows);
    });
  },
};

export const keyCommands: readonly Command[] = [list, rotate];
