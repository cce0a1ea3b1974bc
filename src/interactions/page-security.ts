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

/**
 * Headers of every page a person sees: no script at all, styles and images only from here (and
 * https logos), forms only to here and to the client being returned to, never framed, no referrer.
 */
export function setPageHeaders(ctx: Context, returnTo: readonly (string | undefined)[] = []): void {
  const formTargets = ["'self'", ...new Set(returnTo.map(formActionSource).filter((source): source is string => source !== undefined))];
  ctx.set({
    'Content-Security-Policy': [
      "default-src 'none'", "style-src 'self'", "img-src 'self' https: data:", `form-action ${formTargets.join(' ')}`,
      "frame-ancestors 'none'", "base-uri 'none'",
    ].join('; '),
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
}
