import { randomFillSync } from 'node:crypto';

import type { Context } from 'koa';
import type Provider from 'oidc-provider';

import type { ResourceServerConfig } from '../configuration/index.js';
import { requestFacts } from '../http/request-facts.js';
import { StoreUnavailableError } from '../storage/index.js';
import type { AccessTokenSigner } from './access-token-signer.js';
import { createResourceIndicators } from './resource-servers.js';

/** Token requests are a few hundred bytes; a larger one goes the general way. */
const MAX_BODY_BYTES = 8 * 1024;
const ALLOWED_PARAMETERS = new Set(['grant_type', 'scope', 'resource', 'client_id', 'client_secret']);

type ProviderClient = InstanceType<Provider['Client']> & {
  clientAuthMethod: string;
  clientSecretExpiresAt?: number;
  scope?: string;
  tlsClientCertificateBoundAccessTokens?: boolean;
  dpopBoundAccessTokens?: boolean;
  grantTypeAllowed(type: string): boolean;
  compareClientSecret(secret: string): boolean | Promise<boolean>;
};

interface Credentials {
  clientId: string;
  secret: string;
  method: 'client_secret_basic' | 'client_secret_post';
}

/**
 * The client credentials grant in its common form (a client secret, one resource server, its
 * scopes) issued without oidc-provider's request pipeline, which costs more CPU than the token
 * itself. The token is still oidc-provider's own ClientCredentials model, saved as it saves it
 * (same format, claims, signing keys, storage and events); client authentication, grant type,
 * resource and scope rules are the same functions oidc-provider runs. Any request that is not
 * plainly valid, or that needs anything more (DPoP, mTLS, private_key_jwt, CORS, repeated or
 * unknown parameters, a wrong secret), is handed to oidc-provider with its body, so every refusal
 * and every unusual case is answered exactly as before.
 */
export interface FastPathDependencies {
  provider: () => Provider;
  issuer: string;
  resourceServers: readonly ResourceServerConfig[];
  /** JWTs are signed here, with the keys oidc-provider would use (see access-token-signer.ts). */
  signer: AccessTokenSigner;
  /** oidc-provider's extraTokenClaims: the mapped claims. */
  extraClaims: (ctx: undefined, token: { kind: string; clientId: string; scope?: string | undefined; resourceServer: { identifier(): string } }) => Promise<Record<string, unknown> | undefined>;
  now: () => Date;
}

