import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { errors as providerErrors, type InteractionResults } from 'oidc-provider';
import type Provider from 'oidc-provider';

import type { AuditTrail } from '../audit/index.js';
import { ApiError } from '../http/api-error.js';
import { rateLimitKey } from '../http/client-address.js';
import { formValue, readFormBody } from '../http/form-body.js';
import { createRouter } from '../http/routing.js';
import { storeOutageOf } from '../storage/index.js';
import type { PasswordCheckResult, SignInLimiter, UserDirectory } from '../users/index.js';
import type { CsrfTokens } from './csrf.js';
import { setPageHeaders } from './page-security.js';
import type { ClientDisplay, Pages } from './pages.js';
import { describeScope } from './scope-descriptions.js';

export const INTERACTION_PATH = '/interaction';
export const ASSETS_PATH = '/assets';

export interface InteractionDependencies {
  provider: () => Provider;
  pages: Pages;
  users: UserDirectory;
  limiter: SignInLimiter;
  csrf: CsrfTokens;
  audit: AuditTrail;
  /** The acr of a password sign-in (the ID token's acr claim). */
  passwordAcr: string;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

const INVALID_CREDENTIALS = 'The username or password is incorrect.';
const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

/**
 * The pages of a sign-in: oidc-provider sends the browser to /interaction/<uid> when it needs the
 * user (login) or the user's consent; the forms post back here, and the result goes back to
 * oidc-provider, which continues the authorization request.
 */
export function interactionRoutes(dependencies: InteractionDependencies): Router {
  const { provider, pages, users, limiter, csrf, audit, passwordAcr } = dependencies;
  const router = createRouter();
  router.use(pageErrors(pages));

  router.get(`${ASSETS_PATH}/pages.css`, (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = pages.stylesheet;
  });

  router.get(`${INTERACTION_PATH}/:uid`, async (ctx) => {
    const details = await interactionOf(ctx);
    if (details.prompt.name === 'login') {
      await renderSignIn(ctx, details);
      return;
    }
    if (details.prompt.name === 'consent') {
      // An administrator's own application (first_party) is trusted: consent is implied.
      const client = await provider().Client.find(String(details.params.client_id));
      const trusted = client as { first_party?: unknown; clientIdMetadataDocument?: unknown } | undefined;
      if (trusted?.first_party === true && trusted.clientIdMetadataDocument !== true) {
        await finish(ctx, { consent: { grantId: await grantConsent(details) } });
        return;
      }
      await renderConsent(ctx, details);
      return;
    }
    throw new ApiError('invalid_request', `unsupported interaction "${details.prompt.name}"`);
  });

  router.post(`${INTERACTION_PATH}/:uid/login`, async (ctx) => {
    const details = await interactionOf(ctx);
    const form = await readFormBody(ctx);
    assertForm(details, form, 'login');
    const username = (formValue(form, 'username') ?? '').trim().slice(0, 256);
    const password = formValue(form, 'password') ?? '';
    // IPv6 clients are counted per /64 (one subscriber), as the registration rate limit does.
    const address = rateLimitKey(String(ctx.state.clientAddress ?? 'unknown'));

    const decision = limiter.begin(username, address);
    if (!decision.allowed) {
      ctx.status = 429;
      ctx.set('Retry-After', String(Math.ceil(decision.retryAfterMs / 1000)));
      await renderSignIn(ctx, details, { username, error: `Too many failed attempts. Try again in ${minutes(decision.retryAfterMs)} minute(s).` });
      return;
    }
    let result: PasswordCheckResult;
    try {
      result = username === '' || password === '' ? { ok: false, reason: 'unknown_user' } : await users.verifyPassword(username, password);
    } catch (error) {
      // An outage is nobody's failed attempt: it must not lock accounts out once the store is back.
      decision.attempt.abandoned();
      throw error;
    }
    if (!result.ok) {
      const locked = decision.attempt.failed();
      await audit.record({
        actor: 'anonymous', action: 'user.sign_in', outcome: 'failure', requestId: ctx.state.requestId,
        detail: `${result.userId ? `user ${result.userId}` : 'unknown user'}: ${result.reason}`,
      });
      if (locked.account || locked.address) {
        await audit.record({
          actor: 'anonymous', action: 'user.lockout', outcome: 'failure', requestId: ctx.state.requestId,
          detail: [locked.account && (result.userId ? `user ${result.userId}` : 'unknown user'), locked.address && `address ${address}`].filter(Boolean).join(', '),
        });
      }
      ctx.status = 401;
      await renderSignIn(ctx, details, { username, error: INVALID_CREDENTIALS });
      return;
    }
    decision.attempt.succeeded();
    await audit.record({
      actor: `user:${result.user.id}`, action: 'user.sign_in', outcome: 'success', requestId: ctx.state.requestId,
      clientId: String(details.params.client_id), detail: `user ${result.user.id}`,
    });
    await finish(ctx, { login: { accountId: result.user.id, amr: ['pwd'], acr: passwordAcr, remember: true } });
  });

  router.post(`${INTERACTION_PATH}/:uid/consent`, async (ctx) => {
    const details = await interactionOf(ctx);
    const form = await readFormBody(ctx);
    assertForm(details, form, 'consent');
    const decision = formValue(form, 'decision');
    if (decision === 'approve') {
      await finish(ctx, { consent: { grantId: await grantConsent(details) } });
    } else {
      await finish(ctx, { error: 'access_denied', error_description: 'the user did not allow access' });
    }
  });

  async function interactionOf(ctx: Context): Promise<Details> {
    const details = await provider().interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params.uid) throw new ApiError('invalid_request', 'this sign-in page belongs to another request; start again from the application');
    return details;
  }

