import type Router from '@koa/router';
import type { Context, Next } from 'koa';

import type { AuditAction, AuditTrail } from '../audit/index.js';
import type { KonnectConfig, ResourceServerConfig } from '../configuration/index.js';
import { actorOf, setActor } from '../http/actor.js';
import { ApiError, apiErrors } from '../http/api-error.js';
import { readJsonBody } from '../http/json-body.js';
import { createRouter, guardedRoutes } from '../http/routing.js';
import { fromRecord, type ClientRegistrar, type RegistrationPolicy } from '../registration/index.js';
import { createTokenMatcher } from '../secrets/index.js';
import type { ClientRecord } from '../storage/index.js';
import { APPLICATION_PAYLOAD_SCHEMA, EVENT_HOOK_SCHEMA, parseKonnectBody, type ApplicationPayload, type EventHook } from './schemas.js';
import { applicationMetadata, konnectProfile } from './translate.js';

export const KONNECT_SOURCE = 'konnect';

export interface KonnectBridgeDependencies {
  config: KonnectConfig;
  registrar: ClientRegistrar;
  /** What the bridge may register: every configured scope, no admin scope. */
  policy: RegistrationPolicy;
  resourceServers: readonly ResourceServerConfig[];
  audit: AuditTrail;
}

const isoTime = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();
const unknownClient = () => new ApiError('invalid_client', 'no application with this client_id was registered through Konnect');

/**
 * Kong Konnect's "HTTP DCR" provider contract, so that Konnect's Dev Portal registers clients here
 * directly. Every client goes through the same creation path as the rest; the bridge manages
 * only the clients it created.
 */
export function konnectRoutes({ config, registrar, policy, resourceServers, audit }: KonnectBridgeDependencies): Router {
  const router = createRouter();
  const { prefix } = config;
  const matchApiKey = createTokenMatcher(config.apiKeys);
  const registrant = { kind: 'admin' as const, policy, source: KONNECT_SOURCE, registrationAccessToken: false };
  const resources = new Map(resourceServers.map((server) => [server.resource, server]));

  router.use(apiErrors);
  // Responses carry client secrets: never cached.
  router.use(async (ctx: Context, next: Next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  const authenticate = async (ctx: Context, next: Next) => {
    const key = ctx.get('x-api-key');
    const index = key ? matchApiKey(key) : -1;
    if (index < 0) {
      await audit.record({ actor: 'anonymous', action: 'konnect.authenticate', outcome: 'failure', requestId: ctx.state.requestId, detail: key ? 'wrong X-API-KEY' : 'missing X-API-KEY' });
      throw new ApiError('unauthorized', 'a valid X-API-KEY header is required', 401);
    }
    setActor(ctx, `konnect:key#${index + 1}`);
    await next();
  };
  // Every route below carries the X-API-KEY guard in its own stack.
  const bridge = guardedRoutes(router, authenticate);

  const record = (ctx: Context, action: AuditAction, clientId: string) =>
    audit.record({ actor: actorOf(ctx), action, outcome: 'success', clientId, requestId: ctx.state.requestId });

  function jsonBody(ctx: Context): Promise<unknown> {
    return readJsonBody(ctx, (reason) => new ApiError('invalid_request', reason));
  }

  async function ownClient(ctx: Context): Promise<ClientRecord> {
    const client = await registrar.find(ctx.params.clientId ?? '');
    if (!client || client.attributes.source !== KONNECT_SOURCE) throw unknownClient();
    return client;
  }

  // Konnect calls the base URL with or without a trailing slash.
  const createApplication = async (ctx: Context) => {
    const payload = parseKonnectBody<ApplicationPayload>(APPLICATION_PAYLOAD_SCHEMA, await jsonBody(ctx));
    const registered = await registrar.register(applicationMetadata(payload), registrant, { actor: actorOf(ctx), requestId: ctx.state.requestId });
    ctx.status = 201;
    ctx.body = {
      client_id: registered.clientId,
      client_secret: registered.clientSecret,
      client_id_issued_at: isoTime(registered.clientIdIssuedAt),
      ...(registered.clientSecretExpiresAt > 0 ? { client_secret_expires_at: isoTime(registered.clientSecretExpiresAt) } : {}),
    };
  };
  bridge.post(prefix, createApplication);
  bridge.post(`${prefix}/`, createApplication);

  bridge.delete(`${prefix}/:clientId`, async (ctx) => {
    const client = await ownClient(ctx);
    await registrar.delete(client.clientId);
    await record(ctx, 'client.delete', client.clientId);
    ctx.status = 204;
  });

  bridge.post(`${prefix}/:clientId/new-secret`, async (ctx) => {
    const client = await ownClient(ctx);
    const { clientSecret } = await registrar.rotateSecret(client, 0);
    await record(ctx, 'client.secret.rotate', client.clientId);
    ctx.body = { client_id: client.clientId, client_secret: clientSecret };
  });

  bridge.post(`${prefix}/:clientId/event-hook`, async (ctx) => {
    const client = await ownClient(ctx);
    const event = parseKonnectBody<EventHook>(EVENT_HOOK_SCHEMA, await jsonBody(ctx));
    const owner = (client.metadata.profile as { konnect?: { organization_id?: unknown } } | undefined)?.konnect?.organization_id;
    // Another organization's application is answered like an unknown one: nothing about it leaks.
    if (event.client_id !== client.clientId || owner !== event.organization_id) throw unknownClient();

    const current = fromRecord(client).metadata;
    const updated: Record<string, unknown> = {
      ...current,
      client_name: event.application_name,
      profile: { ...(current.profile as object | undefined), ...konnectProfile(event) },
    };
    if (event.event_type === 'update_application') {
      updated.redirect_uris = event.redirect_uris;
    } else {
      applyRegistration(updated, resolveResource(event), event.event_type === 'add_registration');
    }
    await registrar.replace(client, updated, registrant);
    await record(ctx, 'client.update', client.clientId);
    ctx.status = 200;
    ctx.body = '';
  });

  /** The resource server a registration event names: its audience, or the configured mapping. */
  function resolveResource(event: { audience?: string; api_product_version_id: string }): ResourceServerConfig {
    const candidates = [event.audience, event.audience && config.audiences[event.audience], config.audiences[event.api_product_version_id]];
    for (const candidate of candidates) {
      const server = candidate ? resources.get(candidate) : undefined;
      if (server) return server;
    }
    throw new ApiError('invalid_request', 'audience: no resource server matches the audience or the api_product_version_id');
  }

  /** Grants or withdraws a resource server and its scopes. */
  function applyRegistration(metadata: Record<string, unknown>, server: ResourceServerConfig, grant: boolean): void {
    const allowed = new Set(Array.isArray(metadata.allowed_resources) ? (metadata.allowed_resources as string[]) : []);
    const scopes = new Set(typeof metadata.scope === 'string' ? metadata.scope.split(' ').filter(Boolean) : []);
    if (grant) {
      allowed.add(server.resource);
      for (const scope of server.scopes) scopes.add(scope);
    } else {
      allowed.delete(server.resource);
      const stillOffered = new Set([...allowed].flatMap((resource) => resources.get(resource)?.scopes ?? []));
      for (const scope of server.scopes) if (!stillOffered.has(scope)) scopes.delete(scope);
    }
    metadata.allowed_resources = [...allowed];
    if (scopes.size > 0) metadata.scope = [...scopes].join(' ');
    else delete metadata.scope;
  }

  return router;
}
