import type { Command, CommandContext } from '../command.js';
import { asRecord, cell, records, table } from '../format.js';

const audit: Command = {
  name: 'audit',
  summary: 'Read the audit trail, newest first',
  description: 'Reads the audit trail (GET /admin/audit), newest first: time, action, outcome, actor, client_id,\n'
    + 'request_id and detail. When there are more, prints the cursor of the next page (--json: next_cursor).',
  arguments: [],
  options: {
    'client-id': { type: 'string', value: 'ID', description: 'Only events about this client' },
    action: { type: 'string', value: 'ACTION', description: 'Only this action, e.g. client.create, client.update, client.delete, client.secret.rotate, initial_access_token.create, admin.authenticate' },
    limit: { type: 'string', value: 'N', description: 'Events per page, 1 to 200 (default 50)' },
    cursor: { type: 'string', value: 'CURSOR', description: 'Continue after this cursor (printed by the previous page)' },
  },
  async run({ api, options, output }: CommandContext) {
    const page = asRecord(await api.request('GET', '/audit', {
      query: {
        client_id: options.string('client-id'),
        action: options.string('action'),
        limit: options.integer('limit', 1),
        cursor: options.string('cursor'),
      },
    }));
    output(page, () => {
      const events = records(page, 'events');
      const lines = [events.length === 0 ? 'No events.' : table([
        { header: 'time', value: (event) => cell(event.time) },
        { header: 'action', value: (event) => cell(event.action) },
        { header: 'outcome', value: (event) => cell(event.outcome) },
        { header: 'actor', value: (event) => cell(event.actor) },
        { header: 'client_id', value: (event) => cell(event.client_id) },
        { header: 'request_id', value: (event) => cell(event.request_id) },
        { header: 'detail', value: (event) => cell(event.detail) },
      ], events)];
      if (typeof page.next_cursor === 'string') lines.push('', `More: --cursor ${page.next_cursor}`);
      return lines.join('\n');
    });
  },
};

export const auditCommands: readonly Command[] = [audit];
