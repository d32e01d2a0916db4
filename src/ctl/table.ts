// Aligned text tables for vrrctl's human output: a header row, columns padded to their widest cell, numbers
// right-aligned so magnitudes line up.

/** A cell value: null prints as "-". */
export type Cell = string | number | boolean | null | undefined;

/** Renders rows under headers; an empty table prints the headers and "(none)". */
export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const numeric = headers.map(
    (_, i) =>
      rows.some((r) => typeof r[i] === 'number') &&
      rows.every((r) => typeof r[i] === 'number' || r[i] == null),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i].length)));
  const line = (cells: readonly string[], isHeader: boolean): string =>
    cells
      .map((c, i) => (numeric[i] && !isHeader ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [
    line(
      headers.map((h) => h.toUpperCase()),
      true,
    ),
    ...text.map((r) => line(r, false)),
  ];
  if (rows.length === 0) out.push('(none)');
  return out.join('\n');
}

/** Renders key/value pairs as two aligned columns. */
export function renderPairs(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${(k + ':').padEnd(width + 1)}  ${cellText(v)}`).join('\n');
}

function cellText(v: Cell): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}
