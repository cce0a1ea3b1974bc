import { randomFillSync } from 'node:crypto';

import type Provider from 'oidc-provider';

import type { ResourceServerConfig } from '../configuration/index.js';
import type { AccessTokenSigner } from './access-token-signer.js';
import { answerJson, clientWithSecret, formFastPath, plainForm, type FastPath, type ProviderClient } from './fast-path-requests.js';
import { createResourceIndicators } from './resource-servers.js';

const ALLOWED_PARAMETERS = new Set(['grant_type', 'scope', 'resource', 'client_id', 'client_secret']);
/** RFC 6749 §3.3: scope tokens of NQCHAR, separated by single spaces; anything else is oidc-provider's invalid_scope. */
const SCOPE_SYNTAX = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

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
export function clientCredentialsFastPath({ provider, issuer, resourceServers, signer, extraClaims, now }: FastPathDependencies): FastPath {
  const indicators = createResourceIndicators(resourceServers);
  return formFastPath('token', async (ctx, form) => {
    if (!plainForm(form, ALLOWED_PARAMETERS) || form.get('grant_type') !== 'client_credentials') return false;
    const requestedScope = form.get('scope');
    if (requestedScope !== null && requestedScope !== '' && !SCOPE_SYNTAX.test(requestedScope)) return false;
    const current = provider();
    const client = await clientWithSecret(ctx, form, current, now);
    if (!client || !client.grantTypeAllowed('client_credentials')) return false;
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
    answerJson(ctx, 'token', client.clientId, { access_token: issued.value, expires_in: issued.expiresIn, ...(scope ? { scope } : {}), token_type: 'Bearer' });
    return true;
  });

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
