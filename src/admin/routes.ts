import type Router from '@koa/router';
import type { Context } from 'koa';

import type { AuditAction, AuditTrail } from '../audit/index.js';
import type { SigningAlgorithm } from '../configuration/index.js';
import { RotationInProgressError, type KeyRing, type KeyView } from '../keys/index.js';
import { actorOf } from '../http/actor.js';
import { ApiError, apiErrors } from '../http/api-error.js';
import { hasBody, readJsonBody } from '../http/json-body.js';
import { createRouter, guardedRoutes } from '../http/routing.js';
import {
  attributesOf, clientInformation, fromRecord, parseClientMetadata, selfManagementAllowed, softwareIdVerified, type ClientRegistrar, type InitialAccessTokens,
  type RegistrationAccessTokens, type RegistrationPolicy, registrationClientUri,
} from '../registration/index.js';
import type { AuditStore, ClientRecord, InitialAccessTokenRecord } from '../storage/index.js';
import type { MetricFamily } from '../metrics/index.js';
import { callerOf } from './authentication.js';
import { ADMIN_PATH, applyMergePatch, assertValid, decodeCursor, filterValue, keysetPage, parseLimit, singleQueryValue } from '../api/index.js';
import { buildOpenApiDocument } from './openapi.js';
import { addUserRoutes, type UserDirectory } from '../users/index.js';
import { requestSchemas, SECRET_ROTATION_REQUEST_SCHEMA } from './schemas.js';

export interface AdminRouteDependencies {
  issuer: string;
  registration: AdminRegistration;
  /** What an administrator may grant on this deployment. */
  offered: AdminOffer;
  keyRing: KeyRing;
  /** Where changes are recorded, and where the trail is read back from. */
  audit: { trail: AuditTrail; events: AuditStore };
  authenticate: (ctx: Context, next: () => Promise<unknown>) => Promise<unknown>;
  users: UserDirectory;
  /** This instance's metrics, for GET /admin/metrics. */
  metrics: () => Promise<MetricFamily[]>;
}

/** The registration pieces the admin API manages clients and tokens through. */
export interface AdminRegistration {
  registrar: ClientRegistrar;
  policies: ReadonlyMap<string, RegistrationPolicy>;
  initialAccessTokens: InitialAccessTokens;
  registrationAccessTokens: RegistrationAccessTokens;
  /** Ids of the initial access tokens the configuration file declares (the file is their source of truth). */
  configuredInitialAccessTokens: ReadonlySet<string>;
}

export interface AdminOffer {
  /** What an administrator may register: the admin API's own policy. */
  adminPolicy: RegistrationPolicy;
  /** The signing algorithms in use (rotated together when no algorithm is named). */
  algorithms: SigningAlgorithm[];
  /** Every resource server's identifier (the admin API's own included). */
  resources: string[];
}

const epochSeconds = (date: Date | undefined): number | null => (date === undefined ? null : Math.floor(date.getTime() / 1000));
const notFound = (what: string) => new ApiError('not_found', `no such ${what}`, 404);
const declaredInConfiguration = (what: string) =>
  new ApiError('declared_in_configuration', `${what} is declared in the configuration file; change it there`, 409);

const invalidRequest = (reason: string) => new ApiError('invalid_request', `(body): ${reason}`);

/** The JSON body; an optional one may be left out entirely (no body: {}). */
async function jsonBody(ctx: Context, { optional = false, mediaTypes = ['application/json'] } = {}): Promise<unknown> {
  if (optional && !hasBody(ctx)) return {};
  return readJsonBody(ctx, invalidRequest, mediaTypes);
}

function initialAccessTokenView(record: InitialAccessTokenRecord) {
  return {
    id: record.id,
    policies: record.policies,
    expires_at: epochSeconds(record.expiresAt),
    max_uses: record.maxUses ?? null,
    uses: record.uses,
    created_at: epochSeconds(record.createdAt)!,
  };
}

function keyView(key: KeyView) {
  return {
    kid: key.kid,
    alg: key.alg,
    generation: key.generation,
    state: key.state,
    published_at: key.publishedAt.toISOString(),
    activate_at: key.activateAt.toISOString(),
    retire_at: key.retireAt?.toISOString() ?? null,
    remove_at: key.removeAt?.toISOString() ?? null,
  };
}

