// The requests measured at each number of clients, each naming a client drawn at random from all of
// them (so that no cache holds the one asked for), sent by autocannon at a fixed concurrency.
import autocannon from 'autocannon';

import { encodeCursor } from '../../src/api/index.js';
import { basicAuthorization as basic, type ClientCredentials } from '../bench/requests.js';
import { clientId, clientName, type RunSecrets } from './fixtures.js';
import type { StoreProbe } from './populate.js';

export interface Measurement {
  scenario: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx, and connection errors: a row with any is not a clean measurement. */
  failures: number;
}

interface Target {
  url: string;
  secrets: RunSecrets;
  clients: number;
  probe: StoreProbe;
}

const randomIndex = (count: number) => Math.floor(Math.random() * count);
const randomClient = (target: Target): ClientCredentials => {
  const index = randomIndex(target.clients);
  return { id: clientId(index), secret: target.secrets.clientSecret(index) };
};
export const FORM = 'application/x-www-form-urlencoded';

type RequestSetup = () => { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string };

export async function measure(scenario: string, url: string, setup: RequestSetup, seconds: number, connections: number): Promise<Measurement> {
  const first = setup();
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ ...first, setupRequest: (request) => ({ ...request, ...setup() }) }],
  });
  return {
    scenario,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors,
  };
}

/** A token for the pool; a 503 (a database still busy with the previous scenario's load) is retried, as a client would after Retry-After. */
async function issueJwt(target: Target, client: ClientCredentials): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(`${target.url}/token`, {
      method: 'POST', headers: { authorization: basic(client), 'content-type': FORM }, body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'jwt:read' }),
    });
    const body = await response.json() as { access_token?: string };
    if (response.status === 200 && body.access_token) return body.access_token;
    if (response.status !== 503 || attempt === 5) throw new Error(`a token for ${client.id}: HTTP ${response.status} ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

/** Every scenario of the clients table, in the order of its rows. */
export async function clientScenarios(target: Target, { seconds, warmupSeconds, connections }: { seconds: number; warmupSeconds: number; connections: number }): Promise<Measurement[]> {
  const admin = { authorization: `Bearer ${target.secrets.adminToken}` };
  // Ten at a time: the pool is set-up, not load.
  const pool: string[] = [];
  while (pool.length < 200) pool.push(...await Promise.all(Array.from({ length: 10 }, () => issueJwt(target, randomClient(target)))));
  const deep = clientId(Math.floor(target.clients * 0.9));
  const deepCursor = encodeCursor(await target.probe.createdAtOf(deep), deep);
  const scenarios: [string, RequestSetup][] = [
    ['client_credentials, JWT', () => ({
      method: 'POST', path: '/token', headers: { authorization: basic(randomClient(target)), 'content-type': FORM }, body: 'grant_type=client_credentials&scope=jwt%3Aread',
    })],
    ['client_credentials, opaque', () => ({
      method: 'POST', path: '/token', headers: { authorization: basic(randomClient(target)), 'content-type': FORM },
      body: 'grant_type=client_credentials&scope=opaque%3Aread&resource=https%3A%2F%2Fopaque.scale.example',
    })],
    ['introspection of a JWT', () => ({
      method: 'POST', path: '/token/introspection', headers: { authorization: basic(target.secrets.gateway), 'content-type': FORM },
      body: `token=${pool[randomIndex(pool.length)]}`,
    })],
    ['admin list, first page', () => ({ method: 'GET', path: '/admin/clients?limit=50', headers: admin })],
    ['admin list, page at 90 %', () => ({ method: 'GET', path: `/admin/clients?limit=50&cursor=${deepCursor}`, headers: admin })],
    ['admin list, by client_name', () => ({
      method: 'GET', path: `/admin/clients?client_name=${encodeURIComponent(clientName(randomIndex(target.clients)))}`, headers: admin,
    })],
    ['admin GET of one client', () => ({ method: 'GET', path: `/admin/clients/${clientId(randomIndex(target.clients))}`, headers: admin })],
  ];
  const measurements: Measurement[] = [];
  for (const [name, setup] of scenarios) {
    if (warmupSeconds > 0) await measure(name, target.url, setup, warmupSeconds, connections);
    measurements.push(await measure(name, target.url, setup, seconds, connections));
  }
  return measurements;
}

