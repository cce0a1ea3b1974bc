import Router from '@koa/router';
import type { Context } from 'koa';

import type { AuditAction, AuditTrail } from '../audit/index.js';
import type { RegistrationMode } from '../configuration/index.js';
import { apiErrors } from '../http/api-error.js';
import { bearerToken, readJsonBody } from '../http/json-body.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import type { InitialAccessTokens, RegistrationAccessTokens } from './access-tokens.js';
import type { ClientRegistrar, Registrant } from './client-registrar.js';
import {
  invalidClientMetadata, invalidInitialAccessToken, invalidRegistrationAccessToken, RegistrationError,
} from './errors.js';
import type { RegistrationPolicy } from './policy.js';
import { clientInformation, fromRecord, REGISTRATION_PATH } from './presenter.js';

export interface RegistrationRouteDependencies {
  issuer: string;
  mode: RegistrationMode;
  openPolicy: string;
  policies: ReadonlyMap<string, RegistrationPolicy>;
  rotateRegistrationAccessToken: boolean;
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

async function jsonBody(ctx: Context): Promise<unknown> {
  const body = await readJsonBody(ctx);
  if (!body.ok) throw invalidClientMetadata('(body)', body.reason);
  return body.value;
}

/** RFC 7591 registration and RFC 7592 management at /reg and /reg/:clientId. */
export function registrationRoutes(dependencies: RegistrationRouteDependencies): Router {
  const { issuer, mode, registrar, initialAccessTokens, registrationAccessTokens, audit } = dependencies;
  const router = new Router({ prefix: REGISTRATION_PATH });
  const record = (ctx: Context, action: AuditAction, actor: string, outcome: 'success' | 'failure', clientId?: string, detail?: string) =>
    audit.record({ actor, action, outcome, clientId, requestId: ctx.state.requestId, detail });
  router.use(async (ctx, next) => {
    // Errors answer with Pragma too, like every registration response.
    ctx.set('Pragma', 'no-cache');
    await apiErrors(ctx, next);
  });

  /** Who registers, or a 401/403/429 before anything is read or created. */
  async function admitRegistrant(ctx: Context): Promise<{ registrant: Registrant; release: () => Promise<void> }> {
    if (mode === 'admin_only') {
      throw new RegistrationError('access_denied', 'clients are registered through the admin API only', 403);
    }
    const token = bearerToken(ctx);
    if (token === undefined && mode === 'open') {
      const decision = dependencies.rateLimiter.take(ctx.ip);
      if (!decision.allowed) {
        throw new RegistrationError('too_many_requests', 'too many registrations from this address; retry later', 429, {
          'Retry-After': String(decision.retryAfterSeconds),
        });
      }
      return { registrant: { kind: 'self', policy: dependencies.policies.get(dependencies.openPolicy)! }, release: async () => {} };
    }
    const iat = token === undefined ? undefined : await initialAccessTokens.find(token);
    const policy = iat && dependencies.policies.get(iat.policies[0]!);
    if (!iat || !policy || !(await initialAccessTokens.consume(iat))) {
      await record(ctx, 'registration.authenticate', 'anonymous', 'failure', undefined, token === undefined ? 'missing initial access token' : 'invalid initial access token');
      throw invalidInitialAccessToken();
    }
    return {
      registrant: { kind: 'self', policy, initialAccessTokenId: iat.id },
      release: () => initialAccessTokens.release(iat),
    };
  }

  router.post('/', async (ctx) => {
    const { registrant, release } = await admitRegistrant(ctx);
    try {
      const registered = await registrar.register(await jsonBody(ctx), registrant);
      const actor = registrant.initialAccessTokenId === undefined ? 'registration:open' : `registration:${registrant.initialAccessTokenId}`;
      await record(ctx, 'client.create', actor, 'success', registered.clientId);
      noStore(ctx);
      ctx.status = 201;
      ctx.body = clientInformation(registered, { issuer, registrationAccessToken: registered.registrationAccessToken });
    } catch (error) {
      // A refused registration does not use up the initial access token.
      await release();
      throw error;
    }
  });

  /** The client a registration access token manages, or the one 401 for every failure. */
  async function authorizedClient(ctx: Context) {
    const clientId = ctx.params.clientId ?? '';
    const token = bearerToken(ctx);
    const client = token !== undefined && (await registrationAccessTokens.isValidFor(token, clientId)) ? await registrar.find(clientId) : undefined;
    if (!client || token === undefined) {
      await record(ctx, 'registration.authenticate', 'anonymous', 'failure', undefined, 'invalid registration access token');
      throw invalidRegistrationAccessToken();
    }
    return { client, token };
  }

  router.get('/:clientId', async (ctx) => {
    const { client, token } = await authorizedClient(ctx);
    noStore(ctx);
    ctx.body = clientInformation(fromRecord(client), { issuer, registrationAccessToken: token });
  });

  router.put('/:clientId', async (ctx) => {
    const { client, token } = await authorizedClient(ctx);
    const policyName = String(client.attributes.policy ?? dependencies.openPolicy);
    const policy = dependencies.policies.get(policyName) ?? dependencies.policies.get(dependencies.openPolicy)!;
    const updated = await registrar.replace(client, await jsonBody(ctx), { kind: 'self', policy });
    let registrationAccessToken = token;
    if (dependencies.rotateRegistrationAccessToken) {
      registrationAccessToken = await registrationAccessTokens.issue(client.clientId);
      await registrationAccessTokens.revoke(token);
    }
    await record(ctx, 'client.update', `client:${client.clientId}`, 'success', client.clientId);
    noStore(ctx);
    ctx.body = clientInformation(updated, { issuer, registrationAccessToken });
  });

  router.delete('/:clientId', async (ctx) => {
    const { client } = await authorizedClient(ctx);
    await registrar.delete(client.clientId);
    await record(ctx, 'client.delete', `client:${client.clientId}`, 'success', client.clientId);
    ctx.status = 204;
  });

  return router;
}
