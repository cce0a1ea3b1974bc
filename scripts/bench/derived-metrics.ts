// Figures computed from the rows, shared by the tables and the targets so that a target always
// judges the number the table shows.
import type { Measurement, Row } from './measurement.js';

export function referenceOf(rows: Row[], row: Row, backend: 'baseline' | 'ceiling'): Measurement | undefined {
  return rows.find((candidate) => candidate.backend === backend && candidate.scenario === row.scenario)?.measurement;
}

/** A row's requests/s over a reference's in the same scenario of the same run. */
export function ratioTo(rows: Row[], row: Row, backend: 'baseline' | 'ceiling'): number | undefined {
  const reference = referenceOf(rows, row, backend);
  if (!row.measurement || !reference || reference.requestsPerSecond === 0) return undefined;
  return row.measurement.requestsPerSecond / reference.requestsPerSecond;
}

export const perCpuSecond = (m: Measurement | undefined) => (m?.cpuSeconds ? m.requests / m.cpuSeconds : undefined);
export const cpuMsPerRequest = (m: Measurement | undefined) => (m?.cpuSeconds && m.requests ? (m.cpuSeconds * 1000) / m.requests : undefined);
export const storeMsPerRequest = (m: Measurement | undefined) => (m?.storeSeconds !== undefined && m.requests ? (m.storeSeconds * 1000) / m.requests : undefined);
export const databaseCpuMsPerRequest = (m: Measurement | undefined) => (m?.databaseCpuSeconds !== undefined && m.requests ? (m.databaseCpuSeconds * 1000) / m.requests : undefined);
