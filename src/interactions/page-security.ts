import type { Context } from 'koa';

/**
 * The CSP source that lets a form's submission end at a URI: Chromium applies form-action to
 * every redirect that follows a submission, so the pages that lead back to a client (sign-in,
 * consent, logout) name its redirect URI's origin, or its private-use scheme (RFC 8252 §7.1).
 */
export function formActionSource(uri: string | undefined): string | undefined {
  const url = uri === undefined ? undefined : URL.parse(uri);
  if (!url) return undefined;
  if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : undefined;
}

export interface PageHeaderOptions {
  /**
   * Name script-src without a source (no script runs), so that oidc-provider's self-submitting
   * forms (form_post, the logout confirmation) can add the hash of their one inline script to it.
   */
  inlineScriptSlot?: boolean;
}

const CSP = 'Content-Security-Policy';

/**
 * Headers of every page a person sees: no script at all, styles and images only from here (and
 * https logos), forms only to here and to the client being returned to, never framed, no referrer.
 */
export function setPageHeaders(ctx: Context, returnTo: readonly (string | undefined)[] = [], options: PageHeaderOptions = {}): void {
  const formTargets = ["'self'", ...new Set(returnTo.map(formActionSource).filter((source): source is string => source !== undefined))];
  ctx.set({
    [CSP]: [
      "default-src 'none'", ...(options.inlineScriptSlot ? ['script-src'] : []), "style-src 'self'", "img-src 'self' https: data:",
      `form-action ${formTargets.join(' ')}`, "frame-ancestors 'none'", "base-uri 'none'",
    ].join('; '),
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
}

/** Whether the page's policy lets an inline script run: a hash was added to its script slot. */
export function runsInlineScript(ctx: Context): boolean {
  return /(?:^|;)\s*script-src\s[^;]*'sha256-/.test(ctx.response.get(CSP));
}

/** Lets the page's forms be submitted to one more target (the client a self-submitting form returns to). */
export function allowFormTarget(ctx: Context, uri: string): void {
  const source = formActionSource(uri);
  const policy = ctx.response.get(CSP);
  if (source === undefined || !policy) return;
  const directives = policy.split(';').map((directive) => directive.trim()).filter(Boolean).map((directive) => {
    const [name, ...sources] = directive.split(/\s+/);
    return name === 'form-action' && !sources.includes(source) ? [name, ...sources, source].join(' ') : directive;
  });
  ctx.set(CSP, directives.join('; '));
}
