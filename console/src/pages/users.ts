import { query } from '../api.js';
import { actionButton, alertRegion, confirmButton, formatTime, link, onSubmit, pageHeading, type ConsoleContext } from '../context.js';
import { checkbox, details, field, h, inputValue, isChecked, table } from '../dom.js';
import { pager } from './clients.js';

interface User {
  id: string;
  username: string;
  email?: string;
  email_verified: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  profile_url?: string;
  picture?: string;
  website?: string;
  gender?: string;
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
  address?: Address;
  groups: string[];
  disabled: boolean;
  has_password: boolean;
  created_at: string;
  last_sign_in_at: string | null;
}

/** OpenID Connect's address claim, as the admin API takes it. */
interface Address {
  formatted?: string;
  street_address?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country?: string;
}

const ADDRESS_FIELDS: readonly [keyof Address, string][] = [
  ['street_address', 'Street address'], ['locality', 'City or locality'], ['region', 'Region'], ['postal_code', 'Postal code'], ['country', 'Country'],
];
/** OpenID Connect's other profile claims, as the admin API names them, with their labels and hints. */
type ProfileClaim = 'middle_name' | 'nickname' | 'profile_url' | 'picture' | 'website' | 'gender' | 'birthdate' | 'zoneinfo' | 'locale';
const PROFILE_CLAIM_FIELDS: readonly [ProfileClaim, string, string?][] = [
  ['middle_name', 'Middle name'], ['nickname', 'Nickname'], ['profile_url', 'Profile page', 'https:// URL.'], ['picture', 'Picture', 'https:// URL.'],
  ['website', 'Website', 'https:// URL.'], ['gender', 'Gender'], ['birthdate', 'Birthdate', 'YYYY-MM-DD, or the year alone.'],
  ['zoneinfo', 'Time zone', 'Such as Europe/Paris.'], ['locale', 'Locale', 'Such as en-GB.'],
];
const claimId = (claim: ProfileClaim) => `user-${claim.replace('_', '-')}`;
const addressId = (part: keyof Address) => `user-address-${part.replace('_', '-')}`;

interface Session {
  id: string;
  signed_in_at: string | null;
  expires_at: string | null;
  clients: string[];
}

interface Grant {
  id: string;
  client_id: string;
  scope: string;
  expires_at: string | null;
}

const FILTERS = ['username', 'email', 'group'] as const;
const userPath = (id: string) => `/users/${encodeURIComponent(id)}`;
const userRoute = (id: string) => `#/users/${encodeURIComponent(id)}`;
const groupsOf = (text: string) => text.split(',').map((group) => group.trim()).filter(Boolean);

export async function userList(context: ConsoleContext): Promise<Node> {
  const filterName = FILTERS.find((name) => context.params.has(name)) ?? 'username';
  const filterValue = context.params.get(filterName) ?? '';
  const cursor = context.params.get('cursor') ?? '';
  const page = await context.api.get<{ users: User[]; next_cursor: string | null }>(`/users${query({ limit: '20', [filterName]: filterValue, cursor })}`);
  const alert = alertRegion();
  const by = h('select', { id: 'user-filter' }, FILTERS.map((name) => h('option', { value: name, selected: name === filterName }, name)));
  const form = h('form', { class: 'search', role: 'search' },
    field('Search by', by), field('Value', h('input', { id: 'user-search', type: 'search', value: filterValue, autocomplete: 'off' })),
    h('button', { type: 'submit' }, 'Search'), alert);
  onSubmit(form, alert, async () => context.navigate(`#/users${query({ [by.value]: inputValue(form, 'user-search') })}`));
  const rows = page.users.map((user) => [
    link(userRoute(user.id), user.username), user.name ?? '', user.email ?? '', user.groups.join(', '),
    user.disabled ? h('span', { class: 'badge failure' }, 'disabled') : h('span', { class: 'badge success' }, 'active'), formatTime(user.last_sign_in_at),
  ]);
  return h('section', {},
    pageHeading('Users', context.canChange && link('#/users/new', 'Create user')),
    form,
    rows.length === 0 ? h('p', { class: 'muted' }, 'No users.') : table(['Username', 'Name', 'Email', 'Groups', 'State', 'Last sign-in'], rows, 'Users'),
    pager('#/users', filterValue ? { [filterName]: filterValue } : {}, cursor, page.next_cursor),
  );
}

