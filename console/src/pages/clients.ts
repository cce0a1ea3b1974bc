import { ApiFailure, query } from '../api.js';
import { actionButton, alertRegion, confirmButton, formatTime, link, onSubmit, pageHeading, shownOnce, type ConsoleContext } from '../context.js';
import { checkbox, details, field, h, inputValue, isChecked, table } from '../dom.js';

export interface Client {
  client_id: string;
  client_name?: string;
  grant_types?: string[];
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  scope?: string;
  token_endpoint_auth_method?: string;
  client_id_issued_at?: number;
  client_secret_expires_at?: number;
  self_management?: boolean;
  [member: string]: unknown;
}

interface Created extends Client {
  client_secret?: string;
  registration_access_token?: string;
}

const GRANT_TYPES = ['client_credentials', 'authorization_code', 'refresh_token'];
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
/** What the form edits; everything else the API accepts goes through the JSON box below it. */
const FORM_MEMBERS = ['client_name', 'grant_types', 'token_endpoint_auth_method', 'redirect_uris', 'post_logout_redirect_uris', 'scope', 'self_management'];
/** What the server sets: shown, never sent back. */
const READ_ONLY_MEMBERS = ['client_id', 'client_id_issued_at', 'client_secret_expires_at', 'registration_client_uri', 'software_id_verified'];
const usesSecret = (client: Client) => ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'].includes(client.token_endpoint_auth_method ?? 'client_secret_basic');
const clientPath = (clientId: string) => `/clients/${encodeURIComponent(clientId)}`;
const clientRoute = (clientId: string) => `#/clients/${encodeURIComponent(clientId)}`;

export async function clientList(context: ConsoleContext): Promise<Node> {
  const name = context.params.get('client_name') ?? '';
  const cursor = context.params.get('cursor') ?? '';
  const page = await context.api.get<{ clients: Client[]; next_cursor: string | null }>(`/clients${query({ limit: '20', client_name: name, cursor })}`);

  const alert = alertRegion();
  const search = h('input', { id: 'client-search', type: 'search', value: name, maxlength: 255, autocomplete: 'off' });
  const form = onSubmit(h('form', { class: 'search', role: 'search' }, field('Client name or client id', search), h('button', { type: 'submit' }, 'Search'), alert), alert, async () => {
    const term = search.value.trim();
    if (term === '') return context.navigate('#/clients');
    // A client id opens that client; anything else is a client name (matched exactly).
    try {
      await context.api.get(clientPath(term));
      return context.navigate(clientRoute(term));
    } catch (error) {
      if (!(error instanceof ApiFailure) || (error.status !== 404 && error.status !== 400)) throw error;
    }
    context.navigate(`#/clients${query({ client_name: term })}`);
  });

  const rows = page.clients.map((client) => [
    link(clientRoute(client.client_id), client.client_name ?? client.client_id),
    h('code', {}, client.client_id),
    (client.grant_types ?? []).join(', '),
    formatTime(client.client_id_issued_at),
  ]);
  return h('section', {},
    pageHeading('Clients', context.canChange && link('#/clients/new', 'Create client')),
    form,
    name ? h('p', {}, `Clients named “${name}”. `, link('#/clients', 'Show all')) : null,
    rows.length === 0 ? h('p', { class: 'muted' }, 'No clients.') : table(['Name', 'Client id', 'Grant types', 'Created'], rows, 'Clients'),
    pager('#/clients', { client_name: name }, cursor, page.next_cursor),
  );
}

/** Keyset paging: the first page, and the next one when the API says there is one. */
export function pager(route: string, filters: Record<string, string>, cursor: string, next: string | null): HTMLElement {
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    cursor ? link(`${route}${query(filters)}`, 'First page') : null,
    next ? link(`${route}${query({ ...filters, cursor: next })}`, 'Next page') : null);
}

export async function clientView(context: ConsoleContext, clientId: string): Promise<Node> {
  const client = await context.api.get<Client>(clientPath(clientId));
  const alert = alertRegion();
  const result = h('div', { class: 'result' });
  const rotate = actionButton('Rotate secret', alert, async () => {
    const rotated = await context.api.send<{ client_secret: string }>('POST', `${clientPath(clientId)}/secret`, { grace_period: 0 });
    result.replaceChildren(shownOnce('New client secret', rotated.client_secret));
    context.announce('The client secret was rotated. The old secret no longer works.');
  });
  const reissue = actionButton('Reissue registration access token', alert, async () => {
    const issued = await context.api.send<{ registration_access_token: string }>('POST', `${clientPath(clientId)}/registration-access-token`);
    result.replaceChildren(shownOnce('New registration access token', issued.registration_access_token));
    context.announce('A new registration access token was issued. The previous one no longer works.');
  });
  const remove = confirmButton('Delete client', 'Its tokens, grants and registration stop working.', alert, async () => {
    await context.api.send('DELETE', clientPath(clientId));
    context.announce(`Client ${client.client_name ?? clientId} deleted.`);
    context.navigate('#/clients');
  });
  return h('section', {},
    pageHeading(client.client_name ?? client.client_id, context.canChange && link(`${clientRoute(clientId)}/edit`, 'Edit')),
    details([
      ['Client id', h('code', {}, client.client_id)],
      ['Authentication', client.token_endpoint_auth_method ?? 'client_secret_basic'],
      ['Grant types', (client.grant_types ?? []).join(', ')],
      ['Scope', client.scope],
      ['Redirect URIs', (client.redirect_uris ?? []).map((uri) => h('div', {}, uri))],
      ['Self-management (RFC 7592)', client.self_management ? 'on' : 'off'],
      ['Created', formatTime(client.client_id_issued_at)],
      ['Secret expires', client.client_secret_expires_at ? formatTime(client.client_secret_expires_at) : 'never'],
    ]),
    context.canChange ? h('div', { class: 'actions' }, usesSecret(client) ? rotate : null, client.self_management ? reissue : null, remove) : null,
    alert,
    result,
    h('details', {}, h('summary', {}, 'All metadata (JSON)'), h('pre', {}, JSON.stringify(client, null, 2))),
  );
}

