// The ceiling: a minimal Koa + jose token endpoint (no oidc-provider), what a token costs at the
// least. It checks no more than a form, a Basic secret and a known resource, and only issues JWTs.
import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import Koa from 'koa';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';

import type { BenchConfiguration } from './configuration.js';

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function serveCeiling(port: number, configFile: string): Promise<void> {
  const { resourceServers, clients } = JSON.parse(readFileSync(configFile, 'utf8')) as BenchConfiguration;
  const issuer = `http://127.0.0.1:${port}`;
  const keys = new Map<string, { key: CryptoKey; kid: string }>();
  for (const alg of new Set(resourceServers.filter((api) => api.accessTokenFormat === 'jwt').map((api) => api.signingAlg))) {
    const { privateKey } = await generateKeyPair(alg, alg === 'RS256' ? { modulusLength: 2048 } : {});
    keys.set(alg, { key: privateKey, kid: randomUUID() });
  }
  const secrets = new Map(clients.map((client) => [client.client_id, Buffer.from(String(client.client_secret))]));
  const byResource = new Map(resourceServers.map((api) => [api.resource, api]));
  const defaultApi = resourceServers.find((api) => api.default) ?? resourceServers[0]!;
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.path === '/ready') {
      ctx.body = 'ready';
      return;
    }
    if (ctx.method !== 'POST' || ctx.path !== '/token') {
      ctx.status = 404;
      return;
    }
    const form = new URLSearchParams(await readBody(ctx.req));
    const [id = '', secret = ''] = Buffer.from(ctx.get('authorization').replace(/^Basic /i, ''), 'base64').toString('utf8').split(':').map(decodeURIComponent);
    const expected = secrets.get(id);
    const presented = Buffer.from(secret);
    if (!expected || expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_client' };
      return;
    }
    const api = byResource.get(form.get('resource') ?? defaultApi.resource);
    const signing = api && keys.get(api.signingAlg);
    if (form.get('grant_type') !== 'client_credentials' || !api || !signing) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request' };
      return;
    }
    const scope = form.get('scope') ?? '';
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({ client_id: id, scope })
      .setProtectedHeader({ alg: api.signingAlg, typ: 'at+jwt', kid: signing.kid })
      .setIssuer(issuer).setSubject(id).setAudience(api.resource).setIssuedAt(now).setExpirationTime(now + api.accessTokenTtl).setJti(randomUUID())
      .sign(signing.key);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { access_token: accessToken, token_type: 'Bearer', expires_in: api.accessTokenTtl, scope };
  });
  createHttpServer(app.callback()).listen(port);
}