/** The admin API under /admin: clients, initial access tokens, the audit trail, and its OpenAPI document. */
export function adminRoutes(dependencies: AdminRouteDependencies): Router {
  const { issuer, registration, offered, audit: { trail: audit, events: auditEvents } } = dependencies;
  const { registrar, policies, initialAccessTokens, registrationAccessTokens, configuredInitialAccessTokens } = registration;
  const { adminPolicy, algorithms, resources } = offered;
  const router = createRouter();
  const requests = requestSchemas({
    policies: [...policies.keys()],
    algorithms,
    scopes: adminPolicy.scopes,
    resources,
  });
  const openApi = buildOpenApiDocument(issuer, requests);
  /** Checked as the registration endpoint checks (same errors), then against this deployment's values. */
  const clientRequest = (body: unknown) => {
    parseClientMetadata(body, 'admin');
    return assertValid<Record<string, unknown>>(requests.clientRequest, body, 'invalid_client_metadata');
  };
  const adminRegistrant = { kind: 'admin' as const, policy: adminPolicy };

  router.use(apiErrors);
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.get(`${ADMIN_PATH}/openapi.json`, (ctx) => {
    ctx.body = openApi;
  });
  // Every route below carries the authentication guard in its own stack.
  const admin = guardedRoutes(router, dependencies.authenticate);

  const record = (ctx: Context, action: AuditAction, clientId?: string, detail?: string) =>
    audit.record({ actor: actorOf(ctx), action, outcome: 'success', clientId, requestId: ctx.state.requestId, detail });

  async function existingClient(ctx: Context): Promise<ClientRecord> {
    const client = await registrar.find(ctx.params.clientId ?? '');
    if (!client) throw notFound('client');
    return client;
  }

  /** A client the admin API may change: not one the configuration file declares (start-up would undo the change). */
  async function changeableClient(ctx: Context): Promise<ClientRecord> {
    const client = await existingClient(ctx);
    if (attributesOf(client).source === 'configuration') throw declaredInConfiguration(`client ${client.clientId}`);
    return client;
  }

  const clientView = (client: ClientRecord) => ({
    ...clientInformation(fromRecord(client), { issuer, registrationAccessToken: undefined }),
    self_management: selfManagementAllowed(client),
    ...(client.metadata.software_id === undefined ? {} : { software_id_verified: softwareIdVerified(client) }),
  });
  /** Credentials are shown once, in the response that created them. */
  const credentials = (registered: { clientSecret?: string | undefined; registrationAccessToken?: string | undefined }) => ({
    ...(registered.clientSecret ? { client_secret: registered.clientSecret } : {}),
    ...(registered.registrationAccessToken ? { registration_access_token: registered.registrationAccessToken } : {}),
  });
  /** A secret the update had to generate is shown once, like at creation. */
  const updatedView = async (clientId: string, newSecret: string | undefined) => ({
    ...clientView((await registrar.find(clientId))!),
    ...(newSecret ? { client_secret: newSecret } : {}),
  });

  admin.post(`${ADMIN_PATH}/clients`, async (ctx) => {
    const registered = await registrar.register(clientRequest(await jsonBody(ctx)), adminRegistrant, { actor: actorOf(ctx), requestId: ctx.state.requestId });
    ctx.status = 201;
    ctx.body = { ...clientView((await registrar.find(registered.clientId))!), ...credentials(registered) };
  });

  admin.get(`${ADMIN_PATH}/clients`, async (ctx) => {
    const limit = parseLimit(singleQueryValue(ctx.query, 'limit'));
    const cursor = singleQueryValue(ctx.query, 'cursor');
    const clientName = filterValue(ctx.query, 'client_name');
    const softwareId = filterValue(ctx.query, 'software_id');
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const page = await registrar.list({
      limit: limit + 1,
      after: after && { createdAt: after.time, clientId: after.id },
      clientName,
      softwareId,
    });
    const { items, nextCursor, link } = keysetPage(
      page, limit, (client) => ({ time: client.createdAt, id: client.clientId }),
      (query) => `${issuer}${ADMIN_PATH}/clients?${query}`, { client_name: clientName, software_id: softwareId },
    );
    if (link) ctx.set('Link', link);
    ctx.body = { clients: items.map(clientView), next_cursor: nextCursor };
  });

  admin.get(`${ADMIN_PATH}/clients/:clientId`, async (ctx) => {
    ctx.body = clientView(await existingClient(ctx));
  });

  admin.put(`${ADMIN_PATH}/clients/:clientId`, async (ctx) => {
    const client = await changeableClient(ctx);
    const body = clientRequest(await jsonBody(ctx));
    const updated = await registrar.replace(client, body, adminRegistrant);
    await record(ctx, 'client.update', client.clientId);
    ctx.body = await updatedView(client.clientId, updated.clientSecret);
  });

  admin.patch(`${ADMIN_PATH}/clients/:clientId`, async (ctx) => {
    const client = await changeableClient(ctx);
    const patch = await jsonBody(ctx, { mediaTypes: ['application/merge-patch+json', 'application/json'] });
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      throw new ApiError('invalid_request', '(body): a JSON Merge Patch must be an object');
    }
    const current = { ...clientView(client) } as Record<string, unknown>;
    delete current.registration_client_uri;
    delete current.client_id_issued_at;
    delete current.software_id_verified;
    const updated = await registrar.replace(client, clientRequest(applyMergePatch(current, patch)), adminRegistrant);
    await record(ctx, 'client.update', client.clientId);
    ctx.body = await updatedView(client.clientId, updated.clientSecret);
  });

  admin.delete(`${ADMIN_PATH}/clients/:clientId`, async (ctx) => {
    const client = await changeableClient(ctx);
    await registrar.delete(client.clientId);
    await record(ctx, 'client.delete', client.clientId);
    ctx.status = 204;
  });

  admin.post(`${ADMIN_PATH}/clients/:clientId/secret`, async (ctx) => {
    const client = await changeableClient(ctx);
    const { grace_period: gracePeriod = 0 } = assertValid<{ grace_period?: number }>(SECRET_ROTATION_REQUEST_SCHEMA, await jsonBody(ctx, { optional: true }));
    const rotated = await registrar.rotateSecret(client, gracePeriod);
    await record(ctx, 'client.secret.rotate', client.clientId);
    ctx.body = { client_id: client.clientId, client_secret: rotated.clientSecret, client_secret_expires_at: rotated.clientSecretExpiresAt };
  });

  admin.post(`${ADMIN_PATH}/clients/:clientId/registration-access-token`, async (ctx) => {
    const client = await changeableClient(ctx);
    if (!selfManagementAllowed(client)) {
      throw new ApiError('invalid_request', 'self-management (RFC 7592) is off for this client; set self_management to true first', 409);
    }
    const token = await registrationAccessTokens.reissue(client.clientId);
    await record(ctx, 'client.registration_access_token.reissue', client.clientId);
    ctx.body = {
      client_id: client.clientId,
      registration_access_token: token,
      registration_client_uri: registrationClientUri(issuer, client.clientId),
    };
  });

  admin.post(`${ADMIN_PATH}/initial-access-tokens`, async (ctx) => {
    const request = assertValid<{ expires_in?: number; max_uses?: number; policies?: string[] }>(
      requests.initialAccessTokenRequest, await jsonBody(ctx, { optional: true }),
    );
    const named = request.policies ?? ['default'];
    const unknown = named.find((name) => !policies.has(name));
    if (unknown !== undefined) throw new ApiError('invalid_request', `policies: unknown policy "${unknown}"`);
    const { record: created, token } = await initialAccessTokens.create({
      expiresInSeconds: request.expires_in,
      maxUses: request.max_uses,
      policies: named,
      policyCap: policies.get(named[0]!)?.maxClientsPerToken,
    });
    await record(ctx, 'initial_access_token.create', undefined, created.id);
    ctx.status = 201;
    ctx.body = { id: created.id, initial_access_token: token, expires_at: epochSeconds(created.expiresAt) };
  });

  admin.get(`${ADMIN_PATH}/initial-access-tokens`, async (ctx) => {
    ctx.body = { initial_access_tokens: (await initialAccessTokens.list()).map(initialAccessTokenView) };
  });

  admin.delete(`${ADMIN_PATH}/initial-access-tokens/:id`, async (ctx) => {
    if (configuredInitialAccessTokens.has(ctx.params.id ?? '')) throw declaredInConfiguration(`initial access token ${ctx.params.id}`);
    if (!(await initialAccessTokens.revoke(ctx.params.id ?? ''))) throw notFound('initial access token');
    await record(ctx, 'initial_access_token.revoke', undefined, ctx.params.id);
    ctx.status = 204;
  });

  admin.get(`${ADMIN_PATH}/keys`, (ctx) => {
    ctx.body = { keys: dependencies.keyRing.list().map(keyView) };
  });

  admin.post(`${ADMIN_PATH}/keys/rotate`, async (ctx) => {
    const { alg } = assertValid<{ alg?: SigningAlgorithm }>(requests.keyRotationRequest, await jsonBody(ctx, { optional: true }));
    if (alg !== undefined && !algorithms.includes(alg)) {
      throw new ApiError('invalid_request', `alg: no resource server signs with ${alg}`);
    }
    const requested = alg === undefined ? algorithms : [alg];
    // All or none: a rotation under way for one algorithm refuses the whole request.
    const busy = dependencies.keyRing.list().find((key) => key.state === 'pending' && (requested as string[]).includes(key.alg));
    if (busy) {
      throw new ApiError('rotation_in_progress', `a rotation of ${busy.alg} is under way: key ${busy.kid} signs from ${busy.activateAt.toISOString()}`, 409);
    }
    const rotations = [];
    for (const algorithm of requested) {
      let rotation;
      try {
        rotation = await dependencies.keyRing.rotate(algorithm);
      } catch (error) {
        if (error instanceof RotationInProgressError) throw new ApiError('rotation_in_progress', error.message, 409);
        throw error;
      }
      rotations.push({ next: keyView(rotation.next), previous: rotation.previous.map(keyView) });
      await record(ctx, 'keys.rotate', undefined, `${algorithm} ${rotation.next.kid}`);
    }
    ctx.body = { rotations };
  });

  admin.get(`${ADMIN_PATH}/me`, (ctx) => {
    const { role, user } = callerOf(ctx);
    ctx.body = {
      actor: actorOf(ctx),
      role,
      ...(user ? { user: { id: user.id, username: user.username, ...(user.name === undefined ? {} : { name: user.name }), groups: user.groups } } : {}),
    };
  });

  admin.get(`${ADMIN_PATH}/metrics`, async (ctx) => {
    ctx.body = { metrics: await dependencies.metrics() };
  });

  admin.get(`${ADMIN_PATH}/audit`, async (ctx) => {
    const limit = parseLimit(singleQueryValue(ctx.query, 'limit'));
    const cursor = singleQueryValue(ctx.query, 'cursor');
    const clientId = filterValue(ctx.query, 'client_id');
    const action = filterValue(ctx.query, 'action');
    const page = await auditEvents.list({
      limit: limit + 1,
      before: cursor === undefined ? undefined : decodeCursor(cursor),
      clientId,
      action,
    });
    const { items: events, nextCursor, link } = keysetPage(
      page, limit, (event) => ({ time: event.time, id: event.id }),
      (query) => `${issuer}${ADMIN_PATH}/audit?${query}`, { client_id: clientId, action },
    );
    if (link) ctx.set('Link', link);
    ctx.body = {
      events: events.map((event) => ({
        id: event.id,
        time: event.time.toISOString(),
        actor: event.actor,
        action: event.action,
        outcome: event.outcome,
        ...(event.clientId === undefined ? {} : { client_id: event.clientId }),
        ...(event.requestId === undefined ? {} : { request_id: event.requestId }),
        ...(event.detail === undefined ? {} : { detail: event.detail }),
      })),
      next_cursor: nextCursor,
    };
  });

  addUserRoutes(admin, {
    baseUrl: `${issuer}${ADMIN_PATH}`,
    directory: dependencies.users,
    audit,
    jsonBody: (ctx, mediaTypes) => jsonBody(ctx, mediaTypes && { mediaTypes }),
  });

  return router;
}
