// Small SVG building blocks for report.html: escaping, a time scale with its axis, the colours every chart
// shares, and the fault/verify markers drawn over each time chart. Strings in, strings out: the page is one
// self-contained file with inline SVG, no script and nothing fetched.

import type { Disruption, TimeMarker } from './report-series.ts';

/** Text made safe for HTML and SVG (element content and attribute values). */
export function esc(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number for an SVG attribute: two decimals at most, so the file stays small and stable. */
export function n(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** The palette: the same meaning has the same colour in every chart. */
export const COLORS = {
  right: '#2f9e62',
  wrongVset: '#f0a534',
  inactive: '#8d99ae',
  down: '#4b3f57',
  fault: '#d1495b',
  disruption: 'rgba(209, 73, 91, 0.10)',
  converged: '#3a6ea5',
  pass: '#2f9e62',
  fail: '#d1495b',
  grid: '#e3e7ee',
  axis: '#5c677d',
  notAsked: '#eef1f5',
} as const;

/** Width of every time chart (viewBox units) and its left and right margins: their time axes line up. */
export const TIME_CHART = { width: 1000, left: 150, right: 24 } as const;

/** Maps ms to x over the plot area of a time chart. */
export interface TimeScale {
  (t: number): number;
  from: number;
  to: number;
  x0: number;
  x1: number;
}

/** The scale of every time chart for this range. */
export function timeScale(range: { from: number; to: number }): TimeScale {
  const x0 = TIME_CHART.left;
  const x1 = TIME_CHART.width - TIME_CHART.right;
  const span = Math.max(1, range.to - range.from);
  const scale = ((t: number) => x0 + ((t - range.from) / span) * (x1 - x0)) as TimeScale;
  scale.from = range.from;
  scale.to = range.to;
  scale.x0 = x0;
  scale.x1 = x1;
  return scale;
}

/** Tick step (ms) giving about 10 ticks over span ms: 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10 min ... */
export function tickStep(spanMs: number): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600].map((s) => s * 1000);
  return steps.find((s) => spanMs / s <= 12) ?? 7200_000;
}

/** Seconds, as the axis and the tooltips print them. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Vertical grid lines and time labels under a plot spanning y0..y1. */
export function timeAxis(scale: TimeScale, y0: number, y1: number): string {
  const step = tickStep(scale.to - scale.from);
  const parts: string[] = [];
  for (let t = Math.ceil(scale.from / step) * step; t <= scale.to; t += step) {
    const x = n(scale(t));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${n(y0)}" y2="${n(y1)}" stroke="${COLORS.grid}"/>`,
      `<text x="${x}" y="${n(y1 + 16)}" text-anchor="middle" class="tick">${esc(seconds(t))}</text>`,
    );
  }
  parts.push(
    `<line x1="${n(scale.x0)}" x2="${n(scale.x1)}" y1="${n(y1)}" y2="${n(y1)}" stroke="${COLORS.axis}"/>`,
  );
  return parts.join('');
}

/** Shaded bands for the stretches faults disturbed, from y0 to y1. */
export function disruptionBands(
  scale: TimeScale,
  disruptions: readonly Disruption[],
  y0: number,
  y1: number,
): string {
  return disruptions
    .map((d) => {
      const from = Math.max(scale.x0, scale(d.from));
      const to = Math.min(scale.x1, scale(d.to ?? scale.to));
      if (to <= from) return '';
      const until = d.to === null ? 'the end' : seconds(d.to);
      return (
        `<rect class="disruption" x="${n(from)}" y="${n(y0)}" width="${n(to - from)}" height="${n(y1 - y0)}" ` +
        `fill="${COLORS.disruption}"><title>${esc(`${d.label}: ${seconds(d.from)} to ${until}`)}</title></rect>`
      );
    })
    .join('');
}

/**
 * Fault lines across y0..y1 with their labels above y0 (staggered on two rows when close), the first consistent
 * ring as a blue line, and verify steps as diamonds on the axis at y1 (green held, red failed).
 */
export function markerLayer(
  scale: TimeScale,
  markers: readonly TimeMarker[],
  y0: number,
  y1: number,
  options: { labels: boolean },
): string {
  const parts: string[] = [];
  let lastLabelX = -Infinity;
  let row = 0;
  for (const m of markers) {
    const x = scale(m.t);
    if (x < scale.x0 - 0.5 || x > scale.x1 + 0.5) continue;
    const title = `<title>${esc(`${seconds(m.t)}: ${m.label} (${m.detail})`)}</title>`;
    if (m.kind === 'verify') {
      const color = m.passed === false ? COLORS.fail : COLORS.pass;
      const d = `M${n(x)} ${n(y1 - 6)} l6 6 l-6 6 l-6 -6 z`;
      parts.push(`<path class="verify-marker" d="${d}" fill="${color}" stroke="#fff">${title}</path>`);
      continue;
    }
    const color = m.kind === 'fault' ? COLORS.fault : COLORS.converged;
    const cls = m.kind === 'fault' ? 'fault-marker' : 'converged-marker';
    parts.push(
      `<g class="${cls}" data-t="${m.t}" data-label="${esc(m.label)}">${title}` +
        `<line x1="${n(x)}" x2="${n(x)}" y1="${n(y0)}" y2="${n(y1)}" stroke="${color}" stroke-width="2" stroke-dasharray="5 3"/>`,
    );
    if (options.labels) {
      row = x - lastLabelX < 90 ? 1 - row : 0;
      lastLabelX = x;
      const y = y0 - 6 - row * 14;
      // Near an edge the label grows inwards, so it is never cut off.
      const anchor = x > scale.x1 - 70 ? 'end' : x < scale.x0 + 40 ? 'start' : 'middle';
      parts.push(
        `<text x="${n(x)}" y="${n(y)}" text-anchor="${anchor}" class="marker-label" fill="${color}">${esc(m.label)}</text>`,
      );
    }
    parts.push('</g>');
  }
  return parts.join('');
}

/** Colour of a delivered fraction: red at 0, amber at 0.5, green at 1. */
export function deliveryColor(fraction: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const mix = (a: number[], b: number[], k: number): string =>
    `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * k)).join(',')})`;
  const red = [209, 73, 91];
  const amber = [240, 165, 52];
  const green = [47, 158, 98];
  return f < 0.5 ? mix(red, amber, f * 2) : mix(amber, green, (f - 0.5) * 2);
}

/** A legend: coloured squares with their labels, in a row. */
export function legend(items: readonly { color: string; label: string }[]): string {
  return `<div class="legend">${items
    .map((i) => `<span><i style="background:${i.color}"></i>${esc(i.label)}</span>`)
    .join('')}</div>`;
}
