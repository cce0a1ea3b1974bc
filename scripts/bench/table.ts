// Plain-text tables and numbers as the report prints them (en-US grouping whatever the locale, so
// that runs on different machines compare line by line).

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatRatio(ratio: number | undefined): string {
  return ratio === undefined ? 'n/a' : `${formatNumber(ratio * 100)}%`;
}

/** A figure that may not have been measured: '-' rather than a misleading 0. */
export const optional = (value: number | undefined, digits = 0) => (value === undefined ? '-' : formatNumber(value, digits));

export function renderTable(headers: string[], body: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => cells
    .map((cell, column) => (rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
    .join('  ')
    .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}