  function assertForm(details: Details, form: URLSearchParams, expected: 'login' | 'consent'): void {
    if (!csrf.verify(details.uid, formValue(form, 'csrf'))) {
      throw new ApiError('invalid_request', 'the form has expired or did not come from this server; start again from the application', 403);
    }
    if (details.prompt.name !== expected) throw new ApiError('invalid_request', 'this step of the sign-in is already done; start again from the application');
  }

  async function clientDisplay(clientId: string): Promise<ClientDisplay> {
    const client = await provider().Client.find(clientId);
    return {
      name: client?.clientName ?? clientId,
      logoUri: client?.logoUri,
      clientUri: client?.clientUri,
      policyUri: client?.policyUri,
      tosUri: client?.tosUri,
    };
  }

  async function renderSignIn(ctx: Context, details: Details, extra: { username?: string; error?: string } = {}): Promise<void> {
    setPageHeaders(ctx, [String(details.params.redirect_uri ?? '')]);
    ctx.type = 'html';
    ctx.body = pages.signIn({
      action: `${INTERACTION_PATH}/${details.uid}/login`,
      csrfToken: csrf.issue(details.uid),
      client: await clientDisplay(String(details.params.client_id)),
      username: extra.username,
      error: extra.error,
      loginHint: typeof details.params.login_hint === 'string' ? details.params.login_hint.slice(0, 256) : undefined,
    });
  }

  async function renderConsent(ctx: Context, details: Details): Promise<void> {
    const missing = details.prompt.details as ConsentDetails;
    const user = details.session ? await users.find(details.session.accountId) : undefined;
    const resourceScopes = Object.entries(missing.missingResourceScopes ?? {});
    // oidc-provider counts a resource server's scope among the OpenID Connect ones too (every
    // scope is in its scopes list): it is listed once, with its resource server.
    const ofResources = new Set(resourceScopes.flatMap(([, scopes]) => scopes));
    const oidcScopes = (missing.missingOIDCScope ?? []).filter((scope) => !ofResources.has(scope));
    setPageHeaders(ctx, [String(details.params.redirect_uri ?? '')]);
    ctx.type = 'html';
    ctx.body = pages.consent({
      action: `${INTERACTION_PATH}/${details.uid}/consent`,
      csrfToken: csrf.issue(details.uid),
      client: await clientDisplay(String(details.params.client_id)),
      userName: user?.name ?? user?.username ?? '',
      scopes: [
        ...oidcScopes.filter((scope) => scope !== 'offline_access').map((scope) => describeScope(scope)),
        ...resourceScopes.flatMap(([resource, scopes]) => scopes.map((scope) => describeScope(scope, resource))),
      ],
      resources: resourceScopes.map(([identifier]) => ({ identifier })),
      claims: missing.missingOIDCClaims ?? [],
      offlineAccess: oidcScopes.includes('offline_access'),
    });
  }

  /** Adds what the request asks for beyond what the user already granted this client, and saves the grant. */
  async function grantConsent(details: Details): Promise<string> {
    const { Grant } = provider();
    const accountId = details.session?.accountId;
    if (accountId === undefined) throw new ApiError('invalid_request', 'no one is signed in; start again from the application');
    const grant = (details.grantId ? await Grant.find(details.grantId) : undefined)
      ?? new Grant({ accountId, clientId: String(details.params.client_id) });
    const missing = details.prompt.details as ConsentDetails;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
    return grant.save();
  }

  async function finish(ctx: Context, result: InteractionResults): Promise<void> {
    const redirectTo = await provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(redirectTo);
  }

  return router;
}

/** Errors on these routes are pages, not JSON: a person is reading them. */
function pageErrors(pages: Pages) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      const page = pageError(error);
      if (!page) throw error;
      setPageHeaders(ctx);
      ctx.status = page.status;
      ctx.set(page.headers);
      ctx.type = 'html';
      ctx.body = pages.error({ error: page.error, errorDescription: page.description });
    }
  };
}

function pageError(error: unknown): { status: number; error: string; description: string; headers: Record<string, string> } | undefined {
  if (error instanceof ApiError) return { status: error.status, error: error.error, description: error.description, headers: error.headers };
  if (storeOutageOf(error)) {
    return { status: 503, error: 'temporarily_unavailable', description: 'the server cannot serve right now; try again in a moment', headers: { 'Retry-After': '5' } };
  }
  if (error instanceof providerErrors.SessionNotFound) {
    return { status: 400, error: 'invalid_request', description: 'this sign-in has expired or was opened in another browser; start again from the application', headers: {} };
  }
  if (error instanceof providerErrors.OIDCProviderError && error.statusCode < 500) {
    return { status: error.statusCode, error: error.error, description: error.error_description ?? error.message, headers: {} };
  }
  return undefined;
}
