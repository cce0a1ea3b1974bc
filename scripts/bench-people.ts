/**
 * The people scenarios of `npm run bench`: a person signing in (the authorization request, the
 * sign-in form, back to the authorization endpoint, the code exchange) and a client refreshing
 * its tokens. A sign-in is a conversation of several requests with cookies, which a fixed-request
 * load generator cannot hold, so each virtual user here runs whole flows one after the other.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { ClientMetadata } from 'oidc-provider';

export const PEOPLE_CLIENT = {
  id: 'bench-web-app',
  redirectUri: 'http://127.0.0.1:9/callback',
};

/** The environment variable our servers read the bench user's password from (never a file). */
export const BENCH_PASSWORD_VARIABLE = 'BENCH_USER_PASSWORD';
export const BENCH_USERNAME = 'bench-user';
/** One user per virtual user: a person does not sign in eight times at once (the lockout counts attempts in flight). */
export const BENCH_USER_COUNT = 8;
const benchUsername = (index: number) => `${BENCH_USERNAME}-${index + 1}`;

export function peopleClientMetadata(secret: string): ClientMetadata {
  return {
    client_id: PEOPLE_CLIENT.id,
    client_secret: secret,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [PEOPLE_CLIENT.redirectUri],
    scope: 'openid profile email',
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

export function benchUsers(): Record<string, unknown>[] {
  return Array.from({ length: BENCH_USER_COUNT }, (_, index) => ({
    username: benchUsername(index), passwordEnv: BENCH_PASSWORD_VARIABLE, email: `bench-${index + 1}@example.com`, name: `Bench User ${index + 1}`,
  }));
}

/** A browser's cookie jar for one origin, as much of it as the flow needs. */
class Cookies {
  readonly #values = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.#values.set(pair!.slice(0, at).trim(), pair!.slice(at + 1));
    }
  }

  header(): string {
    return [...this.#values].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function follow(base: string, path: string, cookies: Cookies, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(new URL(path, base), {
    ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), Cookie: cookies.header() },
  });
  cookies.take(response);
  return response;
}

function location(response: Response, step: string): string {
  const target = response.headers.get('location');
  if (response.status !== 303 && response.status !== 302) throw new Error(`${step}: expected a redirect, got ${response.status}`);
  if (!target) throw new Error(`${step}: a redirect without Location`);
  return target;
}

export interface PeopleFlowSettings {
  url: string;
  clientSecret: string;
  password: string;
  /** Which bench user signs in (0 to BENCH_USER_COUNT - 1). */
  user?: number;
}

/** One whole sign-in: authorization request, sign-in form, consent if asked, code exchange. Returns the token response. */
export async function signInOnce({ url, clientSecret, password, user = 0 }: PeopleFlowSettings): Promise<Record<string, unknown>> {
  const cookies = new Cookies();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    client_id: PEOPLE_CLIENT.id, response_type: 'code', scope: 'openid profile email', redirect_uri: PEOPLE_CLIENT.redirectUri,
    code_challenge: challenge, code_challenge_method: 'S256', state: randomBytes(8).toString('hex'),
  });
  let next = location(await follow(url, `/auth?${query}`, cookies), 'authorization request');
  for (let step = 0; step < 6 && !next.startsWith(PEOPLE_CLIENT.redirectUri); step += 1) {
    const page = await follow(url, next, cookies);
    if (page.status === 303 || page.status === 302) {
      next = location(page, 'resume');
      continue;
    }
    const html = await page.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!csrf) throw new Error(`interaction page: no form (status ${page.status})`);
    // The sign-in page posts to <interaction>/login; once signed in, the consent page (first time only) to <interaction>/consent.
    const consent = html.includes('name="decision"');
    const posted = await follow(url, `${new URL(next, url).pathname}/${consent ? 'consent' : 'login'}`, cookies, {
      method: 'POST',
      body: new URLSearchParams(consent ? { csrf, decision: 'approve' } : { csrf, username: benchUsername(user), password }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    next = location(posted, consent ? 'consent' : 'sign-in');
  }
  const code = new URL(next).searchParams.get('code');
  if (!code) throw new Error(`no code in ${next}`);
  const exchange = await fetch(new URL('/token', url), {
    method: 'POST',
    headers: { Authorization: basic(PEOPLE_CLIENT.id, clientSecret), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: PEOPLE_CLIENT.redirectUri, code_verifier: verifier }),
  });
  const body = await exchange.json() as Record<string, unknown>;
  if (exchange.status !== 200 || typeof body.id_token !== 'string') throw new Error(`code exchange: ${exchange.status} ${JSON.stringify(body)}`);
  return body;
}

export interface FlowLoad {
  completed: number;
  failed: number;
  seconds: number;
  latenciesMs: number[];
  firstError?: string | undefined;
}

/** Runs whole sign-ins from `concurrency` virtual users (each a bench user of its own) for `seconds`. */
export async function signInLoad(settings: PeopleFlowSettings, seconds: number, concurrency = BENCH_USER_COUNT): Promise<FlowLoad> {
  const load: FlowLoad = { completed: 0, failed: 0, seconds, latenciesMs: [] };
  const deadline = performance.now() + seconds * 1000;
  const virtualUser = async (user: number) => {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        await signInOnce({ ...settings, user: user % BENCH_USER_COUNT });
        load.completed += 1;
        load.latenciesMs.push(performance.now() - started);
      } catch (error) {
        load.failed += 1;
        load.firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => virtualUser(index)));
  return load;
}

export function percentile(values: readonly number[], fraction: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}
