// The project's own performance goals, judged on this run's rows. They inform and never change the
// exit code: a shared VM's noise would otherwise fail runs that nothing is wrong with.
import { cpuMsPerRequest, perCpuSecond, ratioTo } from './derived-metrics.js';
import type { Measurement, Row } from './measurement.js';
import { ES256_ISSUANCE, INTROSPECTION, OPAQUE_ISSUANCE, RS256_ISSUANCE, SCENARIOS, type Scenario } from './scenarios.js';
import type { Backend } from './servers.js';
import { selected, type Settings } from './settings.js';
import { formatNumber, formatRatio, optional } from './table.js';

const P99_TARGET_MS = 50;

interface Target {
  text: string;
  /** undefined: could not be measured. */
  passed: boolean | undefined;
  measured: string;
  /** The scenarios it is measured from. */
  needs: Scenario[];
}

function targetsOf(rows: Row[]): Target[] {
  const targets: Target[] = [];
  const row = (scenario: string, backend: Backend) => rows.find((candidate) => candidate.scenario === scenario && candidate.backend === backend);
  const ours = rows.filter((candidate) => candidate.backend !== 'baseline' && candidate.backend !== 'ceiling');
  const ratioTarget = (backend: Backend, label: string, minimum: number) => {
    for (const scenario of SCENARIOS) {
      const found = row(scenario.name, backend);
      if (!found) continue;
      const ratio = ratioTo(rows, found, 'baseline');
      targets.push({ text: `${scenario.name}, ${label}: >= ${minimum * 100}% of baseline`, passed: ratio === undefined ? undefined : ratio >= minimum, measured: formatRatio(ratio), needs: [scenario] });
    }
  };
  ratioTarget('sqlite', 'embedded store', 1);
  ratioTarget('mongodb', 'MongoDB', 0.9);
  for (const found of ours) {
    const p99 = found.measurement?.p99Ms;
    targets.push({
      text: `p99 < ${P99_TARGET_MS} ms, ${found.scenario} on ${found.backend}`, passed: p99 === undefined ? undefined : p99 < P99_TARGET_MS,
      measured: p99 === undefined ? 'not measured' : `${formatNumber(p99, 1)} ms`, needs: SCENARIOS.filter((scenario) => scenario.name === found.scenario),
    });
  }
  for (const backend of ['sqlite', 'mongodb'] as const) {
    const introspection = row(INTROSPECTION.name, backend)?.measurement;
    const issuance = row(RS256_ISSUANCE.name, backend)?.measurement;
    const ratio = introspection && issuance ? introspection.requestsPerSecond / issuance.requestsPerSecond : undefined;
    targets.push({ text: `JWT introspection >= JWT (RS256) issuance on ${backend}`, passed: ratio === undefined ? undefined : ratio >= 1, measured: formatRatio(ratio), needs: [INTROSPECTION, RS256_ISSUANCE] });
  }
  const opaqueMongo = row(OPAQUE_ISSUANCE.name, 'mongodb')?.measurement;
  const jwtMongo = row(RS256_ISSUANCE.name, 'mongodb')?.measurement;
  const serverCost = (m: Measurement | undefined) => cpuMsPerRequest(m);
  const opaqueCost = serverCost(opaqueMongo);
  const jwtCost = serverCost(jwtMongo);
  targets.push({
    text: 'server CPU per opaque token <= per RS256 JWT on MongoDB',
    passed: opaqueCost === undefined || jwtCost === undefined ? undefined : opaqueCost <= jwtCost,
    measured: opaqueCost === undefined || jwtCost === undefined ? 'not measured' : `${formatNumber(opaqueCost, 3)} vs ${formatNumber(jwtCost, 3)} ms`,
    needs: [OPAQUE_ISSUANCE, RS256_ISSUANCE],
  });
  for (const scenario of [RS256_ISSUANCE, ES256_ISSUANCE]) {
    const found = row(scenario.name, 'sqlite');
    const ratio = found && ratioTo(rows, found, 'ceiling');
    targets.push({ text: `${scenario.name} on sqlite >= 75% of the ceiling (Koa + jose)`, passed: ratio === undefined ? undefined : ratio >= 0.75, measured: formatRatio(ratio), needs: [scenario] });
  }
  for (const [scenario, minimum] of [[ES256_ISSUANCE, 3_000], [OPAQUE_ISSUANCE, 3_500]] as const) {
    const perSecond = perCpuSecond(row(scenario.name, 'sqlite')?.measurement);
    targets.push({ text: `${scenario.name} on sqlite >= ${formatNumber(minimum)} per server CPU-second`, passed: perSecond === undefined ? undefined : perSecond >= minimum, measured: optional(perSecond), needs: [scenario] });
  }
  return targets;
}

export function printTargets(rows: Row[], settings: Settings): void {
  console.log('\nTargets (the project\'s own goals; FAIL means not met yet, which does not change the exit code; see the README):');
  for (const target of targetsOf(rows)) {
    // Unmeasured is a failure, unless BENCH_SCENARIOS left out what the target needs.
    const unmeasured = target.needs.some((scenario) => !selected(settings, scenario.name)) ? 'SKIP' : 'FAIL';
    const verdict = target.passed === undefined ? unmeasured : target.passed ? 'PASS' : 'FAIL';
    console.log(`${verdict}  ${target.text} (measured ${target.measured})`);
  }
  const withErrors = rows.filter((found) => found.measurement && (found.measurement.non2xx > 0 || found.measurement.errors > 0));
  for (const found of withErrors) {
    console.log(`WARNING  ${found.scenario} on ${found.backend}: ${found.measurement!.non2xx} non-2xx responses, ${found.measurement!.errors} connection errors`);
  }
}
