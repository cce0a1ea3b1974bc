import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { requestFacts } from '../http/request-facts.js';
import type { Logger } from '../logging/index.js';
import type { Metrics } from '../metrics/index.js';

/** The client id a request claimed (form or Basic), bounded, for the log line of a failed authentication. */
function claimedClientId(ctx: KoaContextWithOIDC): string | undefined {
  const fromForm = ctx.oidc?.params?.client_id;
  if (typeof fromForm === 'string') return fromForm.slice(0, 255);
  const basic = /^Basic\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
  if (!basic) return undefined;
  const user = Buffer.from(basic, 'base64').toString('utf8').split(':')[0] ?? '';
  try {
    return decodeURIComponent(user).slice(0, 255);
  } catch {
    return user.slice(0, 255);
  }
}

/**
 * Failed client authentication at the token, introspection and revocation endpoints is logged
 * (warn) and counted across provider rebuilds: what an operator watches for credential stuffing.
 * Never the secret presented.
 */
export function clientAuthenticationFailures(logger: Logger, metrics: Metrics) {
  let failures = 0;
  const listener = (ctx: KoaContextWithOIDC, error: { error?: string }) => {
    if (error?.error !== 'invalid_client') return;
    failures += 1;
    metrics.clientAuthenticationFailed(ctx.oidc?.route ?? 'unknown');
    logger.warn('client authentication failed', {
      route: ctx.oidc?.route,
      clientId: claimedClientId(ctx),
      requestId: requestFacts(ctx.req).requestId,
      failuresSinceStart: failures,
    });
  };
  return {
    watch(provider: Provider): void {
      provider.on('grant.error', listener as never);
      provider.on('introspection.error', listener as never);
      provider.on('revocation.error', listener as never);
    },
    get count(): number {
      return failures;
    },
  };
}
