import request from 'supertest';

import { basicAuth } from './test-server.js';

export interface TokenRequest {
  clientId: string;
  clientSecret: string;
  scope?: string;
  resource?: string;
}

/** client_credentials with client_secret_basic; returns the response for assertions. */
export function requestToken(url: string, { clientId, clientSecret, scope, resource }: TokenRequest) {
  const form: Record<string, string> = { grant_type: 'client_credentials' };
  if (scope !== undefined) form.scope = scope;
  if (resource !== undefined) form.resource = resource;
  return request(url).post('/token').set('Authorization', basicAuth(clientId, clientSecret)).type('form').send(form);
}

export async function issueToken(url: string, tokenRequest: TokenRequest): Promise<string> {
  const response = await requestToken(url, tokenRequest);
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.access_token as string;
}

export function introspect(url: string, token: string, as: { id: string; secret: string }) {
  return request(url).post('/token/introspection').set('Authorization', basicAuth(as.id, as.secret)).type('form').send({ token });
}

export function revoke(url: string, token: string, as: { id: string; secret: string }) {
  return request(url).post('/token/revocation').set('Authorization', basicAuth(as.id, as.secret)).type('form').send({ token });
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString()),
  };
}
