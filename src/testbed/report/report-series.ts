// The series report.html draws, taken from report.json and timeline.jsonl (a real lab's or a simulated run's):
// ring health over time, the faults and verify steps on the time axis, the ping-all matrices and the multicast
// streams. Pure: the same report and events give the same series. Events it reads (others are ignored):
//   ring-health   {nodes, right, wrongVset, inactive, down?, partitions}   (vsetHealth, sampled every poll period)
//   fault         {action, detail? | did?}                                  (lab and sim)
//   ring-converged                                                          (lab: when the steps' clock starts)
//   ping-matrix   {where, nodes, pairs: [from, to, hops | null][]}          (sim: every ping-all round)
//   stream-start, stream-series {group, where, startedAt, durationMs, bucketMs, sentPerBucket, members: {m: [...]}}
// A lab's ping matrices and multicast members come from report.json (the checks' details) instead.

import { basename } from 'node:path';
import type { CheckResult } from '../../checks/report.ts';
import type { RunReport, RunStepReport } from './run-report.ts';
import type { TimelineEvent } from './timeline.ts';

/** One sample of ring health. */
export interface RingHealthPoint {
  t: number;
  nodes: number;
  right: number;
  wrongVset: number;
  inactive: number;
  /** Nodes of the topology not alive (crashed). */
  down: number;
  partitions: number;
}

/** Something that happened at a time: a fault, a verify step, the first consistent ring. */
export interface TimeMarker {
  t: number;
  kind: 'fault' | 'verify' | 'converged';
  label: string;
  detail: string;
  passed?: boolean;
}

/** A stretch of time a fault disturbed (a partition until the heal, a crash until the restart, ...). */
export interface Disruption {
  from: number;
  to: number | null;
  label: string;
}

/** One cell of a ping matrix: delivered or not, and what to say about it; null = not asked. */
export type MatrixCell = { ok: boolean; note: string } | null;

/** A ping-all round as a from x to matrix. */
export interface PingMatrixView {
  title: string;
  t: number | null;
  nodes: string[];
  cells: MatrixCell[][];
  delivered: number;
  asked: number;
}

/** One member's line of a multicast stream. */
export interface StreamMember {
  name: string;
  /** Delivered fraction (0-1) per bucket (sim), or null when only totals are known (lab). */
  buckets: number[] | null;
  /** First and last arrival, ms after the stream started (lab), else null. */
  firstMs: number | null;
  lastMs: number | null;
  deliveryPct: number | null;
  longestOutageMs: number | null;
}

/** One multicast stream. */
export interface StreamView {
  title: string;
  startedAt: number;
  durationMs: number;
  bucketMs: number;
  members: StreamMember[];
}

/** Everything the page draws. */
export interface ReportSeries {
  health: RingHealthPoint[];
  markers: TimeMarker[];
  disruptions: Disruption[];
  matrices: PingMatrixView[];
  streams: StreamView[];
  /** Time axis range, ms since the run started. */
  range: { from: number; to: number };
  totalNodes: number;
}

/** Builds the series from a report and its timeline events. */
export function reportSeries(report: RunReport, events: readonly TimelineEvent[]): ReportSeries {
  const health = events.filter((e) => e.type === 'ring-health').map((e) => healthPoint(e, report.nodes));
  const convergedAt = stepsClock(report, events);
  const markers = timeMarkers(report, events, convergedAt);
  const disruptions = disruptionsOf(markers);
  const matrices = report.runtime === 'sim' ? simMatrices(events) : labMatrices(report, convergedAt);
  const streams = report.runtime === 'sim' ? simStreams(events) : labStreams(report, events);
  const times = [
    ...health.map((h) => h.t),
    ...markers.map((m) => m.t),
    ...streams.flatMap((s) => [s.startedAt, s.startedAt + s.durationMs]),
  ];
  const from = report.runtime === 'sim' ? 0 : Math.min(...times.filter((t) => t >= 0), Infinity);
  const to = Math.max(...times, 0);
  return {
    health,
    markers,
    disruptions,
    matrices,
    streams,
    range: { from: Number.isFinite(from) ? from : 0, to: to > from ? to : from + 1000 },
    totalNodes: report.nodes,
  };
}

/** A step's file:line with the file's directory left out: "…/topologies/a.yaml:22" -> "a.yaml:22". */
export function shortWhere(where: string): string {
  const colon = where.lastIndexOf(':');
  return colon > 0 ? `${basename(where.slice(0, colon))}${where.slice(colon)}` : where;
}

function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function healthPoint(e: TimelineEvent, total: number): RingHealthPoint {
  const nodes = num(e.nodes);
  return {
    t: e.t,
    nodes,
    right: num(e.right),
    wrongVset: num(e.wrongVset),
    inactive: num(e.inactive),
    down: num(e.down, Math.max(0, total - nodes)),
    partitions: num(e.partitions, 1),
  };
}

