import type { Context } from 'koa';

export const OIDC_ISSUER_REL = 'http://openid.net/specs/connect/1.0/issuer';
export const WEBFINGER_PATH = '/.well-known/webfinger';

const JRD = 'application/jrd+json';

/** The host a WebFinger resource names, or undefined when it is not a URI we can read. */
function resourceHost(resource: string): string | undefined {
  if (/^acct:/i.test(resource)) {
    // RFC 7565: acct:userpart@host, the userpart percent-encoded; the last @ separates the host.
    const at = resource.lastIndexOf('@');
    if (at <= 'acct:'.length || at === resource.length - 1) return undefined;
    return resource.slice(at + 1).toLowerCase();
  }
  const url = URL.parse(resource);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.host) return undefined;
  return url.host.toLowerCase();
}

function queryValues(ctx: Context, name: string): string[] {
  const value = ctx.query[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * RFC 7033 WebFinger, for OpenID Connect Discovery §2 issuer discovery: a resource on the
 * issuer's host learns the issuer. No account data is kept or revealed: every resource of the
 * issuer's host gets the same answer.
 */
export function webfingerEndpoint(issuer: string) {
  const issuerUrl = new URL(issuer);
  const issuerHosts = new Set([issuerUrl.host.toLowerCase(), issuerUrl.hostname.toLowerCase()]);

  return async (ctx: Context): Promise<void> => {
    ctx.set('Access-Control-Allow-Origin', '*');
    const resources = queryValues(ctx, 'resource');
    if (resources.length !== 1 || resources[0] === '') {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'exactly one resource parameter is required' };
      return;
    }
    const resource = resources[0]!;
    const host = resourceHost(resource);
    if (host === undefined) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'resource must be an acct: or http(s) URI' };
      return;
    }
    if (!issuerHosts.has(host)) {
      ctx.status = 404;
      ctx.body = { error: 'not_found', error_description: 'this server has no information about that resource' };
      return;
    }
    const rels = queryValues(ctx, 'rel');
    const links = [{ rel: OIDC_ISSUER_REL, href: issuer }].filter((link) => rels.length === 0 || rels.includes(link.rel));
    ctx.type = JRD;
    ctx.body = JSON.stringify({ subject: resource, links });
  };
}
