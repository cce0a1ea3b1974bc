/**
 * The console signs administrators in as any OAuth client would: authorization code with PKCE
 * (S256), state, and the iss parameter of RFC 9207, as the public client admin-console. Its
 * access token (for the admin API's resource) lives in this tab's sessionStorage only; no
 * refresh token is asked for: a new access token is one redirect away while the sign-in session lasts.
 */
export const CLIENT_ID = 'admin-console';
const SCOPE = 'openid profile admin.clients';
const PENDING_KEY = 'console.pending';
const SESSION_KEY = 'console.session';

export interface Endpoints {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
  revocation_endpoint?: string;
}

export interface Session {
  accessToken: string;
  idToken?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

interface Pending {
  state: string;
  verifier: string;
  returnTo: string;
}

export class SignInError extends Error {}

const base64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomString = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));
const consoleUrl = (path: string): string => new URL(`/console/${path}`, location.origin).href;
export const adminApi = (endpoints: Endpoints): string => `${endpoints.issuer}/admin`;

export async function discover(): Promise<Endpoints> {
  const response = await fetch('/.well-known/openid-configuration', { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new SignInError(`discovery answered ${response.status}`);
  return (await response.json()) as Endpoints;
}

export function currentSession(): Session | undefined {
  const stored = sessionStorage.getItem(SESSION_KEY);
  if (!stored) return undefined;
  const session = JSON.parse(stored) as Session;
  // A minute of margin: a token about to expire is renewed before a form is filled in for nothing.
  return session.expiresAt - 60_000 > Date.now() ? session : undefined;
}

/** Sends the browser to the sign-in page; it comes back to /console/callback, then to returnTo (a #/ route). */
export async function signIn(endpoints: Endpoints, returnTo: string, { anotherAccount = false } = {}): Promise<never> {
  const pending: Pending = { state: randomString(), verifier: randomString(), returnTo: returnTo.startsWith('#/') ? returnTo : '#/' };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pending.verifier))));
  const url = new URL(endpoints.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID, response_type: 'code', scope: SCOPE, redirect_uri: consoleUrl('callback'), state: pending.state,
    code_challenge: challenge, code_challenge_method: 'S256', resource: adminApi(endpoints),
    ...(anotherAccount ? { prompt: 'login' } : {}),
  }).toString();
  location.assign(url.href);
  return new Promise<never>(() => {});
}

/** Completes the sign-in at /console/callback; returns the #/ route to show. */
export async function completeSignIn(endpoints: Endpoints): Promise<string> {
  const params = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as Pending | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (!pending || params.get('state') !== pending.state) throw new SignInError('the sign-in response does not answer a sign-in this tab started');
  if (params.get('iss') !== endpoints.issuer) throw new SignInError('the sign-in response comes from another issuer');
  const error = params.get('error');
  if (error) throw new SignInError(params.get('error_description') ?? error);
  const code = params.get('code');
  if (!code) throw new SignInError('the sign-in response has no code');

  const response = await fetch(endpoints.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: consoleUrl('callback'), client_id: CLIENT_ID, code_verifier: pending.verifier,
      resource: adminApi(endpoints),
    }),
  });
  const body = (await response.json()) as { access_token?: string; id_token?: string; expires_in?: number; error_description?: string; error?: string };
  if (!response.ok || !body.access_token) throw new SignInError(body.error_description ?? body.error ?? `the token endpoint answered ${response.status}`);
  const session: Session = { accessToken: body.access_token, idToken: body.id_token, expiresAt: Date.now() + (body.expires_in ?? 300) * 1000 };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  history.replaceState(null, '', consoleUrl('') + pending.returnTo);
  return pending.returnTo;
}

export function forgetSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
}

/**
 * Revokes the access token (it would otherwise work until it expires), then ends the sign-in
 * session at the server (RP-initiated logout), coming back to /console/?state=signed-out.
 */
export async function signOut(endpoints: Endpoints, session: Session | undefined): Promise<void> {
  forgetSession();
  if (session && endpoints.revocation_endpoint) {
    await fetch(endpoints.revocation_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: session.accessToken, token_type_hint: 'access_token', client_id: CLIENT_ID }),
    }).catch(() => undefined);
  }
  if (!endpoints.end_session_endpoint) {
    location.assign(consoleUrl('?state=signed-out'));
    return;
  }
  const url = new URL(endpoints.end_session_endpoint);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID, post_logout_redirect_uri: consoleUrl(''), state: 'signed-out',
    ...(session?.idToken ? { id_token_hint: session.idToken } : {}),
  }).toString();
  location.assign(url.href);
}