// When the steps' `at` counts from: the first consistent ring (sim: convergenceMs; lab: its timeline event).
function stepsClock(report: RunReport, events: readonly TimelineEvent[]): number | null {
  if (report.runtime === 'sim') return report.convergenceMs;
  return events.find((e) => e.type === 'ring-converged')?.t ?? null;
}

/** When a step ran: its `at` after convergence, plus how late it was. */
export function stepTime(step: RunStepReport, convergedAt: number | null): number | null {
  if (convergedAt === null) return null;
  return convergedAt + step.at + num(step.figures.lateMs);
}

function timeMarkers(
  report: RunReport,
  events: readonly TimelineEvent[],
  convergedAt: number | null,
): TimeMarker[] {
  const markers: TimeMarker[] = [];
  if (convergedAt !== null) {
    markers.push({
      t: convergedAt,
      kind: 'converged',
      label: 'ring converged',
      detail: 'first consistent ring',
    });
  }
  for (const e of events) {
    if (e.type !== 'fault') continue;
    const action = String(e.action ?? 'fault');
    const detail = String(e.detail ?? e.did ?? action);
    markers.push({ t: e.t, kind: 'fault', label: action, detail });
  }
  for (const step of report.steps) {
    if (step.action !== 'verify') continue;
    const t = stepTime(step, convergedAt);
    if (t === null) continue;
    const checks = Object.keys(step.figures)
      .filter((k) => k.endsWith('.heldAfterMs'))
      .map((k) => k.slice(0, -'.heldAfterMs'.length));
    markers.push({
      t,
      kind: 'verify',
      label: `verify ${checks.join(', ')}`,
      detail: `${step.where}: ${step.passed ? 'held' : 'FAILED'}`,
      passed: step.passed,
    });
  }
  return markers.sort((a, b) => a.t - b.t);
}

// A partition or link-down lasts until a heal, a link-down also until its link-up, a crash until its restart.
function disruptionsOf(markers: readonly TimeMarker[]): Disruption[] {
  const open: { d: Disruption; kind: string }[] = [];
  const out: Disruption[] = [];
  // What follows the action's name ("link-down a b" -> "a b"): which link or node it was.
  const what = (detail: string): string => detail.split(' ').slice(1).join(' ');
  const close = (t: number, kind: string, detail: string | null): void => {
    const candidates = open.filter((o) => o.kind === kind);
    const exact = detail === null ? candidates : candidates.filter((o) => what(o.d.label) === what(detail));
    for (const o of exact.length > 0 ? exact : candidates.slice(0, 1)) {
      o.d.to = t;
      out.push(o.d);
      open.splice(open.indexOf(o), 1);
    }
  };
  for (const m of markers) {
    if (m.kind !== 'fault') continue;
    if (m.label === 'partition' || m.label === 'link-down' || m.label === 'crash') {
      open.push({ d: { from: m.t, to: null, label: m.detail }, kind: m.label });
    } else if (m.label === 'heal') {
      close(m.t, 'partition', null);
      close(m.t, 'link-down', null);
    } else if (m.label === 'link-up') {
      close(m.t, 'link-down', m.detail);
    } else if (m.label === 'restart') {
      close(m.t, 'crash', m.detail);
    }
  }
  return [...out, ...open.map((o) => o.d)].sort((a, b) => a.from - b.from);
}

function simMatrices(events: readonly TimelineEvent[]): PingMatrixView[] {
  // Every round, grouped by the step that ran it: the first round and, when it had to retry, the one that held.
  const byWhere = new Map<string, TimelineEvent[]>();
  for (const e of events) {
    if (e.type !== 'ping-matrix') continue;
    const where = shortWhere(String(e.where ?? ''));
    if (!byWhere.has(where)) byWhere.set(where, []);
    byWhere.get(where)!.push(e);
  }
  const out: PingMatrixView[] = [];
  for (const [where, rounds] of byWhere) {
    const shown = rounds.length === 1 ? rounds : [rounds[0], rounds[rounds.length - 1]];
    for (const [i, e] of shown.entries()) {
      const nodes = Array.isArray(e.nodes) ? e.nodes.map(String) : [];
      const index = new Map(nodes.map((n, k) => [n, k]));
      const cells: MatrixCell[][] = nodes.map(() => nodes.map(() => null));
      let delivered = 0;
      const pairs = Array.isArray(e.pairs) ? (e.pairs as [string, string, number | null][]) : [];
      for (const [from, to, hops] of pairs) {
        const r = index.get(from);
        const c = index.get(to);
        if (r === undefined || c === undefined) continue;
        if (hops !== null) delivered++;
        cells[r][c] =
          hops === null ? { ok: false, note: 'not delivered' } : { ok: true, note: `${hops} hops` };
      }
      const which =
        rounds.length === 1 ? 'one round' : i === 0 ? `first of ${rounds.length} rounds` : 'last round';
      out.push({
        title: `${where} (${which})`,
        t: e.t,
        nodes,
        cells,
        delivered,
        asked: pairs.length,
      });
    }
  }
  return out;
}

