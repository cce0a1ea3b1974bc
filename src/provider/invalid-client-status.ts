import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * RFC 6749 §5.2: a client that authenticated through the Authorization header and failed gets a
 * 401 with WWW-Authenticate. oidc-provider answers some of those failures (an expired secret)
 * with 400.
 */
export function invalidClientStatus(ctx: KoaContextWithOIDC): void {
  const body = ctx.body as { error?: unknown } | undefined;
  if (ctx.status === 400 && body?.error === 'invalid_client' && /^Basic /i.test(ctx.get('authorization'))) {
    ctx.status = 401;
    ctx.set('WWW-Authenticate', 'Basic realm="token"');
  }
}
