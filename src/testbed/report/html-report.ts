// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched, opens offline) beside
// report.json, drawn from it and from timeline.jsonl: the verdict and figures, ring health over time with the
// faults marked, the multicast streams second by second, every timeline step and closing check with its
// figures and problems, and the ping-all matrices. htmlReport is pure: same report and events, same bytes.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { matrixChart } from './matrix-chart.ts';
import { reportSeries, shortWhere, stepTime, type ReportSeries } from './report-series.ts';
import type { RunReport, RunStepReport } from './run-report.ts';
import { COLORS, esc, legend, seconds } from './svg.ts';
import { lowestAfterConvergence, RING_HEALTH_LEGEND, ringHealthChart, streamChart } from './time-charts.ts';
import type { TimelineEvent } from './timeline.ts';
import type { CheckResult } from '../../checks/report.ts';

/** The page for a report and its timeline events. */
export function htmlReport(report: RunReport, events: readonly TimelineEvent[]): string {
  const series = reportSeries(report, events);
  const title = `${report.topology}: ${report.passed ? 'PASS' : 'FAIL'}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may be fetched: inline styles and images only.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    header(report),
    ringSection(series),
    streamSection(series),
    stepsSection(report, series),
    checksSection(report.checks),
    matrixSection(series),
    `<footer>Drawn from report.json and timeline.jsonl by vrr-lab ${esc(report.versions['vrr-lab'])}. ` +
      `Times are ms since the run started${report.runtime === 'sim' ? ' (virtual time)' : ''}; hover a chart for its values.</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** Reads a timeline.jsonl (one event per line); a missing file gives no events. */
export function readTimelineEvents(path: string): TimelineEvent[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line) as TimelineEvent;
      } catch (error) {
        throw new Error(`${path}:${i + 1}: expected one JSON event per line: ${(error as Error).message}`);
      }
    });
}

/** Writes dir/report.html for the report and the events (creating dir); returns its path. */
export function writeHtmlReport(dir: string, report: RunReport, events: readonly TimelineEvent[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'report.html');
  writeFileSync(path, htmlReport(report, events));
  return path;
}

