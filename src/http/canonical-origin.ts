import type { IncomingMessage } from 'node:http';

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix'];

/**
 * Makes every request look as if it was addressed to the issuer, before any URL is built from it.
 * oidc-provider builds endpoint URLs from the request (Host, X-Forwarded-*, an absolute-form
 * request target); a forged Host must never show up in metadata or in a returned URL.
 */
export function canonicalizeRequest(request: IncomingMessage, issuer: URL): void {
  for (const header of FORWARDING_HEADERS) delete request.headers[header];
  request.headers.host = issuer.host;
  request.headers['x-forwarded-host'] = issuer.host;
  request.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);

  const target = request.url ?? '/';
  if (!target.startsWith('/')) {
    // Absolute-form (`GET http://evil.example/path`): keep the path and query only.
    const parsed = URL.parse(target);
    request.url = parsed ? `${parsed.pathname}${parsed.search}` : '/';
  }
}
