import type { KoaContextWithOIDC } from 'oidc-provider';

import { setPageHeaders } from '../interactions/page-security.js';
import type { Pages } from '../interactions/pages.js';

/**
 * oidc-provider's renderError: the HTML page a browser sees when a front-channel request fails,
 * rendered by the sign-in pages (views/error.html in views/layout.html).
 */
export function createErrorRenderer(pages: Pages) {
  return (ctx: KoaContextWithOIDC, out: { error?: string; error_description?: string }): void => {
    setPageHeaders(ctx as never);
    ctx.type = 'html';
    ctx.body = pages.error({ error: String(out.error ?? 'server_error'), errorDescription: out.error_description === undefined ? undefined : String(out.error_description) });
  };
}
