// People: sign-in and refresh, on our servers only (the references have no users). A sign-in holds
// cookies across several requests, so its load comes from ../bench-people.ts, not from autocannon.
import { BENCH_USER_COUNT, percentile, signInLoad, signInOnce } from '../bench-people.js';
import { errorMessage, progress } from './log.js';
import { combine, difference, measureRound, type Round, type Row } from './measurement.js';
import { processTreeCpuSeconds } from './proc-sampler.js';
import { verifyOnce, type ClientCredentials, type LoadRequest } from './requests.js';
import type { RunningServer } from './servers.js';
import { WARMUP_SECONDS, type Settings } from './settings.js';

export const SIGN_IN_USERS = BENCH_USER_COUNT;
const SIGN_IN = 'sign-in (form to code, code exchange)';
const REFRESH = 'refresh_token grant';

export async function benchmarkPeople(servers: RunningServer[], peopleClient: ClientCredentials, password: string, settings: Settings): Promise<Row[]> {
  const rows: Row[] = [];
  for (const server of servers.filter((candidate) => candidate.backend === 'sqlite' || candidate.backend === 'mongodb')) {
    const flow = { url: server.url, clientSecret: peopleClient.secret, password };
    try {
      progress(`${SIGN_IN}: ${server.backend}`);
      // Each user's first sign-in also consents; later ones find the consent remembered.
      const signedIn = await Promise.all(Array.from({ length: BENCH_USER_COUNT }, (_, user) => signInOnce({ ...flow, user })));
      const tokens = signedIn[0]!;
      await signInLoad(flow, WARMUP_SECONDS, SIGN_IN_USERS);
      const cpuBefore = processTreeCpuSeconds(server.pid);
      const load = await signInLoad(flow, settings.durationSeconds * settings.rounds, SIGN_IN_USERS);
      const cpuAfter = processTreeCpuSeconds(server.pid);
      rows.push({
        scenario: SIGN_IN,
        backend: server.backend,
        measurement: {
          requestsPerSecond: load.completed / load.seconds, requests: load.completed,
          cpuSeconds: difference(cpuBefore, cpuAfter), storeSeconds: undefined, databaseCpuSeconds: undefined,
          p50Ms: percentile(load.latenciesMs, 0.5) ?? 0, p99Ms: percentile(load.latenciesMs, 0.99) ?? 0,
          non2xx: load.failed, errors: 0, otherStatuses: load.firstError ? `first failure: ${load.firstError}` : '', errorKinds: '',
        },
      });

      progress(`${REFRESH}: ${server.backend}`);
      const refreshToken = String(tokens.refresh_token);
      const request: LoadRequest = {
        path: '/token',
        form: { grant_type: 'refresh_token', refresh_token: refreshToken },
        problemWith: (body) => (typeof body.id_token === 'string' && typeof body.access_token === 'string' ? undefined : 'expected new tokens'),
      };
      await verifyOnce(server, peopleClient, request);
      const rounds: Round[] = [];
      for (let round = 0; round < settings.rounds; round += 1) rounds.push(await measureRound(server, peopleClient, request, settings));
      rows.push({ scenario: REFRESH, backend: server.backend, measurement: combine(rounds) });
    } catch (error) {
      rows.push({ scenario: SIGN_IN, backend: server.backend, failure: errorMessage(error) });
    }
  }
  return rows;
}
