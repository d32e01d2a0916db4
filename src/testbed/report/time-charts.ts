// The time charts of report.html, all on one time axis: ring health (alive nodes stacked by whether their vset
// is right, wrong, or they are not active yet, and the crashed ones) and one strip chart per multicast stream
// (a row per member, a cell per second coloured by the share of datagrams that arrived), each with the faults
// marked and the stretches they disturbed shaded.

import type { ReportSeries, RingHealthPoint, StreamView } from './report-series.ts';
import {
  COLORS,
  deliveryColor,
  disruptionBands,
  esc,
  markerLayer,
  n,
  seconds,
  timeAxis,
  timeScale,
  TIME_CHART,
} from './svg.ts';

const LAYERS: { key: keyof RingHealthPoint; color: string; label: string }[] = [
  { key: 'right', color: COLORS.right, label: 'vset right' },
  { key: 'wrongVset', color: COLORS.wrongVset, label: 'vset wrong' },
  { key: 'inactive', color: COLORS.inactive, label: 'not active' },
  { key: 'down', color: COLORS.down, label: 'down (crashed)' },
];

/** Legend entries of the ring-health chart. */
export const RING_HEALTH_LEGEND = LAYERS.map((l) => ({ color: l.color, label: l.label }));

/** The ring-health chart, or a note when the run has no samples. */
export function ringHealthChart(series: ReportSeries): string {
  const points = series.health;
  if (points.length === 0) return '<p class="note">No ring-health samples in this run’s timeline.</p>';
  const scale = timeScale(series.range);
  const top = 64;
  const height = 200;
  const bottom = top + height;
  const total = Math.max(series.totalNodes, ...points.map((p) => p.nodes + p.down), 1);
  const y = (count: number): number => bottom - (count / total) * height;
  // Each sample holds until the next one; the last one for one sampling period.
  const period = points.length > 1 ? points[1].t - points[0].t : 1000;
  const ends = points.map((p, i) =>
    Math.min(series.range.to, i + 1 < points.length ? points[i + 1].t : p.t + period),
  );

  const parts: string[] = [];
  parts.push(disruptionBands(scale, series.disruptions, top, bottom));
  parts.push(timeAxis(scale, top, bottom));
  for (const k of [0, 0.5, 1]) {
    const count = Math.round(total * k);
    parts.push(
      `<line x1="${n(scale.x0)}" x2="${n(scale.x1)}" y1="${n(y(count))}" y2="${n(y(count))}" stroke="${COLORS.grid}"/>`,
      `<text x="${n(scale.x0 - 8)}" y="${n(y(count) + 4)}" text-anchor="end" class="tick">${count}</text>`,
    );
  }
  parts.push(
    `<text x="16" y="${n(top + height / 2)}" class="axis-title" transform="rotate(-90 16 ${n(top + height / 2)})" text-anchor="middle">nodes</text>`,
  );

  // Stacked step areas, bottom layer first.
  const base = points.map(() => 0);
  for (const layer of LAYERS) {
    const upper = points.map((p, i) => base[i] + (p[layer.key] as number));
    if (upper.every((u, i) => u === base[i])) continue;
    let d = '';
    points.forEach((p, i) => {
      const x0 = n(scale(p.t));
      const x1 = n(scale(ends[i]));
      d += `${i === 0 ? 'M' : 'L'}${x0} ${n(y(upper[i]))}L${x1} ${n(y(upper[i]))}`;
    });
    for (let i = points.length - 1; i >= 0; i--) {
      d += `L${n(scale(ends[i]))} ${n(y(base[i]))}L${n(scale(points[i].t))} ${n(y(base[i]))}`;
    }
    parts.push(`<path class="layer-${esc(layer.key)}" d="${d}Z" fill="${layer.color}" opacity="0.9"/>`);
    upper.forEach((u, i) => (base[i] = u));
  }

  // One hover column per sample.
  points.forEach((p, i) => {
    const x0 = scale(p.t);
    const w = Math.max(0.5, scale(ends[i]) - x0);
    const text =
      `${seconds(p.t)}: ${p.right} of ${p.nodes + p.down} nodes with the right vset, ${p.wrongVset} wrong, ` +
      `${p.inactive} not active, ${p.down} down; ${p.partitions} partition${p.partitions === 1 ? '' : 's'}`;
    parts.push(
      `<rect class="sample" x="${n(x0)}" y="${n(top)}" width="${n(w)}" height="${height}" fill="transparent"><title>${esc(text)}</title></rect>`,
    );
  });
  parts.push(partitionLane(scale, points, ends, top - 22, 16));
  parts.push(markerLayer(scale, series.markers, top - 24, bottom, { labels: true }));

  const lowest = lowestAfterConvergence(series);
  const svgHeight = bottom + 30;
  return (
    `<svg id="ring-health" class="chart" viewBox="0 0 ${TIME_CHART.width} ${svgHeight}" role="img" ` +
    `aria-label="ring health over time" data-nodes="${total}" data-samples="${points.length}" ` +
    `data-min-right="${lowest?.right ?? ''}" data-min-right-at="${lowest?.t ?? ''}">${parts.join('')}</svg>`
  );
}

