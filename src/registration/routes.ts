import type Router from '@koa/router';
import type { Context, Next } from 'koa';

import type { AuditAction, AuditTrail } from '../audit/index.js';
import type { RegistrationMode } from '../configuration/index.js';
import { actorOf, setActor } from '../http/actor.js';
import { apiErrors } from '../http/api-error.js';
import { rateLimitKey } from '../http/client-address.js';
import { bearerToken, readJsonBody } from '../http/json-body.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import { createRouter, guardedRoutes } from '../http/routing.js';
import type { InitialAccessTokens, RegistrationAccessTokens } from './access-tokens.js';
import type { ClientRegistrar, Registrant } from './client-registrar.js';
import {
  invalidClientMetadata, invalidInitialAccessToken, invalidRegistrationAccessToken, RegistrationError,
} from './errors.js';
import { attributesOf, ceilingPolicy, selfManagementAllowed } from './attributes.js';
import type { RegistrationPolicy } from './policy.js';
import { clientInformation, fromRecord, REGISTRATION_PATH } from './presenter.js';
import type { ClientRecord } from '../storage/index.js';

/** How self-registration is open, under which policies, and whether reading a registration rotates its token. */
export interface RegistrationSettings {
  mode: RegistrationMode;
  openPolicy: string;
  policies: ReadonlyMap<string, RegistrationPolicy>;
  rotateRegistrationAccessToken: boolean;
}

export interface RegistrationRouteDependencies {
  issuer: string;
  settings: RegistrationSettings;
  registrar: ClientRegistrar;
  initialAccessTokens: InitialAccessTokens;
  registrationAccessTokens: RegistrationAccessTokens;
  rateLimiter: RateLimiter;
  audit: AuditTrail;
}

function noStore(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
}

function jsonBody(ctx: Context): Promise<unknown> {
  return readJsonBody(ctx, (reason) => invalidClientMetadata('(body)', reason));
}

