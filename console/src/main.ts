import { ApiFailure, createApi } from './api.js';
import { adminApi, completeSignIn, currentSession, discover, forgetSession, signIn, signOut, SignInError, type Endpoints } from './auth.js';
import { describeError, type ConsoleContext, type Page } from './context.js';
import { h, replaceChildren } from './dom.js';
import { auditTrail } from './pages/audit.js';
import { clientEditor, clientList, clientView } from './pages/clients.js';
import { dashboard } from './pages/dashboard.js';
import { initialAccessTokens } from './pages/initial-access-tokens.js';
import { signingKeys } from './pages/keys.js';
import { userCreator, userList, userView } from './pages/users.js';

interface Caller {
  actor: string;
  role: 'full' | 'read-only';
  user?: { id: string; username: string; name?: string };
}

/** #/ routes: a pattern (its groups are the page's path parameters), the page, and the section it belongs to. */
const ROUTES: [RegExp, Page, string][] = [
  [/^#\/$/, dashboard, 'Dashboard'],
  [/^#\/clients$/, clientList, 'Clients'],
  [/^#\/clients\/new$/, (context) => clientEditor(context), 'Clients'],
  [/^#\/clients\/([^/]+)\/edit$/, clientEditor, 'Clients'],
  [/^#\/clients\/([^/]+)$/, clientView, 'Clients'],
  [/^#\/initial-access-tokens$/, initialAccessTokens, 'Initial access tokens'],
  [/^#\/users$/, userList, 'Users'],
  [/^#\/users\/new$/, userCreator, 'Users'],
  [/^#\/users\/([^/]+)$/, userView, 'Users'],
  [/^#\/keys$/, signingKeys, 'Signing keys'],
  [/^#\/audit$/, auditTrail, 'Audit trail'],
];
const SECTIONS: [string, string][] = [
  ['Dashboard', '#/'], ['Clients', '#/clients'], ['Initial access tokens', '#/initial-access-tokens'], ['Users', '#/users'],
  ['Signing keys', '#/keys'], ['Audit trail', '#/audit'],
];

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;
const status = document.getElementById('status')!;

/** On a phone the sections are one row that scrolls sideways (console.css): the current one is brought to its middle. */
function showCurrentSection(): void {
  const current = nav.querySelector('a[aria-current="page"]');
  if (!current || nav.scrollWidth <= nav.clientWidth) return;
  const row = nav.getBoundingClientRect();
  const link = current.getBoundingClientRect();
  nav.scrollLeft += link.left - row.left - (row.width - link.width) / 2;
}

function showProblem(title: string, message: string, ...actions: Node[]): void {
  replaceChildren(main, h('section', {}, h('h1', {}, title), h('p', { class: 'error', role: 'alert' }, message), h('div', { class: 'actions' }, actions)));
}

async function start(): Promise<void> {
  const endpoints = await discover();
  // The console's redirect URI is on the issuer's origin (http://localhost:3000 and
  // http://127.0.0.1:3000 are two origins to the browser, with two sessionStorages): go there first.
  if (new URL(endpoints.issuer).origin !== location.origin) {
    location.replace(`${endpoints.issuer}/console/${location.hash}`);
    return;
  }
  const url = new URL(location.href);
  if (url.pathname.endsWith('/callback')) {
    try {
      location.hash = await completeSignIn(endpoints);
    } catch (error) {
      const retry = h('button', { type: 'button' }, 'Sign in with another account');
      retry.addEventListener('click', () => void signIn(endpoints, '#/', { anotherAccount: true }));
      showProblem('Sign-in failed', describeError(error), retry);
      return;
    }
  } else if (url.searchParams.get('state') === 'signed-out') {
    history.replaceState(null, '', '/console/');
    const again = h('button', { type: 'button' }, 'Sign in');
    again.addEventListener('click', () => void signIn(endpoints, '#/'));
    replaceChildren(main, h('section', {}, h('h1', {}, 'Signed out'), h('p', {}, 'You are signed out of the admin console.'), again));
    return;
  }
  const session = currentSession() ?? (await signIn(endpoints, location.hash));
  await run(endpoints, session.accessToken, session.idToken);
}

async function run(endpoints: Endpoints, accessToken: string, idToken: string | undefined): Promise<void> {
  const api = createApi(adminApi(endpoints), () => accessToken, () => {
    // The token expired or was revoked: sign in again (a redirect while the sign-in session lasts).
    forgetSession();
    return signIn(endpoints, location.hash);
  });
  const signOutButton = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOutButton.addEventListener('click', () => void signOut(endpoints, { accessToken, idToken, expiresAt: 0 }));

  let caller: Caller;
  try {
    caller = await api.get<Caller>('/me');
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 403) {
      showProblem('Not an administrator', 'You are signed in, but your account is in no administrators’ group of this server.', signOutButton);
      return;
    }
    throw error;
  }
  const canChange = caller.role === 'full';
  replaceChildren(who, caller.user?.name ?? caller.user?.username ?? caller.actor, ' ',
    h('span', { class: `badge ${canChange ? 'success' : 'neutral'}` }, canChange ? 'administrator' : 'read-only'), ' ', signOutButton);
  nav.hidden = false;

  // A message announced just before a navigation ("Client deleted") stays; older ones go with the page.
  let announcedAt = 0;
  const render = async () => {
    const hash = location.hash || '#/';
    const [path = '#/', search = ''] = hash.split('?', 2);
    const match = ROUTES.map(([pattern, page, section]) => ({ found: pattern.exec(path), page, section })).find((route) => route.found);
    replaceChildren(nav, h('ul', {}, SECTIONS.map(([label, route]) =>
      h('li', {}, h('a', { href: route, 'aria-current': match?.section === label ? 'page' : null }, label)))));
    showCurrentSection();
    if (!match) {
      showProblem('Not found', 'There is no such page in the console.', h('a', { href: '#/' }, 'Dashboard'));
      return;
    }
    const context: ConsoleContext = {
      api,
      canChange,
      params: new URLSearchParams(search),
      navigate: (route) => {
        if (location.hash === route) void render();
        else location.hash = route;
      },
      refresh: () => void render(),
      announce: (message) => {
        announcedAt = Date.now();
        replaceChildren(status, message);
      },
    };
    try {
      const content = await match.page(context, ...match.found!.slice(1).map((part) => decodeURIComponent(part)));
      replaceChildren(main, canChange ? null : h('p', { class: 'notice' }, 'Read-only access: you can see everything, and change nothing.'), content);
      document.title = `${match.found![0] === '#/' ? 'Dashboard' : (main.querySelector('h1')?.textContent ?? match.section)} · Admin console`;
      main.focus({ preventScroll: true });
    } catch (error) {
      showProblem('Something went wrong', describeError(error), h('a', { href: '#/' }, 'Dashboard'));
    }
  };
  window.addEventListener('hashchange', () => {
    if (Date.now() - announcedAt > 1000) replaceChildren(status);
    void render();
  });
  await render();
}

start().catch((error: unknown) => {
  showProblem(error instanceof SignInError ? 'Sign-in failed' : 'The console could not start', describeError(error));
});
