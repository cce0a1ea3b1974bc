import { readFileSync } from 'node:fs';

import type { KoaContextWithOIDC } from 'oidc-provider';

const TEMPLATE_URL = new URL('../../../views/error.html', import.meta.url);

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);

/** oidc-provider's renderError: the HTML page a browser sees when a front-channel request fails. */
export function createErrorRenderer(template = readFileSync(TEMPLATE_URL, 'utf8')) {
  return (ctx: KoaContextWithOIDC, out: { error?: string; error_description?: string }): void => {
    ctx.type = 'html';
    ctx.body = template
      .replace('{{error}}', escapeHtml(String(out.error ?? 'server_error')))
      .replace('{{error_description}}', escapeHtml(String(out.error_description ?? '')));
  };
}