/** RFC 7591 registration and RFC 7592 management at /reg and /reg/:clientId. */
export function registrationRoutes(dependencies: RegistrationRouteDependencies): Router {
  const { issuer, settings, registrar, initialAccessTokens, registrationAccessTokens, audit } = dependencies;
  const { mode } = settings;
  const router = createRouter();
  const record = (ctx: Context, action: AuditAction, actor: string, outcome: 'success' | 'failure', clientId?: string, detail?: string) =>
    audit.record({ actor, action, outcome, clientId, requestId: ctx.state.requestId, detail });
  router.use(async (ctx, next) => {
    // Errors answer with Pragma too, like every registration response.
    ctx.set('Pragma', 'no-cache');
    await apiErrors(ctx, next);
  });

  /**
   * The guard of POST /reg: who registers (ctx.state.registrant), or a 401/403/429 before
   * anything is read or created.
   */
  async function admitRegistrant(ctx: Context, next: Next): Promise<void> {
    if (mode === 'admin_only') {
      throw new RegistrationError('access_denied', 'clients are registered through the admin API only', 403);
    }
    const token = bearerToken(ctx);
    if (token === undefined && mode === 'open') {
      const decision = dependencies.rateLimiter.take(rateLimitKey(String(ctx.state.clientAddress ?? ctx.ip)));
      if (!decision.allowed) {
        throw new RegistrationError('too_many_requests', 'too many registrations from this address; retry later', 429, {
          'Retry-After': String(decision.retryAfterSeconds),
        });
      }
      ctx.state.registrant = { kind: 'self', policy: settings.policies.get(settings.openPolicy)! } satisfies Registrant;
      setActor(ctx, 'registration:open');
      await next();
      return;
    }
    const iat = token === undefined ? undefined : await initialAccessTokens.find(token);
    const policy = iat && settings.policies.get(iat.policies[0]!);
    if (!iat || !policy || !(await initialAccessTokens.consume(iat))) {
      await record(ctx, 'registration.authenticate', 'anonymous', 'failure', undefined, token === undefined ? 'missing initial access token' : 'invalid initial access token');
      throw invalidInitialAccessToken();
    }
    ctx.state.registrant = { kind: 'self', policy, initialAccessTokenId: iat.id } satisfies Registrant;
    setActor(ctx, `registration:${iat.id}`);
    try {
      await next();
    } catch (error) {
      // A refused registration does not use up the initial access token.
      await initialAccessTokens.release(iat);
      throw error;
    }
  }

  /** The guard of /reg/:clientId: the client its registration access token manages, or the one 401 for every failure. */
  async function authorizeManagement(ctx: Context, next: Next): Promise<void> {
    const clientId = ctx.params.clientId ?? '';
    const token = bearerToken(ctx);
    const client = token !== undefined && (await registrationAccessTokens.isValidFor(token, clientId)) ? await registrar.find(clientId) : undefined;
    // A client whose administrator turned self-management off gets the same answer as a bad token.
    if (!client || token === undefined || !selfManagementAllowed(client)) {
      await record(ctx, 'registration.authenticate', 'anonymous', 'failure', undefined, 'invalid registration access token');
      throw invalidRegistrationAccessToken();
    }
    ctx.state.managed = { client, token };
    setActor(ctx, `client:${client.clientId}`);
    await next();
  }

  const registration = guardedRoutes(router, admitRegistrant);
  const management = guardedRoutes(router, authorizeManagement);
  const managed = (ctx: Context) => ctx.state.managed as { client: ClientRecord; token: string };

  registration.post(REGISTRATION_PATH, async (ctx) => {
    const registrant = ctx.state.registrant as Registrant;
    const registered = await registrar.register(await jsonBody(ctx), registrant, { actor: actorOf(ctx), requestId: ctx.state.requestId });
    noStore(ctx);
    ctx.status = 201;
    ctx.body = clientInformation(registered, { issuer, registrationAccessToken: registered.registrationAccessToken });
  });

  management.get(`${REGISTRATION_PATH}/:clientId`, async (ctx) => {
    const { client, token } = managed(ctx);
    noStore(ctx);
    ctx.body = clientInformation(fromRecord(client), { issuer, registrationAccessToken: token });
  });

  /**
   * What a self-service update is checked against: what an administrator granted the client, or
   * else the policy it registered under; never another policy in its place.
   */
  function selfServicePolicy(client: ClientRecord): RegistrationPolicy {
    const { ceiling, policy } = attributesOf(client);
    if (ceiling) return ceilingPolicy(client.clientId, ceiling);
    const registeredUnder = policy === undefined ? undefined : settings.policies.get(policy);
    if (!registeredUnder) {
      throw new RegistrationError('access_denied', 'the registration policy this client was registered under no longer exists; an administrator can update it', 403);
    }
    return registeredUnder;
  }

  management.put(`${REGISTRATION_PATH}/:clientId`, async (ctx) => {
    const { client, token } = managed(ctx);
    const actor = actorOf(ctx);
    const prepared = await registrar.prepareReplace(client, await jsonBody(ctx), { kind: 'self', policy: selfServicePolicy(client) });
    let registrationAccessToken: string | undefined = token;
    if (settings.rotateRegistrationAccessToken) {
      // Of concurrent updates with one token, exactly one wins the rotation and is written.
      registrationAccessToken = await registrationAccessTokens.rotate(client.clientId, token);
      if (registrationAccessToken === undefined) {
        await record(ctx, 'registration.authenticate', 'anonymous', 'failure', client.clientId, 'registration access token already used by a concurrent update');
        throw invalidRegistrationAccessToken();
      }
    }
    let updated;
    try {
      updated = await prepared.commit();
    } catch (error) {
      // Nothing was written (the client changed meanwhile): the client keeps the token it sent.
      if (registrationAccessToken !== token) await registrationAccessTokens.restore(client.clientId, registrationAccessToken, token);
      throw error;
    }
    await record(ctx, 'client.update', actor, 'success', client.clientId);
    noStore(ctx);
    ctx.body = clientInformation(updated, { issuer, registrationAccessToken });
  });

  management.delete(`${REGISTRATION_PATH}/:clientId`, async (ctx) => {
    const { client } = managed(ctx);
    await registrar.delete(client.clientId);
    await record(ctx, 'client.delete', actorOf(ctx), 'success', client.clientId);
    ctx.status = 204;
  });

  return router;
}