function profileFields(user?: User): HTMLElement[] {
  return [
    field('Email', h('input', { id: 'user-email', type: 'email', value: user?.email ?? '', autocomplete: 'off' })),
    checkbox('user-email-verified', 'Email address verified', user?.email_verified ?? false),
    field('Name', h('input', { id: 'user-name', value: user?.name ?? '', autocomplete: 'off' })),
    ...PROFILE_CLAIM_FIELDS.map(([claim, label, hint]) => field(label, h('input', { id: claimId(claim), value: user?.[claim] ?? '', autocomplete: 'off' }), hint)),
    field('Phone number', h('input', { id: 'user-phone', type: 'tel', value: user?.phone_number ?? '', autocomplete: 'off' }), 'E.164, such as +15550100.'),
    checkbox('user-phone-verified', 'Phone number verified', user?.phone_number_verified ?? false),
    ...ADDRESS_FIELDS.map(([part, label]) => field(label, h('input', { id: addressId(part), value: user?.address?.[part] ?? '', autocomplete: 'off' }))),
    field('Groups', h('input', { id: 'user-groups', value: (user?.groups ?? []).join(', '), autocomplete: 'off' }), 'Comma-separated.'),
  ];
}

function profileOf(form: HTMLElement): Record<string, unknown> {
  return {
    email: inputValue(form, 'user-email') || null,
    email_verified: isChecked(form, 'user-email-verified'),
    name: inputValue(form, 'user-name') || null,
    ...Object.fromEntries(PROFILE_CLAIM_FIELDS.map(([claim]) => [claim, inputValue(form, claimId(claim)) || null])),
    phone_number: inputValue(form, 'user-phone') || null,
    phone_number_verified: isChecked(form, 'user-phone-verified'),
    address: addressOf(form),
    groups: groupsOf(inputValue(form, 'user-groups')),
  };
}

/**
 * The address the form holds, as a JSON Merge Patch of the user's: an emptied part is null
 * (removed), and an address with every part empty is null.
 */
function addressOf(form: HTMLElement): Record<string, string | null> | null {
  const parts = ADDRESS_FIELDS.map(([part]) => [part, inputValue(form, addressId(part)) || null] as const);
  return parts.every(([, value]) => value === null) ? null : Object.fromEntries(parts);
}

/** What a creation sends: the members given, none of them null. */
const withoutNulls = (value: unknown): unknown => (value !== null && typeof value === 'object' && !Array.isArray(value)
  ? Object.fromEntries(Object.entries(value).filter(([, member]) => member !== null).map(([name, member]) => [name, withoutNulls(member)]))
  : value);

const addressText = (address: Address | undefined): string | null =>
  address ? address.formatted ?? ADDRESS_FIELDS.map(([part]) => address[part]).filter(Boolean).join(', ') : null;

export async function userCreator(context: ConsoleContext): Promise<Node> {
  const alert = alertRegion();
  const form = h('form', { class: 'stack' },
    field('Username', h('input', { id: 'user-username', required: true, maxlength: 128, autocomplete: 'off' })),
    field('Password', h('input', { id: 'user-password', type: 'password', autocomplete: 'new-password' }), 'Optional: without one, the user cannot sign in until one is set.'),
    ...profileFields(),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create user'), link('#/users', 'Cancel')),
    alert,
  );
  onSubmit(form, alert, async () => {
    const profile = withoutNulls(profileOf(form)) as Record<string, unknown>;
    const password = inputValue(form, 'user-password');
    const created = await context.api.send<User>('POST', '/users', { username: inputValue(form, 'user-username'), ...profile, ...(password ? { password } : {}) });
    context.announce(`User ${created.username} created.`);
    context.navigate(userRoute(created.id));
  });
  return h('section', {}, pageHeading('Create user'), form);
}

