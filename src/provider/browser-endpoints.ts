import type { KoaContextWithOIDC } from 'oidc-provider';

import { MAX_BODY_BYTES } from '../http/body-limit.js';
import { ApiError } from '../http/api-error.js';
import { readFormBody } from '../http/form-body.js';
import { allowFormTarget, runsInlineScript, setPageHeaders } from '../interactions/page-security.js';
import { isBrowserEndpoint } from './routes.js';

/**
 * Endpoints that take a request by POST as well as by GET: the authorization endpoint (OpenID
 * Connect Core §3.1.2.1) and the end-session endpoint (RP-Initiated Logout §2). oidc-provider 9
 * serves them by GET only unless its session cookie is SameSite=None; ours stays Lax.
 */
const GET_OR_POST = new Set(['/auth', '/session/end']);

/**
 * The longest request a POST may carry into the GET it becomes: what a GET's request line may
 * carry here (a longer URL is refused before routing), so a POST is not a way around that bound.
 */
const MAX_QUERY_LENGTH = 8 * 1024;

/** The routes whose self-submitting form returns to the client's redirect_uri (response_mode=form_post). */
const AUTHORIZATION_ROUTES = new Set(['authorization', 'resume']);

const takesPost = (path: string) => GET_OR_POST.has(path.toLowerCase().replace(/(.)\/$/, '$1'));

/**
 * Before oidc-provider routes a request a browser makes: every page it may render carries the
 * headers of our own pages (a script slot its self-submitting forms fill with their script's
 * hash), and a form-encoded POST to the authorization or end-session endpoint is answered with a
 * redirect to the same request by GET. A browser sends no SameSite=Lax cookie with a cross-site
 * POST, but does with the top-level GET it is redirected to: the request then meets the sign-in
 * session as a GET would (single sign-on, prompt=none, the logout confirmation), and a
 * cross-site form can neither replace that session nor sign anyone out unasked. True when
 * answered here.
 */
export async function beforeBrowserRoute(ctx: KoaContextWithOIDC): Promise<boolean> {
  if (!isBrowserEndpoint(ctx.path)) return false;
  setPageHeaders(ctx as never, [], { inlineScriptSlot: true });
  if (ctx.method !== 'POST' || !takesPost(ctx.path)) return false;
  const query = (await readFormBody(ctx as never, MAX_BODY_BYTES)).toString();
  if (query.length > MAX_QUERY_LENGTH) {
    throw new ApiError('invalid_request', `a request by POST to ${ctx.path} may carry at most ${MAX_QUERY_LENGTH} characters of parameters`, 413);
  }
  ctx.status = 303;
  ctx.set('Location', `${ctx.path}?${query}`);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = '';
  return true;
}

/** After: oidc-provider's form_post page submits to the client's redirect URI, which it validated. */
export function afterBrowserRoute(ctx: KoaContextWithOIDC): void {
  if (!isBrowserEndpoint(ctx.path) || !runsInlineScript(ctx as never) || !AUTHORIZATION_ROUTES.has(ctx.oidc?.route ?? '')) return;
  const redirectUri = ctx.oidc.params?.redirect_uri;
  if (typeof redirectUri === 'string') allowFormTarget(ctx as never, redirectUri);
}
