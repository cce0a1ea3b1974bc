import { query } from '../api.js';
import { formatTime, onSubmit, alertRegion, pageHeading, type ConsoleContext } from '../context.js';
import { field, h, inputValue, table } from '../dom.js';
import { pager } from './clients.js';

interface AuditEvent {
  id: string;
  time: string;
  actor: string;
  action: string;
  outcome: 'success' | 'failure';
  client_id?: string;
  request_id?: string;
  detail?: string;
}

const ACTIONS = [
  'client.create', 'client.update', 'client.delete', 'client.secret.rotate', 'client.registration_access_token.reissue', 'initial_access_token.create',
  'initial_access_token.revoke', 'keys.rotate', 'user.create', 'user.update', 'user.delete', 'user.password.set', 'user.sessions.revoke', 'user.grant.revoke',
  'user.sign_in', 'user.lockout', 'admin.authenticate', 'konnect.authenticate', 'registration.authenticate',
];

export async function auditTrail(context: ConsoleContext): Promise<Node> {
  const filters = { action: context.params.get('action') ?? '', client_id: context.params.get('client_id') ?? '' };
  const cursor = context.params.get('cursor') ?? '';
  const page = await context.api.get<{ events: AuditEvent[]; next_cursor: string | null }>(`/audit${query({ limit: '25', ...filters, cursor })}`);
  const alert = alertRegion();
  const form = h('form', { class: 'search', role: 'search' },
    field('Action', h('input', { id: 'audit-action', value: filters.action, list: 'audit-actions', autocomplete: 'off' })),
    h('datalist', { id: 'audit-actions' }, ACTIONS.map((action) => h('option', { value: action }))),
    field('Client id', h('input', { id: 'audit-client', value: filters.client_id, autocomplete: 'off' })),
    h('button', { type: 'submit' }, 'Filter'),
    alert,
  );
  onSubmit(form, alert, async () => context.navigate(`#/audit${query({ action: inputValue(form, 'audit-action'), client_id: inputValue(form, 'audit-client') })}`));
  const rows = page.events.map((event) => [
    formatTime(event.time), event.actor, event.action, h('span', { class: `badge ${event.outcome}` }, event.outcome), event.client_id ?? '', event.detail ?? '',
  ]);
  return h('section', {},
    pageHeading('Audit trail'),
    form,
    rows.length === 0 ? h('p', { class: 'muted' }, 'No events.') : table(['Time', 'Actor', 'Action', 'Outcome', 'Client', 'Detail'], rows, 'Audit events, newest first'),
    pager('#/audit', filters, cursor, page.next_cursor),
  );
}
