import type { KoaContextWithOIDC } from 'oidc-provider';

import { MAX_BODY_BYTES } from '../http/body-limit.js';
import { readFormBody } from '../http/form-body.js';
import { allowFormTarget, runsInlineScript, setPageHeaders } from '../interactions/page-security.js';
import { isBrowserEndpoint } from './routes.js';

/**
 * Endpoints that take a request by POST as well as by GET: the authorization endpoint (OpenID
 * Connect Core §3.1.2.1) and the end-session endpoint (RP-Initiated Logout §2). oidc-provider 9
 * serves them by GET only unless its session cookie is SameSite=None; ours stays Lax.
 */
const GET_OR_POST = new Set(['/auth', '/session/end']);

/** The routes whose self-submitting form returns to the client's redirect_uri (response_mode=form_post). */
const AUTHORIZATION_ROUTES = new Set(['authorization', 'resume']);

/**
 * Before oidc-provider routes a request a browser makes: every page it may render carries the
 * headers of our own pages (a script slot its self-submitting forms fill with their script's
 * hash), and a form-encoded POST to the authorization or end-session endpoint is served as the
 * GET it is equivalent to. A browser sends no SameSite=Lax cookie with a cross-site POST, so such
 * a request finds no sign-in session: it shows the sign-in page (prompt=none: login_required)
 * and, for logout, the confirmation.
 */
export async function beforeBrowserRoute(ctx: KoaContextWithOIDC): Promise<void> {
  if (!isBrowserEndpoint(ctx.path)) return;
  setPageHeaders(ctx as never, [], { inlineScriptSlot: true });
  if (ctx.method !== 'POST' || !GET_OR_POST.has(ctx.path.toLowerCase())) return;
  const form = await readFormBody(ctx as never, MAX_BODY_BYTES);
  ctx.method = 'GET';
  ctx.querystring = form.toString();
}

/** After: oidc-provider's form_post page submits to the client's redirect URI, which it validated. */
export function afterBrowserRoute(ctx: KoaContextWithOIDC): void {
  if (!isBrowserEndpoint(ctx.path) || !runsInlineScript(ctx as never) || !AUTHORIZATION_ROUTES.has(ctx.oidc?.route ?? '')) return;
  const redirectUri = ctx.oidc.params?.redirect_uri;
  if (typeof redirectUri === 'string') allowFormTarget(ctx as never, redirectUri);
}