/** Writes dir/timeline.jsonl from events already in time order (the simulator's); returns its path. */
export function writeTimelineEvents(dir: string, events: readonly TimelineEvent[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'timeline.jsonl');
  writeFileSync(path, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return path;
}

function badge(passed: boolean, text = passed ? 'PASS' : 'FAIL'): string {
  return `<span class="badge ${passed ? 'pass' : 'fail'}">${esc(text)}</span>`;
}

function header(report: RunReport): string {
  const stepsPassed = report.steps.filter((s) => s.passed).length;
  const checksPassed = report.checks.filter((c) => c.passed).length;
  const facts = [
    `${report.runtime === 'sim' ? 'simulator' : `${report.runtime} lab ${report.lab}`}`,
    `seed ${report.seed}`,
    `${report.nodes} nodes`,
    `${report.links.length || (report.figures.links as number) || 0} links`,
    ...(report.startedAt ? [`started ${report.startedAt}`] : []),
  ];
  const cards: [string, string][] = [
    ['ring converged', report.convergenceMs === null ? 'never' : seconds(report.convergenceMs)],
    ['timeline steps', `${stepsPassed} / ${report.steps.length} held`],
    ['closing checks', `${checksPassed} / ${report.checks.length} passed`],
  ];
  for (const [key, value] of Object.entries(report.figures)) {
    if (value === null) cards.push([key, '–']);
    else if (typeof value === 'number') cards.push([key, value.toLocaleString('en-US')]);
    else
      cards.push([
        key,
        Object.entries(value)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ]);
  }
  return (
    `<header><h1>${esc(report.topology)} ${badge(report.passed)}</h1>` +
    `<p class="facts">${facts.map(esc).join(' · ')}</p>` +
    `<div class="cards">${cards.map(([k, v]) => `<div class="card"><span>${esc(k)}</span><b>${esc(v)}</b></div>`).join('')}</div>` +
    (report.topologyFile ? `<p class="muted">topology file ${esc(report.topologyFile)}</p>` : '') +
    '</header>'
  );
}

function ringSection(series: ReportSeries): string {
  const last = series.health[series.health.length - 1];
  const lowest = lowestAfterConvergence(series);
  const summary =
    lowest && last
      ? `<p class="summary">Since the ring first converged, the fewest nodes with the right vset: <b>${lowest.right} of ` +
        `${lowest.nodes + lowest.down}</b> at ${seconds(lowest.t)} (${lowest.partitions} partition${lowest.partitions === 1 ? '' : 's'}); ` +
        `at the end ${last.right} of ${last.nodes + last.down}.</p>`
      : '';
  return (
    '<section><h2>Ring health over time</h2>' +
    '<p class="muted">Alive nodes whose virtual set is exactly the one the ring-consistent check expects in ' +
    'their partition, sampled every poll period. Dashed red lines are faults, shaded stretches what they ' +
    'disturbed; diamonds on the axis are verify steps (green held, red failed).</p>' +
    ringHealthChart(series) +
    legend([
      ...RING_HEALTH_LEGEND,
      { color: COLORS.fault, label: 'fault' },
      { color: COLORS.converged, label: 'first consistent ring' },
    ]) +
    summary +
    '</section>'
  );
}

function streamSection(series: ReportSeries): string {
  if (series.streams.length === 0) return '';
  const charts = series.streams.map((s, i) => {
    const worst = s.members.reduce<number | null>(
      (a, m) => (m.longestOutageMs === null ? a : Math.max(a ?? 0, m.longestOutageMs)),
      null,
    );
    return (
      `<h3>Stream ${i + 1}: ${esc(s.title)}</h3>` +
      `<p class="muted">${seconds(s.durationMs)} from ${seconds(s.startedAt)}` +
      (worst === null ? '' : `; longest outage of a member ${seconds(worst)}`) +
      '</p>' +
      streamChart(s, series, i)
    );
  });
  return (
    '<section><h2>Multicast delivery over time</h2>' +
    '<p class="muted">One row per member, one cell per second: the share of the datagrams sent that second that ' +
    'reached the member (green all, red none). The percentage after the name is the member’s delivery.</p>' +
    charts.join('') +
    legend([
      { color: '#2f9e62', label: 'all arrived' },
      { color: '#f0a534', label: 'half' },
      { color: '#d1495b', label: 'none (outage)' },
    ]) +
    '</section>'
  );
}

// Figures as chips, those named <check>.<figure> grouped under their check.
function figureChips(figures: Record<string, number | null>): string {
  const groups = new Map<string, [string, number | null][]>();
  for (const [key, value] of Object.entries(figures)) {
    const dot = key.indexOf('.');
    const group = dot > 0 ? key.slice(0, dot) : '';
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group)!.push([dot > 0 ? key.slice(dot + 1) : key, value]);
  }
  return [...groups]
    .map(
      ([group, entries]) =>
        `<div class="figures">${group ? `<b>${esc(group)}</b>` : ''}${entries
          .map(
            ([k, v]) => `<span class="chip"><span>${esc(k)}</span> ${esc(v === null ? 'never' : v)}</span>`,
          )
          .join('')}</div>`,
    )
    .join('');
}

function problems(list: readonly string[] | undefined, extra: readonly string[] = []): string {
  const all = [...(list ?? []), ...extra];
  if (all.length === 0) return '';
  return `<details><summary>${all.length} line${all.length === 1 ? '' : 's'}</summary><ul>${all
    .map((p) => `<li>${esc(p)}</li>`)
    .join('')}</ul></details>`;
}

function stepsSection(report: RunReport, series: ReportSeries): string {
  if (report.steps.length === 0) return '';
  const convergedAt = series.markers.find((m) => m.kind === 'converged')?.t ?? null;
  const rows = report.steps.map((s: RunStepReport) => {
    const t = stepTime(s, convergedAt);
    return (
      `<tr class="${s.passed ? 'pass' : 'fail'}"><td class="nowrap">${esc(seconds(s.at))}</td><td class="nowrap">${t === null ? '–' : esc(seconds(t))}</td>` +
      `<td class="nowrap"><b>${esc(s.action)}</b><br><span class="where">${esc(shortWhere(s.where))}</span></td>` +
      `<td>${badge(s.passed, s.passed ? 'held' : 'failed')}</td>` +
      `<td>${figureChips(s.figures)}${problems(s.problems, s.notRun)}</td></tr>`
    );
  });
  return (
    '<section><h2>Timeline steps</h2>' +
    '<table><thead><tr><th>at</th><th>run time</th><th>step</th><th></th><th>figures and problems</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>` +
    '<p class="muted">“at” counts from the first consistent ring, as in the topology file; “run time” from the start of the run.</p></section>'
  );
}