/** The sample with the fewest nodes with the right vset since the ring first converged (the dip faults cause). */
export function lowestAfterConvergence(series: ReportSeries): RingHealthPoint | null {
  const converged = series.markers.find((m) => m.kind === 'converged')?.t ?? -Infinity;
  let lowest: RingHealthPoint | null = null;
  for (const p of series.health)
    if (p.t > converged && (lowest === null || p.right < lowest.right)) lowest = p;
  return lowest;
}

// A lane above the plot: how many partitions the alive nodes form, pale green for one, pale red for more.
function partitionLane(
  scale: ReturnType<typeof timeScale>,
  points: readonly RingHealthPoint[],
  ends: readonly number[],
  y: number,
  h: number,
): string {
  const parts = [
    `<text x="${n(scale.x0 - 8)}" y="${n(y + 12)}" text-anchor="end" class="tick">partitions</text>`,
  ];
  for (let i = 0; i < points.length;) {
    let j = i;
    while (j + 1 < points.length && points[j + 1].partitions === points[i].partitions) j++;
    const count = points[i].partitions;
    const x0 = scale(points[i].t);
    const x1 = scale(ends[j]);
    const fill = count > 1 ? '#f8d7dc' : '#e3f3ea';
    const text = count === 1 ? '1' : `${count} partitions`;
    parts.push(
      `<rect class="partition-lane" data-partitions="${count}" x="${n(x0)}" y="${n(y)}" width="${n(Math.max(0.5, x1 - x0))}" height="${h}" fill="${fill}"><title>${esc(`${seconds(points[i].t)} to ${seconds(ends[j])}: ${text}`)}</title></rect>`,
    );
    if (x1 - x0 > 8 * text.length) {
      parts.push(
        `<text x="${n((x0 + x1) / 2)}" y="${n(y + 12)}" text-anchor="middle" class="lane-label">${esc(text)}</text>`,
      );
    }
    i = j + 1;
  }
  return parts.join('');
}

/** The strip chart of one multicast stream. */
export function streamChart(stream: StreamView, series: ReportSeries, index: number): string {
  const scale = timeScale(series.range);
  const rowHeight = 22;
  const top = 36;
  const bottom = top + rowHeight * Math.max(1, stream.members.length);
  const parts: string[] = [];
  parts.push(disruptionBands(scale, series.disruptions, top, bottom));
  parts.push(timeAxis(scale, top, bottom));
  // The stream's span, faintly, behind the rows.
  const s0 = scale(stream.startedAt);
  const s1 = scale(stream.startedAt + stream.durationMs);
  parts.push(
    `<rect x="${n(s0)}" y="${n(top)}" width="${n(Math.max(0, s1 - s0))}" height="${n(bottom - top)}" fill="#f6f8fb"/>`,
  );
  stream.members.forEach((m, row) => {
    const y = top + row * rowHeight;
    const pct = m.deliveryPct === null ? '' : ` ${m.deliveryPct}%`;
    parts.push(
      `<text x="${n(scale.x0 - 8)}" y="${n(y + 15)}" text-anchor="end" class="row-label">${esc(m.name)}<tspan class="muted">${esc(pct)}</tspan></text>`,
    );
    if (m.buckets) {
      m.buckets.forEach((f, b) => {
        const t0 = stream.startedAt + b * stream.bucketMs;
        const x0 = scale(t0);
        const w = Math.max(0.5, scale(t0 + stream.bucketMs) - x0);
        const title = `${m.name}, ${seconds(t0)}: ${Math.round(f * 100)}% of the datagrams sent this second arrived`;
        parts.push(
          `<rect class="bucket${f === 0 ? ' outage' : ''}" x="${n(x0)}" y="${n(y + 3)}" width="${n(w)}" height="${rowHeight - 6}" fill="${deliveryColor(f)}"><title>${esc(title)}</title></rect>`,
        );
      });
    } else if (m.firstMs !== null && m.lastMs !== null) {
      const x0 = scale(stream.startedAt + m.firstMs);
      const x1 = scale(stream.startedAt + m.lastMs);
      const title = `${m.name}: ${m.deliveryPct}% delivered, longest outage ${seconds(m.longestOutageMs ?? 0)}`;
      parts.push(
        `<rect class="member-span" x="${n(x0)}" y="${n(y + 3)}" width="${n(Math.max(1, x1 - x0))}" height="${rowHeight - 6}" fill="${deliveryColor((m.deliveryPct ?? 0) / 100)}"><title>${esc(title)}</title></rect>`,
      );
    }
  });
  parts.push(
    markerLayer(
      scale,
      series.markers.filter((m) => m.kind === 'fault'),
      top,
      bottom,
      { labels: true },
    ),
  );
  return (
    `<svg id="stream-${index}" class="chart stream" viewBox="0 0 ${TIME_CHART.width} ${bottom + 28}" role="img" ` +
    `aria-label="${esc(stream.title)}">${parts.join('')}</svg>`
  );
}
