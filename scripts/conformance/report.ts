import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SuiteApi } from './suite.js';

export type Result = 'PASSED' | 'WARNING' | 'REVIEW' | 'SKIPPED' | 'FAILED';

export interface ModuleResult {
  plan: string;
  module: string;
  variant: Record<string, string>;
  testId: string;
  result: Result;
  /** The conditions behind a result other than PASSED: "Condition: message". */
  reasons: string[];
  /** For FAILED: the reason it is expected (expected-failures.json), when it is. */
  expected?: string;
  screenshots: string[];
}

export interface ExpectedFailure {
  module: string;
  /** The plans (their names in plans.ts) the module fails in for this reason. */
  plans: string[];
  /** Every failing condition of the module must be one of these for the failure to be expected. */
  conditions: string[];
  reason: string;
}

interface PlanInfo { modules: { testModule: string; variant?: Record<string, string>; instances?: string[] }[] }
interface TestInfo { status?: string; result?: string }
interface LogEntry { result?: string; src?: string; msg?: string }
interface Image { img?: string; upload?: string; msg?: string }

const NOTABLE = new Set(['FAILURE', 'WARNING', 'REVIEW', 'SKIPPED', 'INTERRUPTED']);

function resultOf(info: TestInfo): Result {
  const result = info.result ?? '';
  if (result === 'PASSED' || result === 'WARNING' || result === 'REVIEW' || result === 'SKIPPED') return result;
  return 'FAILED';
}

const oneLine = (text: string, max = 240) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** One module's result as the suite recorded it, with its reasons and (REVIEW) screenshots saved next to the results. */
export async function moduleResult(api: SuiteApi, plan: string, module: string, variant: Record<string, string>, testId: string, directory: string): Promise<ModuleResult> {
  const info = await api.json<TestInfo>(`info/${testId}`);
  const result = info.status === 'FINISHED' ? resultOf(info) : 'FAILED';
  const reasons: string[] = [];
  const screenshots: string[] = [];
  if (result !== 'PASSED') {
    const log = await api.json<LogEntry[]>(`log/${testId}`);
    for (const entry of log) {
      if (!NOTABLE.has(entry.result ?? '')) continue;
      const reason = `${entry.result} ${entry.src ?? ''}: ${oneLine(entry.msg ?? '')}`;
      if (!reasons.includes(reason)) reasons.push(reason);
    }
    if (info.status !== 'FINISHED') reasons.push(`the module did not finish (${info.status ?? 'unknown'})`);
  }
  if (result === 'REVIEW') {
    const images = await api.json<Image[]>(`log/${testId}/images`);
    images.forEach((image, index) => {
      const match = /^data:image\/(png|jpeg);base64,(.+)$/.exec(image.img ?? '');
      if (!match) return;
      const file = `${plan}--${module}${images.length > 1 ? `-${index + 1}` : ''}.${match[1] === 'jpeg' ? 'jpg' : 'png'}`;
      writeFileSync(join(directory, file), Buffer.from(match[2]!, 'base64'));
      screenshots.push(file);
    });
  }
  return { plan, module, variant, testId, result, reasons, screenshots };
}

/** Every module of a plan the suite ran: the last instance of each. */
export async function planResults(api: SuiteApi, plan: string, planId: string, directory: string): Promise<ModuleResult[]> {
  const info = await api.json<PlanInfo>(`plan/${planId}`);
  const results: ModuleResult[] = [];
  for (const entry of info.modules) {
    const testId = entry.instances?.at(-1);
    if (testId) results.push(await moduleResult(api, plan, entry.testModule, entry.variant ?? {}, testId, directory));
  }
  return results;
}

export function markExpected(results: ModuleResult[], expected: ExpectedFailure[]): void {
  for (const result of results) {
    if (result.result !== 'FAILED') continue;
    const known = expected.find((entry) => entry.plans.includes(result.plan) && entry.module === result.module);
    if (!known) continue;
    const failing = result.reasons.filter((reason) => reason.startsWith('FAILURE ')).map((reason) => /^FAILURE (\S+):/.exec(reason)?.[1] ?? '');
    if (failing.length > 0 && failing.every((condition) => known.conditions.includes(condition))) result.expected = known.reason;
  }
}

const RESULTS: Result[] = ['PASSED', 'WARNING', 'REVIEW', 'SKIPPED', 'FAILED'];

export function totals(results: ModuleResult[]): Record<Result, number> & { expectedFailures: number } {
  const counts = Object.fromEntries(RESULTS.map((result) => [result, results.filter((entry) => entry.result === result).length])) as Record<Result, number>;
  return { ...counts, expectedFailures: results.filter((entry) => entry.expected !== undefined).length };
}

const variantText = (variant: Record<string, string>) => Object.entries(variant).map(([key, value]) => `${key}=${value}`).join(' ');

/** The line a module gets on the console. */
export function line(result: ModuleResult): string {
  const status = result.expected ? `FAILED (expected: ${result.expected})` : result.result;
  const why = result.result === 'PASSED' || result.expected ? '' : ` — ${result.reasons.filter((reason) => !reason.startsWith('INTERRUPTED')).slice(0, 3).join('; ')}`;
  return `${result.plan.padEnd(26)} ${result.module.padEnd(62)} ${status}${why}`;
}

export function markdown(results: ModuleResult[], seconds: number): string {
  const count = totals(results);
  const rows = results.map((result) => {
    const status = result.expected ? 'FAILED (expected)' : result.result;
    const why = result.expected ?? result.reasons.filter((reason) => !reason.startsWith('INTERRUPTED')).slice(0, 2).join('; ');
    return `| ${result.plan} | ${result.module} | ${status} | ${why.replaceAll('|', '\\|')} |`;
  });
  return [
    `${results.length} modules in ${Math.round(seconds / 60)} min: ${RESULTS.map((result) => `${count[result]} ${result}`).join(', ')}`
      + ` (${count.expectedFailures} of the failures expected).`,
    '',
    '| Plan | Module | Result | Why |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

export { variantText };
