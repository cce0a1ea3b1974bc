import { alertRegion, confirmButton, formatTime, onSubmit, pageHeading, shownOnce, type ConsoleContext } from '../context.js';
import { field, h, inputValue, table } from '../dom.js';

interface InitialAccessToken {
  id: string;
  policies: string[];
  expires_at: number | null;
  max_uses: number | null;
  uses: number;
  created_at: number;
}

export async function initialAccessTokens(context: ConsoleContext): Promise<Node> {
  const { initial_access_tokens: tokens } = await context.api.get<{ initial_access_tokens: InitialAccessToken[] }>('/initial-access-tokens');
  const alert = alertRegion();
  const rows = tokens.map((token) => [
    h('code', {}, token.id),
    token.policies.join(', '),
    token.max_uses === null ? String(token.uses) : `${token.uses} of ${token.max_uses}`,
    token.expires_at === null ? 'never' : formatTime(token.expires_at),
    formatTime(token.created_at),
    context.canChange ? confirmButton('Revoke', 'Registrations with it stop.', alert, async () => {
      await context.api.send('DELETE', `/initial-access-tokens/${encodeURIComponent(token.id)}`);
      context.announce(`Initial access token ${token.id} revoked.`);
      context.navigate('#/initial-access-tokens');
    }) : null,
  ]);
  return h('section', {},
    pageHeading('Initial access tokens'),
    h('p', { class: 'muted' }, 'What a client presents to register itself (RFC 7591), and which registration policies it gets.'),
    rows.length === 0 ? h('p', { class: 'muted' }, 'No initial access tokens.')
      : table(['Id', 'Policies', 'Uses', 'Expires', 'Created', context.canChange ? 'Revoke' : ''], rows, 'Initial access tokens'),
    alert,
    context.canChange ? creationForm(context) : null,
  );
}

function creationForm(context: ConsoleContext): HTMLElement {
  const alert = alertRegion();
  const result = h('div', { class: 'result' });
  const form = h('form', { class: 'stack' },
    h('h2', {}, 'Create an initial access token'),
    field('Policies', h('input', { id: 'iat-policies', value: 'default', autocomplete: 'off' }), 'Comma-separated registration policy names; the first one decides the rest.'),
    field('Expires in (seconds)', h('input', { id: 'iat-expires', type: 'number', min: 60, max: 31536000, inputmode: 'numeric' }), 'Empty: never.'),
    field('Maximum registrations', h('input', { id: 'iat-max-uses', type: 'number', min: 1, max: 1000000, inputmode: 'numeric' }), 'Empty: no limit besides the policy’s.'),
    h('button', { type: 'submit' }, 'Create token'),
    alert,
    result,
  );
  return onSubmit(form, alert, async () => {
    const body: Record<string, unknown> = { policies: inputValue(form, 'iat-policies').split(',').map((name) => name.trim()).filter(Boolean) };
    if (inputValue(form, 'iat-expires')) body.expires_in = Number(inputValue(form, 'iat-expires'));
    if (inputValue(form, 'iat-max-uses')) body.max_uses = Number(inputValue(form, 'iat-max-uses'));
    const created = await context.api.send<{ id: string; initial_access_token: string }>('POST', '/initial-access-tokens', body);
    result.replaceChildren(shownOnce('Initial access token', created.initial_access_token));
    context.announce(`Initial access token ${created.id} created.`);
  });
}
