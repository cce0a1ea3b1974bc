import type Router from '@koa/router';
import type Provider from 'oidc-provider';

import { RateLimiter } from '../http/rate-limiter.js';
import type { Platform } from '../platform/index.js';
import { InitialAccessTokens, RegistrationAccessTokens } from './access-tokens.js';
import { ClientRegistrar } from './client-registrar.js';
import { resolvePolicies, type RegistrationPolicy } from './policy.js';
import { registrationRoutes } from './routes.js';
import { SoftwareStatements } from './software-statement.js';
import type { ClientMetadata } from './metadata-schema.js';

export interface RegistrationModule {
  registrar: ClientRegistrar;
  policies: ReadonlyMap<string, RegistrationPolicy>;
  initialAccessTokens: InitialAccessTokens;
  registrationAccessTokens: RegistrationAccessTokens;
  /** RFC 7591 and RFC 7592: /reg and each client's registration URI. */
  router: Router;
}

/**
 * Dynamic client registration: the policies, the initial access tokens of the configuration, the
 * one registrar every way of registering goes through, and its public routes. Client metadata is
 * checked by the current provider (oidc-provider's own validation).
 */
export async function createRegistrationModule(platform: Platform, provider: () => Provider): Promise<RegistrationModule> {
  const { configuration, store, clients, audit, now, countAudited } = platform;
  const { hasher } = platform.secrets;
  const { registration } = configuration;
  const policies = resolvePolicies(configuration);
  const registrationAccessTokens = new RegistrationAccessTokens(store.models, store.registrations, hasher);
  const initialAccessTokens = new InitialAccessTokens(store.initialAccessTokens, hasher, now);
  await initialAccessTokens.seed(registration.initialAccessTokens, (policy) => policies.get(policy)?.maxClientsPerToken);
  const registrar = new ClientRegistrar({
    stores: { clients, models: store.models, registrations: store.registrations },
    hasher,
    registrationAccessTokens,
    softwareStatements: { verifier: new SoftwareStatements(registration.softwareStatements.trustedIssuers), required: registration.softwareStatements.required },
    observe: countAudited,
    validate: (metadata: ClientMetadata) => (provider().Client as unknown as { validate(metadata: ClientMetadata): Promise<void> }).validate(metadata),
    now,
  });
  const router = registrationRoutes({
    issuer: configuration.issuer,
    settings: {
      mode: registration.mode,
      openPolicy: registration.openPolicy,
      policies,
      rotateRegistrationAccessToken: registration.rotateRegistrationAccessToken,
    },
    registrar,
    initialAccessTokens,
    registrationAccessTokens,
    audit,
    rateLimiter: new RateLimiter(registration.rateLimit.maxRequests, registration.rateLimit.windowSeconds * 1000, () => now().getTime()),
  });
  return { registrar, policies, initialAccessTokens, registrationAccessTokens, router };
}