export async function userView(context: ConsoleContext, userId: string): Promise<Node> {
  const [user, { sessions }, { grants }] = await Promise.all([
    context.api.get<User>(userPath(userId)),
    context.api.get<{ sessions: Session[] }>(`${userPath(userId)}/sessions`),
    context.api.get<{ grants: Grant[] }>(`${userPath(userId)}/grants`),
  ]);
  const alert = alertRegion();
  const reload = () => context.refresh();
  const sessionRows = sessions.map((session) => [
    formatTime(session.signed_in_at), formatTime(session.expires_at), session.clients.join(', '),
    context.canChange ? actionButton('End session', alert, async () => {
      await context.api.send('DELETE', `${userPath(userId)}/sessions/${encodeURIComponent(session.id)}`);
      reload();
    }) : null,
  ]);
  const grantRows = grants.map((grant) => [
    h('code', {}, grant.client_id), grant.scope, formatTime(grant.expires_at),
    context.canChange ? actionButton('Revoke', alert, async () => {
      await context.api.send('DELETE', `${userPath(userId)}/grants/${encodeURIComponent(grant.id)}`);
      reload();
    }) : null,
  ]);
  return h('section', {},
    pageHeading(user.username),
    details([
      ['User id (sub)', h('code', {}, user.id)],
      ['Name', user.name], ['Email', user.email ? `${user.email}${user.email_verified ? ' (verified)' : ''}` : null],
      ['Phone number', user.phone_number ? `${user.phone_number}${user.phone_number_verified ? ' (verified)' : ''}` : null],
      ['Address', addressText(user.address)],
      ['Groups', user.groups.join(', ') || '—'], ['State', user.disabled ? 'disabled' : 'active'], ['Password', user.has_password ? 'set' : 'not set'],
      ['Created', formatTime(user.created_at)], ['Last sign-in', formatTime(user.last_sign_in_at)],
    ]),
    h('h2', {}, 'Sessions'),
    sessionRows.length === 0 ? h('p', { class: 'muted' }, 'No sessions.') : table(['Signed in', 'Expires', 'Clients', ''], sessionRows, 'Sessions'),
    h('h2', {}, 'Grants'),
    grantRows.length === 0 ? h('p', { class: 'muted' }, 'No grants.') : table(['Client', 'Scope', 'Expires', ''], grantRows, 'Grants'),
    alert,
    context.canChange ? userChanges(context, user, reload) : null,
  );
}

function userChanges(context: ConsoleContext, user: User, reload: () => void): HTMLElement {
  const editAlert = alertRegion();
  const edit = h('form', { class: 'stack' }, h('h2', {}, 'Edit'), ...profileFields(user),
    checkbox('user-disabled', 'Disabled (cannot sign in; saving ends the user’s sessions)', user.disabled),
    h('button', { type: 'submit' }, 'Save'), editAlert);
  onSubmit(edit, editAlert, async () => {
    await context.api.send('PATCH', userPath(user.id), { ...profileOf(edit), disabled: isChecked(edit, 'user-disabled') });
    context.announce(`User ${user.username} saved.`);
    reload();
  });
  const passwordAlert = alertRegion();
  const password = h('form', { class: 'stack' }, h('h2', {}, 'Set password'),
    field('New password', h('input', { id: 'user-new-password', type: 'password', required: true, autocomplete: 'new-password' }), 'Ends the user’s sessions.'),
    h('button', { type: 'submit' }, 'Set password'), passwordAlert);
  onSubmit(password, passwordAlert, async () => {
    await context.api.send('POST', `${userPath(user.id)}/password`, { password: inputValue(password, 'user-new-password') });
    context.announce(`Password of ${user.username} set.`);
    reload();
  });
  const deleteAlert = alertRegion();
  return h('div', {}, edit, password,
    h('div', { class: 'stack' }, h('h2', {}, 'Delete'), confirmButton('Delete user', 'Its sessions, grants and tokens end.', deleteAlert, async () => {
      await context.api.send('DELETE', userPath(user.id));
      context.announce(`User ${user.username} deleted.`);
      context.navigate('#/users');
    }), deleteAlert));
}
