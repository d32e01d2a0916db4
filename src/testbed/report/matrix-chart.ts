// A ping-all round as a heat map: a row per sender, a column per destination, green where the ping arrived, red
// where it did not, pale where the pair was not asked (the two nodes were in different partitions, or it was
// not in the sample). Above 60 nodes the matrix is binned: a cell stands for a block of pairs and its colour
// says what share of the asked ones arrived.

import type { MatrixCell, PingMatrixView } from './report-series.ts';
import { COLORS, deliveryColor, esc, n, seconds } from './svg.ts';

/** Most rows and columns drawn; larger matrices are binned. */
export const MATRIX_MAX_CELLS = 60;

/** The heat map of one round. */
export function matrixChart(view: PingMatrixView, index: number): string {
  const count = view.nodes.length;
  const bin = Math.max(1, Math.ceil(count / MATRIX_MAX_CELLS));
  const side = Math.ceil(count / bin);
  const cell = Math.max(5, Math.min(20, Math.floor(300 / Math.max(1, side))));
  const labelled = bin === 1 && cell >= 10;
  const label = labelled
    ? Math.max(24, Math.min(70, 7 * Math.max(...view.nodes.map((v) => v.length), 1)))
    : 8;
  const left = label + 6;
  const top = label + 6;
  const size = side * cell;
  const parts: string[] = [];
  let ok = 0;
  let failed = 0;
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const { fraction, asked, note } = block(view, r * bin, c * bin, bin);
      const x = left + c * cell;
      const y = top + r * cell;
      const from = view.nodes[r * bin];
      const to = view.nodes[c * bin];
      let fill: string = COLORS.notAsked;
      let cls = 'cell none';
      let title: string;
      if (asked === 0) {
        title = r === c && bin === 1 ? from : `${from} → ${to}: not asked`;
        if (r === c && bin === 1) fill = '#ffffff';
      } else {
        fill = bin === 1 ? (fraction === 1 ? COLORS.pass : COLORS.fail) : deliveryColor(fraction);
        cls = fraction === 1 ? 'cell ok' : 'cell fail';
        if (fraction === 1) ok++;
        else failed++;
        title =
          bin === 1
            ? `${from} → ${to}: ${note}`
            : `${from}… → ${to}…: ${Math.round(fraction * 100)}% of ${asked} pairs delivered`;
      }
      parts.push(
        `<rect class="${cls}" x="${n(x)}" y="${n(y)}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"><title>${esc(title)}</title></rect>`,
      );
    }
  }
  if (labelled) {
    view.nodes.forEach((name, i) => {
      const at = n(top + i * cell + cell / 2 + 4);
      parts.push(
        `<text x="${n(left - 4)}" y="${at}" text-anchor="end" class="matrix-label">${esc(name)}</text>`,
      );
      const x = n(left + i * cell + cell / 2 + 4);
      parts.push(
        `<text x="${x}" y="${n(top - 4)}" transform="rotate(-90 ${x} ${n(top - 4)})" class="matrix-label">${esc(name)}</text>`,
      );
    });
  }
  const width = left + size + 4;
  const height = top + size + 4;
  const when = view.t === null ? '' : ` at ${seconds(view.t)}`;
  const pct = view.asked === 0 ? 100 : Math.round((1000 * view.delivered) / view.asked) / 10;
  return (
    `<figure class="matrix" id="matrix-${index}" style="width:${Math.max(width, 220) + 22}px" data-ok="${ok}" data-fail="${failed}" data-delivered="${view.delivered}" data-asked="${view.asked}">` +
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(view.title)}">${parts.join('')}</svg>` +
    `<figcaption><b>${esc(view.title)}</b>${esc(when)}<br>${view.delivered} of ${view.asked} pairs delivered (${pct}%)` +
    `${bin > 1 ? `, ${bin}×${bin} pairs per cell` : ''}</figcaption></figure>`
  );
}

// The pairs of one block (bin x bin pairs from row r0, column c0): the share delivered of those asked.
function block(
  view: PingMatrixView,
  r0: number,
  c0: number,
  bin: number,
): { fraction: number; asked: number; note: string } {
  let asked = 0;
  let delivered = 0;
  let note = '';
  for (let r = r0; r < Math.min(r0 + bin, view.nodes.length); r++) {
    for (let c = c0; c < Math.min(c0 + bin, view.nodes.length); c++) {
      const cell: MatrixCell = view.cells[r][c];
      if (cell === null) continue;
      asked++;
      if (cell.ok) delivered++;
      note = cell.note;
    }
  }
  return { fraction: asked === 0 ? 0 : delivered / asked, asked, note };
}
