import type Router from '@koa/router';
import type Provider from 'oidc-provider';

import type { Platform } from '../platform/index.js';
import { deriveKey } from '../secrets/index.js';
import { SignInLimiter, type UserDirectory } from '../users/index.js';
import { CsrfTokens } from './csrf.js';
import { createPages, type Pages } from './pages.js';
import { ASSETS_PATH, interactionRoutes } from './routes.js';

/** The pages a person sees (sign-in, consent, errors), in the configuration's branding. */
export function interactionPages({ configuration }: Platform): Pages {
  return createPages({ ...configuration.branding, assetsPath: ASSETS_PATH });
}

/** Sign-in and consent: the pages of oidc-provider's interactions, with their limits on failed sign-ins. */
export function createInteractionsModule(platform: Platform, provider: () => Provider, { pages, users }: { pages: Pages; users: UserDirectory }): Router {
  const { configuration: { signIn }, secrets, audit, now } = platform;
  return interactionRoutes({
    provider,
    pages,
    users,
    limiter: new SignInLimiter({
      maxFailures: signIn.maxFailures,
      maxFailuresPerAddress: signIn.maxFailuresPerAddress,
      windowMs: signIn.failureWindowSeconds * 1000,
      lockoutMs: signIn.lockoutSeconds * 1000,
    }, () => now().getTime()),
    csrf: new CsrfTokens(deriveKey(secrets.masterSecret, 'interaction-csrf')),
    audit,
    passwordAcr: signIn.passwordAcr,
  });
}
