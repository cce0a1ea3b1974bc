// Single requests outside of the load: what a scenario needs before it starts (a token to
// introspect) and the one checked request that proves a server answers it as expected, since the
// load generator counts statuses and never reads a body.
import type { RunningServer } from './servers.js';

export interface ClientCredentials {
  id: string;
  secret: string;
}

export interface LoadRequest {
  path: string;
  form: Record<string, string>;
  /** Why a 200 response's body is not what the scenario expects; undefined when it is. */
  problemWith(body: Record<string, unknown>): string | undefined;
  /** Set when the request differs from the scenario's name (the baseline's introspection). */
  note?: string;
}

export function basicAuthorization(client: ClientCredentials): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
}

/** The headers of every request, checked ones and the load alike. */
export function loadHeaders(client: ClientCredentials): Record<string, string> {
  return { authorization: basicAuthorization(client), 'content-type': 'application/x-www-form-urlencoded' };
}

export async function post(url: string, client: ClientCredentials, form: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: loadHeaders(client), body: new URLSearchParams(form) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export async function verifyOnce(server: RunningServer, client: ClientCredentials, request: LoadRequest): Promise<void> {
  const body = await post(`${server.url}${request.path}`, client, request.form);
  const problem = request.problemWith(body);
  if (problem) throw new Error(`POST ${request.path}: ${problem}: ${JSON.stringify(body)}`);
}