interface PingCellJson {
  lossPct: number;
  rttMs: number | null;
  error?: string;
}

function labMatrices(report: RunReport, convergedAt: number | null): PingMatrixView[] {
  const rounds: { title: string; t: number | null; check: CheckResult }[] = [];
  for (const step of report.steps) {
    for (const check of step.checks ?? []) {
      if (check.name === 'ping-all')
        rounds.push({ title: shortWhere(step.where), t: stepTime(step, convergedAt), check });
    }
  }
  for (const check of report.checks)
    if (check.name === 'ping-all') rounds.push({ title: 'closing checks', t: null, check });
  const out: PingMatrixView[] = [];
  for (const { title, t, check } of rounds) {
    const matrix = check.details?.matrix as
      Record<string, Record<string, Record<string, PingCellJson>>> | undefined;
    if (!matrix) continue;
    const families = Object.keys(matrix);
    const names = new Set<string>();
    for (const family of families) {
      for (const [from, row] of Object.entries(matrix[family])) {
        names.add(from);
        for (const to of Object.keys(row)) names.add(to);
      }
    }
    const nodes = [...names];
    let delivered = 0;
    let asked = 0;
    const cells: MatrixCell[][] = nodes.map((from) =>
      nodes.map((to) => {
        const per = families
          .map((f) => matrix[f][from]?.[to])
          .filter((c): c is PingCellJson => c !== undefined);
        if (per.length === 0) return null;
        asked++;
        const ok = per.every((c) => c.lossPct < 100);
        if (ok) delivered++;
        const note = families
          .map((f, k) => (per[k] ? `${f} ${per[k].rttMs === null ? 'lost' : `${per[k].rttMs} ms`}` : ''))
          .filter(Boolean)
          .join(', ');
        return { ok, note };
      }),
    );
    out.push({ title, t, nodes, cells, delivered, asked });
  }
  return out;
}

function simStreams(events: readonly TimelineEvent[]): StreamView[] {
  return events
    .filter((e) => e.type === 'stream-series')
    .map((e) => {
      const bucketMs = num(e.bucketMs, 1000);
      const sent = Array.isArray(e.sentPerBucket) ? (e.sentPerBucket as number[]) : [];
      const total = sent.reduce((a, b) => a + b, 0);
      const durationMs = num(e.durationMs);
      const rows = (e.members ?? {}) as Record<string, number[]>;
      const members = Object.entries(rows).map(([name, counts]) => {
        const fractions = sent.map((s, i) => (s === 0 ? 1 : Math.min(1, (counts[i] ?? 0) / s)));
        const received = counts.reduce((a, b) => a + b, 0);
        return {
          name,
          buckets: fractions,
          firstMs: null,
          lastMs: null,
          deliveryPct: total === 0 ? null : Math.round((1000 * received) / total) / 10,
          longestOutageMs: longestZeroRun(fractions) * bucketMs,
        };
      });
      return {
        title: `${String(e.group)} from ${String(e.sender ?? '?')}, ${shortWhere(String(e.where ?? ''))}`,
        startedAt: num(e.startedAt, e.t),
        durationMs,
        bucketMs,
        members,
      };
    });
}

function longestZeroRun(values: readonly number[]): number {
  let best = 0;
  let run = 0;
  for (const v of values) {
    run = v === 0 ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

interface LabMember {
  node: string;
  deliveryPct: number;
  longestOutageMs: number;
  firstArrivalMs: number | null;
  lastArrivalMs: number | null;
}

function labStreams(report: RunReport, events: readonly TimelineEvent[]): StreamView[] {
  const starts = events.filter((e) => e.type === 'stream-start');
  const out: StreamView[] = [];
  let k = 0;
  for (const step of report.steps) {
    for (const check of step.checks ?? []) {
      if (check.name !== 'multicast') continue;
      const start = starts[k++];
      const members = (check.details?.members ?? []) as LabMember[];
      const durationMs =
        num(check.figures.durationMs, 0) || Math.max(0, ...members.map((m) => num(m.lastArrivalMs)));
      out.push({
        title: `${String(start?.group ?? 'multicast')}, ${shortWhere(step.where)}`,
        startedAt: start?.t ?? 0,
        durationMs,
        bucketMs: 1000,
        members: members.map((m) => ({
          name: m.node,
          buckets: null,
          firstMs: m.firstArrivalMs,
          lastMs: m.lastArrivalMs,
          deliveryPct: m.deliveryPct,
          longestOutageMs: m.longestOutageMs,
        })),
      });
    }
  }
  return out;
}
