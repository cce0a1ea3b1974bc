/** Human-readable output: aligned tables and "label  value" blocks. */

/**
 * Control characters escaped (\xNN), so that what others registered (a client name from
 * self-registration, say) cannot move the cursor or rewrite the terminal.
 */
export function sanitize(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** One value as a table cell: "-" for nothing, lists comma-separated, objects as JSON. */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : sanitize(value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(','));
  if (typeof value === 'object') return sanitize(JSON.stringify(value));
  return sanitize(String(value));
}

/** Epoch seconds as an ISO time (without milliseconds); `zero` names what 0 means ("never"). */
export function epochTime(value: unknown, zero?: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return cell(value);
  if (value === 0 && zero !== undefined) return zero;
  return new Date(value * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
}

/** Columns aligned with two spaces between them; upper-case headers; no trailing blanks. */
export function table<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = [columns.map((column) => column.header.toUpperCase()), ...rows.map((row) => columns.map((column) => column.value(row)))];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => line[index]!.length)));
  return cells
    .map((line) => line.map((text, index) => (index === line.length - 1 ? text : text.padEnd(widths[index]!))).join('  ').trimEnd())
    .join('\n');
}

/** "label  value" lines, labels aligned. */
export function details(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...entries.map(([label]) => label.length));
  return entries.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join('\n');
}

/** A JSON object's members, for reading them without `any`. */
export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A JSON object's array member as records. */
export function records(value: unknown, member: string): Record<string, unknown>[] {
  const list = asRecord(value)[member];
  return Array.isArray(list) ? list.map(asRecord) : [];
}