export function clientCredentialsFastPath({ provider, issuer, resourceServers, signer, extraClaims, now }: FastPathDependencies) {
  const indicators = createResourceIndicators(resourceServers);

  return async (ctx: Context, fallback: () => Promise<void>): Promise<void> => {
    if (!eligibleRequest(ctx)) return fallback();
    const raw = await readBody(ctx);
    const issued = await tryIssue(ctx, raw).catch(asOwnStoreError);
    if (issued) return;
    // oidc-provider reads an already-read body from ctx.request.body.
    (ctx.request as { body?: unknown }).body = raw;
    return fallback();
  };

  async function tryIssue(ctx: Context, raw: string): Promise<boolean> {
    const form = new URLSearchParams(raw);
    if (!plainForm(form) || form.get('grant_type') !== 'client_credentials') return false;
    const credentials = credentialsOf(ctx, form);
    if (!credentials) return false;

    const current = provider();
    const client = (await current.Client.find(credentials.clientId)) as ProviderClient | undefined;
    if (!client || !(await authenticates(client, credentials))) return false;
    if (client.tlsClientCertificateBoundAccessTokens || client.dpopBoundAccessTokens) return false;

    const requested = [...new Set((form.get('scope') ?? '').split(' ').filter(Boolean))];
    const registered = new Set(client.scope?.split(' ') ?? []);
    if (requested.some((scope) => !registered.has(scope))) return false;
    // What the resource rules read of a request at the token endpoint: its route and its scope.
    const routeContext = { oidc: { route: 'token', params: { scope: form.get('scope') ?? undefined } } } as never;
    const resource = form.get('resource') ?? indicators.defaultResource(routeContext, client as never);
    if (typeof resource !== 'string') return false;
    let info;
    try {
      info = await indicators.getResourceServerInfo(routeContext, resource, client as never);
    } catch {
      return false;
    }
    const offered = new Set(info.scope.split(' '));
    if (requested.some((scope) => !offered.has(scope))) return false;

    const scope = requested.join(' ') || undefined;
    const resourceServer = new current.ResourceServer(resource, info);
    const issued = info.accessTokenFormat === 'jwt'
      ? await signedToken(current, client.clientId, scope, resourceServer)
      : await storedToken(current, client, scope, resourceServer);
    if (!issued) return false;
    requestFacts(ctx.req).route = 'token';
    requestFacts(ctx.req).clientId = client.clientId;
    ctx.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    ctx.type = 'json';
    ctx.body = { access_token: issued.value, expires_in: issued.expiresIn, token_type: 'Bearer', ...(scope ? { scope } : {}) };
    return true;
  }

  /** An opaque token: oidc-provider's own model, saved as it saves it. */
  async function storedToken(current: Provider, client: ProviderClient, scope: string | undefined, resourceServer: InstanceType<Provider['ResourceServer']>) {
    const token = new current.ClientCredentials({ client, scope, resourceServer } as never);
    return { value: await token.save(), expiresIn: token.expiration };
  }

  /**
   * A JWT with the claims oidc-provider's JWT format gives a client credentials token (RFC 9068:
   * the mapped claims, then jti, sub = client_id, iat, exp, scope, client_id, iss, aud), signed on
   * a prepared key; its issued event feeds the same metrics as the model's.
   */
  async function signedToken(current: Provider, clientId: string, scope: string | undefined, resourceServer: InstanceType<Provider['ResourceServer']>) {
    const { accessTokenTTL: expiresIn, jwt, audience } = resourceServer as unknown as { accessTokenTTL: number; jwt?: { sign?: { alg?: string } }; audience: string };
    const alg = jwt?.sign?.alg;
    if (alg === undefined) return undefined;
    const iat = Math.floor(now().getTime() / 1000);
    const extra = await extraClaims(undefined, { kind: 'ClientCredentials', clientId, scope, resourceServer });
    const value = await signer.sign(alg, {
      ...extra, jti: tokenId(), sub: clientId, iat, exp: iat + expiresIn, scope, client_id: clientId, iss: issuer, aud: audience,
    });
    if (value === undefined) return undefined;
    current.emit('client_credentials.issued', { resourceServer });
    return { value, expiresIn };
  }

  async function authenticates(client: ProviderClient, credentials: Credentials): Promise<boolean> {
    if (client.clientAuthMethod !== credentials.method || !client.grantTypeAllowed('client_credentials')) return false;
    const expiresAt = client.clientSecretExpiresAt;
    if (typeof expiresAt === 'number' && expiresAt !== 0 && expiresAt <= now().getTime() / 1000) return false;
    return client.compareClientSecret(credentials.secret);
  }
}

/**
 * oidc-provider's models report a store outage as its own 503 error (provider/store-errors.ts);
 * outside its pipeline the outage is rethrown as itself, which our request context renders as 503.
 */
function asOwnStoreError(error: unknown): never {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  throw cause instanceof StoreUnavailableError ? cause : error;
}

/** A POST /token that could be the common case, judged from its headers alone (nothing read yet). */
function eligibleRequest(ctx: Context): boolean {
  if (ctx.method !== 'POST' || ctx.path !== '/token') return false;
  if (ctx.get('dpop') || ctx.get('origin')) return false;
  const contentType = ctx.get('content-type').toLowerCase().replace(/\s/g, '');
  if (contentType !== 'application/x-www-form-urlencoded' && contentType !== 'application/x-www-form-urlencoded;charset=utf-8') return false;
  const length = Number(ctx.get('content-length'));
  return Number.isInteger(length) && length > 0 && length <= MAX_BODY_BYTES;
}

async function readBody(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Only the parameters of the common case, each at most once. */
function plainForm(form: URLSearchParams): boolean {
  const seen = new Set<string>();
  for (const name of form.keys()) {
    if (!ALLOWED_PARAMETERS.has(name) || seen.has(name)) return false;
    seen.add(name);
  }
  return true;
}

/** client_secret_basic (without percent-encoded parts) or client_secret_post, never both. */
function credentialsOf(ctx: Context, form: URLSearchParams): Credentials | undefined {
  const authorization = ctx.get('authorization');
  if (authorization) {
    if (form.has('client_id') || form.has('client_secret')) return undefined;
    const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(authorization);
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // RFC 6749 §2.3.1 form-encodes both parts; anything that needs decoding goes the general way.
    if (colon <= 0 || /[%+]/.test(decoded)) return undefined;
    return { clientId: decoded.slice(0, colon), secret: decoded.slice(colon + 1), method: 'client_secret_basic' };
  }
  const clientId = form.get('client_id');
  const secret = form.get('client_secret');
  if (!clientId || !secret) return undefined;
  return { clientId, secret, method: 'client_secret_post' };
}

/** 32 random bytes per token id, drawn from a pool filled 4 KiB at a time (one system call per 128 tokens). */
const ID_BYTES = 32;
const idPool = Buffer.alloc(4096);
let idOffset = idPool.length;
function tokenId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const id = idPool.toString('base64url', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}
