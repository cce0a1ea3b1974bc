// Tokens as the store fills and empties: issuance at an almost empty store, then with the bulk of
// stored tokens, then steady issuance while those expire, the store's rows and size sampled as it
// goes and every sweep timed.
import { clientId, type RunSecrets } from './fixtures.js';
import { watchMetrics, type Sweep } from './metrics-watch.js';
import type { StoreProbe } from './populate.js';
import { basicAuthorization } from '../bench/requests.js';
import { FORM, measure, type Measurement } from './scenarios.js';

export interface TokenSample {
  atSeconds: number;
  rows: number;
  diskBytes: number;
  issuedPerSecond: number;
  introspectedPerSecond: number;
}

export interface SteadyRun {
  samples: TokenSample[];
  sweeps: Sweep[];
  medianStallWithoutSweepMs: number;
  longestStallMs: number;
  secondsOver20Ms: number;
}

const WINDOW_SECONDS = 10;
const INTROSPECTION_SECONDS = 2;


/** Opaque client credentials tokens for clients drawn at random from the first `clients`. */
export function opaqueIssuance(secrets: RunSecrets, clients: number) {
  return () => {
    const index = Math.floor(Math.random() * clients);
    return {
      method: 'POST' as const, path: '/token', headers: { authorization: basicAuthorization({ id: clientId(index), secret: secrets.clientSecret(index) }), 'content-type': FORM },
      body: 'grant_type=client_credentials&scope=opaque%3Aread&resource=https%3A%2F%2Fopaque.scale.example',
    };
  };
}

async function opaqueTokens(url: string, secrets: RunSecrets, clients: number, count: number): Promise<string[]> {
  const issue = opaqueIssuance(secrets, clients);
  return Promise.all(Array.from({ length: count }, async () => {
    const { path, headers, body } = issue();
    const response = await fetch(`${url}${path}`, { method: 'POST', headers, body });
    const answer = await response.json() as { access_token?: string };
    if (!answer.access_token) throw new Error(`an opaque token: HTTP ${response.status} ${JSON.stringify(answer)}`);
    return answer.access_token;
  }));
}

export async function measureIssuance(url: string, secrets: RunSecrets, clients: number, seconds: number, connections: number): Promise<Measurement> {
  return measure('client_credentials, opaque', url, opaqueIssuance(secrets, clients), seconds, connections);
}

/** Issues (most of each window) and introspects (the rest) for `seconds`, sampling the store after each window. */
export async function steadyRun(
  { url, secrets, clients, probe }: { url: string; secrets: RunSecrets; clients: number; probe: StoreProbe },
  seconds: number, connections: number,
): Promise<SteadyRun> {
  const watch = watchMetrics(url);
  const started = performance.now();
  const samples: TokenSample[] = [];
  try {
    while ((performance.now() - started) / 1000 < seconds) {
      const issued = await measure('issuance', url, opaqueIssuance(secrets, clients), WINDOW_SECONDS - INTROSPECTION_SECONDS, connections);
      const pool = await opaqueTokens(url, secrets, clients, 20);
      const introspected = await measure('introspection', url, () => ({
        method: 'POST' as const, path: '/token/introspection', headers: { authorization: basicAuthorization(secrets.gateway), 'content-type': FORM },
        body: `token=${pool[Math.floor(Math.random() * pool.length)]}`,
      }), INTROSPECTION_SECONDS, connections);
      const { tokens } = await probe.counts();
      samples.push({
        atSeconds: Math.round((performance.now() - started) / 1000),
        rows: tokens,
        diskBytes: await probe.diskBytes(),
        issuedPerSecond: issued.requestsPerSecond,
        introspectedPerSecond: introspected.requestsPerSecond,
      });
    }
  } finally {
    await watch.stop();
  }
  return { samples, sweeps: watch.sweeps, medianStallWithoutSweepMs: watch.medianStallWithoutSweepMs, longestStallMs: watch.longestStallMs, secondsOver20Ms: watch.secondsOver20Ms };
}
