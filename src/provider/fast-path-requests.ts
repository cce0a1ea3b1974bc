import type { Context } from 'koa';
import type Provider from 'oidc-provider';

import { ApiError } from '../http/api-error.js';
import { requestFacts } from '../http/request-facts.js';
import { storeOutageOf } from '../storage/index.js';

/**
 * What the fast paths (token issuance, JWT introspection) share: which requests they may read,
 * how they authenticate a client with a secret, and how they hand a request they do not answer
 * to oidc-provider, which then answers it exactly as it always has.
 */

/** A fast path: answers the request itself, or hands it (body already read) to fallback. */
export type FastPath = (ctx: Context, fallback: () => Promise<void>) => Promise<void>;

/** Requests of the common case are a few hundred bytes; a larger one goes the general way. */
const MAX_BODY_BYTES = 8 * 1024;

export type ProviderClient = InstanceType<Provider['Client']> & {
  clientId: string;
  clientAuthMethod: string;
  clientSecretExpiresAt?: number;
  scope?: string;
  tlsClientCertificateBoundAccessTokens?: boolean;
  dpopBoundAccessTokens?: boolean;
  grantTypeAllowed(type: string): boolean;
  compareClientSecret(secret: string): boolean | Promise<boolean>;
};

/**
 * Runs answer on the request's form when the request can be the common case; hands the request
 * to fallback otherwise, or when answer declines (returns false), with the body it read.
 */
export function formFastPath(route: string, answer: (ctx: Context, form: URLSearchParams) => Promise<boolean>): FastPath {
  return async (ctx, fallback) => {
    if (!eligibleRequest(ctx)) return fallback();
    // Named before the body is read, so that a request cut short by the deadline is logged under its route.
    requestFacts(ctx.req).route = route;
    const raw = await readBody(ctx);
    const answered = await answer(ctx, new URLSearchParams(raw)).catch(asOwnStoreError);
    if (answered) return;
    // oidc-provider reads an already-read body from ctx.request.body.
    (ctx.request as { body?: unknown }).body = raw;
    return fallback();
  };
}

/** Only the given parameters, each at most once. */
export function plainForm(form: URLSearchParams, allowed: ReadonlySet<string>): boolean {
  const seen = new Set<string>();
  for (const name of form.keys()) {
    if (!allowed.has(name) || seen.has(name)) return false;
    seen.add(name);
  }
  return true;
}

/**
 * The client, authenticated as oidc-provider authenticates it with a secret (client_secret_basic
 * without percent-encoded parts, or client_secret_post; its registered method; an unexpired
 * secret, the current one or one in its grace period); undefined for anything else.
 */
export async function clientWithSecret(ctx: Context, form: URLSearchParams, provider: Provider, now: () => Date): Promise<ProviderClient | undefined> {
  const credentials = credentialsOf(ctx, form);
  // A URL is a client ID metadata document's client (public, fetched): the general way.
  if (!credentials || /^https?:/i.test(credentials.clientId)) return undefined;
  let client: ProviderClient | undefined;
  try {
    client = (await provider.Client.find(credentials.clientId)) as ProviderClient | undefined;
  } catch (error) {
    // oidc-provider refuses some client ids with its own errors; it answers them itself on the general way.
    if (storeOutageOf(error)) throw error;
    return undefined;
  }
  if (!client || client.clientAuthMethod !== credentials.method) return undefined;
  const expiresAt = client.clientSecretExpiresAt;
  if (typeof expiresAt === 'number' && expiresAt !== 0 && expiresAt <= now().getTime() / 1000) return undefined;
  return (await client.compareClientSecret(credentials.secret)) ? client : undefined;
}

/** Answers JSON as oidc-provider's endpoints do (never cached), and names the route and client for the logs. */
export function answerJson(ctx: Context, route: string, clientId: string, body: Record<string, unknown>): void {
  const facts = requestFacts(ctx.req);
  facts.route = route;
  facts.clientId = clientId;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'json';
  ctx.body = body;
}

interface Credentials {
  clientId: string;
  secret: string;
  method: 'client_secret_basic' | 'client_secret_post';
}

/** Printable ASCII (RFC 6749's VSCHAR): what oidc-provider accepts in a client id or secret. */
const VSCHARS = /^[\x20-\x7E]+$/;

/** client_secret_basic or client_secret_post, never both, and no other mechanism (attestation) beside it. */
function credentialsOf(ctx: Context, form: URLSearchParams): Credentials | undefined {
  if (Object.keys(ctx.headers).some((name) => name.startsWith('oauth-client-attestation'))) return undefined;
  const authorization = ctx.get('authorization');
  let credentials: Credentials | undefined;
  if (authorization) {
    if (form.has('client_id') || form.has('client_secret')) return undefined;
    const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(authorization);
    // Canonical base64 only: oidc-provider refuses stray characters and needless padding.
    if (!match || Buffer.from(match[1]!, 'base64').toString('base64') !== match[1]) return undefined;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // RFC 6749 §2.3.1 form-encodes both parts; anything that needs decoding goes the general way.
    if (colon <= 0 || /[%+]/.test(decoded)) return undefined;
    credentials = { clientId: decoded.slice(0, colon), secret: decoded.slice(colon + 1), method: 'client_secret_basic' };
  } else {
    const clientId = form.get('client_id');
    const secret = form.get('client_secret');
    if (!clientId || !secret) return undefined;
    credentials = { clientId, secret, method: 'client_secret_post' };
  }
  return VSCHARS.test(credentials.clientId) && VSCHARS.test(credentials.secret) ? credentials : undefined;
}

/** A POST that could be the common case, judged from its headers alone (nothing read yet). */
function eligibleRequest(ctx: Context): boolean {
  if (ctx.method !== 'POST' || ctx.get('dpop') || ctx.get('origin')) return false;
  const contentType = ctx.get('content-type').toLowerCase().replace(/\s/g, '');
  if (contentType !== 'application/x-www-form-urlencoded' && contentType !== 'application/x-www-form-urlencoded;charset=utf-8') return false;
  const length = Number(ctx.get('content-length'));
  return Number.isInteger(length) && length > 0 && length <= MAX_BODY_BYTES;
}

/** The body; a client that hangs up halfway gets (if anyone is listening) a 400, as oidc-provider gives it. */
function readBody(ctx: Context): Promise<string> {
  // Stream events rather than an async iterator, which costs a few % of a token request's CPU.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const request = ctx.req;
    const fail = () => {
      cleanUp();
      reject(new ApiError('invalid_request', 'failed to read the request body'));
    };
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const onEnd = () => {
      cleanUp();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onClose = () => {
      if (!request.complete) fail();
    };
    function cleanUp() {
      request.off('data', onData).off('end', onEnd).off('error', fail).off('close', onClose);
    }
    request.on('data', onData).once('end', onEnd).once('error', fail).once('close', onClose);
  });
}

/**
 * oidc-provider's models report a store outage as its own 503 error (provider/store-errors.ts);
 * outside its pipeline the outage is rethrown as itself, which our request context renders as 503.
 */
function asOwnStoreError(error: unknown): never {
  throw storeOutageOf(error) ?? error;
}
