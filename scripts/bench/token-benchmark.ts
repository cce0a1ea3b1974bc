// The token scenarios across every server: which server serves which scenario, the one checked
// request before any load, and the order in which the rounds visit the servers.
import { errorMessage, progress } from './log.js';
import { combine, measureRound, type Round, type Row } from './measurement.js';
import { verifyOnce, type ClientCredentials, type LoadRequest } from './requests.js';
import { SCENARIOS } from './scenarios.js';
import type { RunningServer } from './servers.js';
import { selected, type Settings } from './settings.js';

/**
 * Every server is started before any is measured, and each scenario is measured in rounds that
 * visit the servers in turn (in alternating order): what the machine's speed does over time (on a
 * shared VM, a lot) falls on every server alike, so the ratios of one run hold.
 */
export async function benchmarkAll(servers: RunningServer[], client: ClientCredentials, settings: Settings): Promise<Row[]> {
  const rows: Row[] = [];
  for (const scenario of SCENARIOS.filter((candidate) => selected(settings, candidate.name))) {
    const contestants: { server: RunningServer; request: LoadRequest; row: Row; rounds: Round[] }[] = [];
    for (const server of servers) {
      if (scenario.servedBy && !scenario.servedBy(server.backend)) continue;
      const row: Row = { scenario: scenario.name, backend: server.backend };
      rows.push(row);
      try {
        const request = await scenario.prepare(server, client);
        if (request.note) row.note = request.note;
        await verifyOnce(server, client, request);
        contestants.push({ server, request, row, rounds: [] });
      } catch (error) {
        row.failure = errorMessage(error);
        progress(`${server.backend}: ${scenario.name} FAILED: ${row.failure}`);
      }
    }
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const contestant of round % 2 === 0 ? contestants : [...contestants].reverse()) {
        const { server, row } = contestant;
        if (row.failure) continue;
        const exit = server.exitDescription();
        if (exit) {
          row.failure = `server ${exit}`;
          continue;
        }
        progress(`${scenario.name}: ${server.backend}, round ${round + 1} of ${settings.rounds}`);
        try {
          contestant.rounds.push(await measureRound(server, client, contestant.request, settings));
        } catch (error) {
          row.failure = errorMessage(error);
          progress(`${server.backend}: ${scenario.name} FAILED: ${row.failure}`);
        }
      }
    }
    for (const { row, rounds } of contestants) if (!row.failure && rounds.length > 0) row.measurement = combine(rounds);
  }
  return rows;
}