export async function clientEditor(context: ConsoleContext, clientId?: string): Promise<Node> {
  const existing = clientId === undefined ? undefined : await context.api.get<Client>(clientPath(clientId));
  const others = Object.fromEntries(Object.entries(existing ?? {}).filter(([member]) => !FORM_MEMBERS.includes(member) && !READ_ONLY_MEMBERS.includes(member)));
  const grantTypes = existing?.grant_types ?? ['client_credentials'];
  const alert = alertRegion();
  const result = h('div', { class: 'result' });
  const method = h('select', { id: 'token_endpoint_auth_method' }, AUTH_METHODS.map((value) =>
    h('option', { value, selected: (existing?.token_endpoint_auth_method ?? 'client_secret_basic') === value }, value)));
  const form = h('form', { class: 'stack' },
    field('Name', h('input', { id: 'client_name', value: existing?.client_name ?? '', maxlength: 255, autocomplete: 'off' })),
    h('fieldset', {}, h('legend', {}, 'Grant types'), GRANT_TYPES.map((grant) => checkbox(`grant-${grant}`, grant, grantTypes.includes(grant)))),
    field('Client authentication', method, 'none: a public client (a browser or native app), which must use PKCE.'),
    field('Redirect URIs', h('textarea', { id: 'redirect_uris', rows: 3 }, (existing?.redirect_uris ?? []).join('\n')), 'One per line; for the authorization code flow.'),
    field('Post-logout redirect URIs', h('textarea', { id: 'post_logout_redirect_uris', rows: 2 }, (existing?.post_logout_redirect_uris ?? []).join('\n')), 'One per line.'),
    field('Scope', h('input', { id: 'scope', value: existing?.scope ?? '', maxlength: 2000, autocomplete: 'off' }), 'Space-separated, e.g. openid profile orders:read.'),
    // A new client gets what the admin API gives one that does not say: self-management on.
    checkbox('self_management', 'Allow self-management (RFC 7592 registration access token)', existing?.self_management ?? true),
    field('Other metadata (JSON object)', h('textarea', { id: 'other', rows: 6, spellcheck: 'false', class: 'code' }, JSON.stringify(others, null, 2)),
      'Any other member the admin API accepts (allowed_resources, jwks_uri, contacts, ...). See /admin/openapi.json.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, existing ? 'Save' : 'Create client'), link(existing ? clientRoute(existing.client_id) : '#/clients', 'Cancel')),
    alert,
  );
  onSubmit(form, alert, async () => {
    const metadata = buildMetadata(form);
    if (existing) {
      const saved = await context.api.send<Created>('PUT', clientPath(existing.client_id), metadata);
      if (saved.client_secret) {
        // The change needed a secret (a public client became a confidential one): shown once, here.
        context.announce('Client saved. It has a new secret.');
        form.replaceWith(h('div', {}, h('p', {}, 'Saved ', link(clientRoute(existing.client_id), saved.client_name ?? existing.client_id), '.'),
          shownOnce('Client secret', saved.client_secret)));
        return;
      }
      context.announce('Client saved.');
      context.navigate(clientRoute(existing.client_id));
      return;
    }
    const created = await context.api.send<Created>('POST', '/clients', metadata);
    context.announce(`Client ${created.client_name ?? created.client_id} created.`);
    form.replaceWith(h('div', {},
      h('p', {}, 'Created ', link(clientRoute(created.client_id), created.client_name ?? created.client_id), '. Client id: ', h('code', {}, created.client_id)),
      created.client_secret ? shownOnce('Client secret', created.client_secret) : null,
      created.registration_access_token ? shownOnce('Registration access token', created.registration_access_token) : null,
    ));
  });
  return h('section', {}, pageHeading(existing ? `Edit ${existing.client_name ?? existing.client_id}` : 'Create client'), form, result);
}

function buildMetadata(form: HTMLFormElement): Record<string, unknown> {
  let others: unknown;
  try {
    others = JSON.parse(inputValue(form, 'other') || '{}');
  } catch {
    throw new Error('Other metadata is not valid JSON.');
  }
  if (others === null || typeof others !== 'object' || Array.isArray(others)) throw new Error('Other metadata must be a JSON object.');
  const lines = (id: string) => inputValue(form, id).split('\n').map((line) => line.trim()).filter(Boolean);
  const metadata: Record<string, unknown> = {
    ...others,
    grant_types: GRANT_TYPES.filter((grant) => isChecked(form, `grant-${grant}`)),
    token_endpoint_auth_method: inputValue(form, 'token_endpoint_auth_method'),
    self_management: isChecked(form, 'self_management'),
  };
  const name = inputValue(form, 'client_name');
  if (name) metadata.client_name = name;
  const scope = inputValue(form, 'scope').split(/\s+/).filter(Boolean).join(' ');
  if (scope) metadata.scope = scope;
  if (lines('redirect_uris').length > 0) metadata.redirect_uris = lines('redirect_uris');
  if (lines('post_logout_redirect_uris').length > 0) metadata.post_logout_redirect_uris = lines('post_logout_redirect_uris');
  return metadata;
}