function checksSection(checks: readonly CheckResult[]): string {
  if (checks.length === 0) return '';
  const rows = checks.map(
    (c) =>
      `<tr class="${c.passed ? 'pass' : 'fail'}"><td><b>${esc(c.name)}</b></td><td>${badge(c.passed)}</td>` +
      `<td>${figureChips(c.figures)}${problems(c.problems)}</td></tr>`,
  );
  return (
    '<section><h2>Closing checks</h2>' +
    '<table><thead><tr><th>check</th><th></th><th>figures and problems</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table></section>`
  );
}

function matrixSection(series: ReportSeries): string {
  if (series.matrices.length === 0) return '';
  return (
    '<section><h2>Ping-all matrices</h2>' +
    '<p class="muted">Rows send, columns receive. For a step that had to retry, its first and its last round.</p>' +
    `<div class="matrices">${series.matrices.map((m, i) => matrixChart(m, i)).join('')}</div>` +
    legend([
      { color: COLORS.pass, label: 'delivered' },
      { color: COLORS.fail, label: 'not delivered' },
      { color: COLORS.notAsked, label: 'not asked (other partition)' },
    ]) +
    '</section>'
  );
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 40px; background: #f4f6f9; color: #1f2933;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; display: flex; align-items: center; gap: 12px; }
h2 { font-size: 18px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 18px 0 2px; }
header, section { background: #fff; border: 1px solid #dde3ea; border-radius: 10px; padding: 18px 22px; margin-bottom: 18px; }
.facts { margin: 0 0 12px; color: #52606d; }
.muted { color: #697586; margin: 4px 0 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { background: #f6f8fb; border: 1px solid #e3e8ef; border-radius: 8px; padding: 8px 12px; min-width: 130px; }
.card span { display: block; font-size: 12px; color: #697586; }
.card b { font-size: 16px; }
.badge { display: inline-block; border-radius: 999px; padding: 2px 10px; font-size: 12px; font-weight: 700; color: #fff; vertical-align: middle; }
.badge.pass { background: ${COLORS.pass}; } .badge.fail { background: ${COLORS.fail}; }
svg.chart { width: 100%; height: auto; display: block; }
svg text { font-family: inherit; }
.tick { font-size: 11px; fill: #52606d; }
.axis-title { font-size: 12px; fill: #52606d; }
.marker-label { font-size: 12px; font-weight: 600; }
.lane-label { font-size: 11px; fill: #3e4c59; }
.nowrap { white-space: nowrap; }
.where { color: #697586; font-size: 12px; }
.summary { margin: 8px 0 0; }
.row-label { font-size: 12px; fill: #1f2933; }
.row-label .muted { fill: #697586; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; margin: 8px 0 0; font-size: 12px; color: #3e4c59; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: 12px; color: #697586; font-weight: 600; border-bottom: 1px solid #dde3ea; padding: 6px 8px; }
td { vertical-align: top; border-bottom: 1px solid #eef1f5; padding: 8px; }
tr.fail td { background: #fff5f6; }
.figures { margin-bottom: 2px; }
.figures > b { display: inline-block; min-width: 118px; font-size: 12px; font-weight: 600; color: #3e4c59; }
.chip { display: inline-block; background: #eef2f7; border-radius: 6px; padding: 1px 7px; margin: 0 4px 4px 0; font-size: 12px; white-space: nowrap; }
.chip span { color: #697586; }
details { margin-top: 4px; font-size: 12px; }
details ul { margin: 4px 0; padding-left: 18px; color: #52606d; }
.matrices { display: flex; flex-wrap: wrap; gap: 18px; }
.matrix { margin: 0; padding: 10px; border: 1px solid #e3e8ef; border-radius: 8px; background: #fbfcfd; }
.matrix figcaption { font-size: 12px; color: #52606d; margin-top: 4px; }
.matrix-label { font-size: 10px; fill: #52606d; }
footer { color: #8895a7; font-size: 12px; text-align: center; }
`;
