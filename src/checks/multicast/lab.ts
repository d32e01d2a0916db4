// The multicast check's lab half (testbed.md, "What each check means"): a real iperf v2 UDP sender in the
// source node streams to the group at the spec's rate, and a small receiver in every member node
// (receiver.cjs, run with the node's own `node -e`) joins the group on the overlay and counts the
// datagrams by iperf's sequence number: received, duplicates, out of order, and the longest gap between
// arrivals, i.e. the outage a fault step caused while the stream ran.
//
// It comes in two halves because the scenario runner starts a stream, runs fault steps while it flows, and
// only then collects: startMulticast() returns once the stream flows, stop() waits for it to end and judges it.

import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { parseGroupAddress } from '../../topology/group-address.ts';
import { formatAddress } from '../../vrr/address.ts';
import { deriveSeed } from '../../vrr/rng.ts';
import type { LabCheckStream } from '../check.ts';
import type { LabProbe } from '../lab-probe.ts';
import { mapLimit } from '../map-limit.ts';
import { checkResult, type CheckResult } from '../report.ts';
import type { MulticastCheckSpec } from './spec.ts';
import { judgeMember, judgeStream, noStreamFigures } from './verdict.ts';

/** Tuning of the multicast check. */
export interface MulticastOptions {
  /** UDP port of the stream. Default: derived from the seed (20000-29999), so runs never count each other's. */
  port?: number;
  /** The overlay interface members join on. Default vrr0. */
  iface?: string;
  /** How long members get to join (receiver bound, vrrd lists the group) before the stream starts. Default 15 s. */
  joinTimeoutMs?: number;
  /** How long after the sender ends receivers get to report. Default 5 s. */
  graceMs?: number;
  /** iperf datagram length (bytes). Default 1000. */
  datagramBytes?: number;
}

/** A receiver's final counts (the JSON line receiver.cjs prints). */
export interface ReceiverReport {
  received: number;
  duplicates: number;
  outOfOrder: number;
  /** Datagrams shorter than an iperf header. */
  short: number;
  minId: number | null;
  maxId: number | null;
  /** The id the sender's end marker carried, or null when none arrived. */
  endId: number | null;
  longestGapMs: number;
  /** Epoch ms. */
  firstArrival: number | null;
  lastArrival: number | null;
  missingInRange: number;
  reason: 'end' | 'signal' | 'timeout';
}

/** One member in details.members. */
export interface MemberResult {
  node: string;
  received: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  deliveryPct: number;
  longestOutageMs: number;
  firstArrivalMs: number | null;
  lastArrivalMs: number | null;
  joinedMs: number | null;
  /** Lowest and highest datagram id counted, and the end marker's id (null: none arrived). */
  ids: { min: number | null; max: number | null; end: number | null };
  error?: string;
}

/** A stream that flows; stop() waits for its end (its duration), collects every member's counts and judges them. */
export type MulticastRun = LabCheckStream;

/** The receiver's source text, passed to `node -e` inside the node (it must not import from the repository). */
export function receiverSource(): string {
  return readFileSync(new URL('./receiver.cjs', import.meta.url), 'utf8');
}

/** The seed's stream port. */
export function multicastPort(seed: number): number {
  return 20_000 + (deriveSeed(seed, 'multicast-port') % 10_000);
}

/** Starts the stream, runs it for spec.durationMs and returns the result. */
export async function runMulticastCheck(
  lab: LabProbe,
  spec: MulticastCheckSpec,
  seed: number,
  options: MulticastOptions = {},
): Promise<CheckResult> {
  return (await startMulticast(lab, spec, seed, options)).stop();
}

/** Joins the members, waits until they are joined and starts the sender; resolves once the stream flows. */
export async function startMulticast(
  lab: LabProbe,
  spec: MulticastCheckSpec,
  seed: number,
  options: MulticastOptions = {},
): Promise<MulticastRun> {
  const iface = options.iface ?? 'vrr0';
  const port = options.port ?? multicastPort(seed);
  const joinTimeoutMs = options.joinTimeoutMs ?? 15_000;
  const graceMs = options.graceMs ?? 5_000;
  const family = isIPv4(spec.group) ? 4 : isIPv6(spec.group) ? 6 : null;
  const alive = new Set(lab.aliveNodes());
  const members = spec.members.filter((m) => alive.has(m));
  const skipped = spec.members.filter((m) => !alive.has(m));
  const setupProblems: string[] = [];
  if (family === null) {
    return failedRun(lab, spec, [
      `group ${spec.group} is not an IP multicast group: a real iperf sender cannot stream to it`,
    ]);
  }
  if (!alive.has(spec.source)) {
    return failedRun(lab, spec, [`source ${spec.source} is not alive: no stream to ${spec.group}`]);
  }
  const groupMac = formatAddress(spec.groupAddress ?? parseGroupAddress(spec.group));

  const routesAdded = await mapLimit([spec.source, ...members], 8, (node) =>
    ensureGroupRoute(lab, node, family, iface).then((added) => (added ? node : null)),
  );

  // Receivers first: a member must be joined (and the tree grown) before the first datagram is worth counting.
  const receiverMaxMs = joinTimeoutMs + spec.durationMs + graceMs + 10_000;
  const source = receiverSource();
  const receivers = members.map((node) => {
    const config = {
      group: spec.group,
      port,
      iface,
      localIpv4: lab.node(node).ipv4,
      maxMs: receiverMaxMs,
      lingerMs: 1000,
    };
    return { node, proc: watch(lab.spawn(node, [...lab.nodeCommand, '-e', source, JSON.stringify(config)])) };
  });
  const joinStart = lab.now();
  const joinedMs = new Map<string, number>();
  await Promise.all(
    receivers.map(async (r) => {
      const ready = await waitUntil(
        lab,
        joinTimeoutMs,
        () => r.proc.lines.some((l) => l.ready === true) || r.proc.exited,
      );
      if (!ready || r.proc.exited) return;
      const listed = await waitUntil(lab, joinTimeoutMs - (lab.now() - joinStart), async () => {
        const groups = await lab.ctl<{ member: string[] }>(r.node, 'mcast.groups').catch(() => null);
        return groups !== null && groups.member.includes(groupMac);
      });
      if (listed) joinedMs.set(r.node, lab.now() - joinStart);
      else
        setupProblems.push(`${r.node}: vrrd did not list ${groupMac} as joined within ${joinTimeoutMs} ms`);
    }),
  );

  const seconds = String(spec.durationMs / 1000);
  const senderArgv = [
    'iperf',
    '-c',
    spec.group,
    '-u',
    '-b',
    String(spec.rateBps),
    '-t',
    seconds,
    '-l',
    String(options.datagramBytes ?? 1000),
    '-T',
    '8',
    '-p',
    String(port),
    // The overlay address as source: the ring's tree is per (source, group), and replies name the node.
    ...(family === 4 ? ['-B', lab.node(spec.source).ipv4] : ['-V', '-B', lab.node(spec.source).ipv6]),
  ];
  const sender = watch(lab.spawn(spec.source, senderArgv));
  const startedAt = lab.now();

  let stopped: Promise<CheckResult> | null = null;
  const abort = (): void => {
    for (const p of [sender, ...receivers.map((r) => r.proc)]) if (!p.exited) p.child.kill('SIGKILL');
  };
  const stop = async (): Promise<CheckResult> => {
    // The stream ends by itself after its duration; a sender far beyond that is stuck.
    const senderDeadline = startedAt + spec.durationMs + graceMs + 10_000;
    const problems = [...setupProblems];
    let senderFailed = false;
    if (!(await waitUntil(lab, senderDeadline - lab.now(), () => sender.exited))) {
      sender.child.kill('SIGKILL');
      senderFailed = true;
      problems.push(
        `source ${spec.source}: iperf still ran ${spec.durationMs + graceMs + 10_000} ms after it started`,
      );
      await waitUntil(lab, 2000, () => sender.exited);
    }
    const senderText = sender.text();
    if (sender.code !== 0 && sender.code !== null) {
      senderFailed = true;
      problems.push(`source ${spec.source}: iperf exited ${sender.code}: ${lastLines(senderText)}`);
    }
    const sentByIperf = /Sent (\d+) datagrams/.exec(senderText);
    // Receivers stop on the end marker; one that missed it is told to report (then killed, if it cannot).
    const reportDeadline = lab.now() + graceMs;
    await waitUntil(lab, reportDeadline - lab.now(), () => receivers.every((r) => r.proc.exited));
    for (const r of receivers) if (!r.proc.exited) r.proc.child.kill('SIGTERM');
    await waitUntil(lab, 3000, () => receivers.every((r) => r.proc.exited));
    for (const r of receivers) if (!r.proc.exited) r.proc.child.kill('SIGKILL');

    const reports = receivers.map((r) => ({ node: r.node, proc: r.proc, report: reportOf(r.proc) }));
    const { sent, sentFrom } = datagramsSent(
      reports.map((r) => r.report),
      sentByIperf ? Number(sentByIperf[1]) : null,
      Math.round((spec.rateBps * spec.durationMs) / 1000 / (8 * (options.datagramBytes ?? 1000))),
    );
    return judge({
      spec,
      sent,
      sentSource: sentFrom,
      startedAt,
      reports,
      joinedMs,
      skipped,
      problems,
      senderFailed,
      details: {
        iperfSent: sentByIperf ? Number(sentByIperf[1]) : null,
        port,
        groupMac,
        routesAdded: routesAdded.filter((n) => n !== null),
        sender: lastLines(senderText, 6),
      },
    });
  };
  return {
    startedAt,
    stop: () => (stopped ??= stop()),
    abort,
  };
}

/**
 * Data datagrams the sender sent. iperf v2 numbers them 1..n and ends with one end marker -(n+1), so a member
 * that got the marker knows n exactly. Otherwise iperf's own "Sent N datagrams", which in 2.1.8 is n + 2 (it
 * counts the marker and one more); otherwise the highest id any member saw; otherwise rate x duration.
 */
export function datagramsSent(
  reports: readonly (Pick<ReceiverReport, 'endId' | 'maxId'> | null)[],
  iperfSent: number | null,
  fromRate: number,
): { sent: number; sentFrom: 'end-marker' | 'iperf' | 'highest-id' | 'rate' } {
  const end = Math.max(-1, ...reports.map((r) => r?.endId ?? -1));
  const highest = Math.max(-1, ...reports.map((r) => r?.maxId ?? -1));
  if (end > 0) return { sent: Math.max(end - 1, highest), sentFrom: 'end-marker' };
  if (iperfSent !== null) return { sent: Math.max(iperfSent - 2, highest, 0), sentFrom: 'iperf' };
  if (highest >= 0) return { sent: highest, sentFrom: 'highest-id' };
  return { sent: fromRate, sentFrom: 'rate' };
}

interface JudgeInput {
  spec: MulticastCheckSpec;
  sent: number;
  sentSource: string;
  startedAt: number;
  reports: { node: string; proc: Watched; report: ReceiverReport | null }[];
  joinedMs: Map<string, number>;
  skipped: string[];
  /** Notes so far (a member vrrd was slow to list the group: they explain, they do not fail the check). */
  problems: string[];
  senderFailed: boolean;
  details: Record<string, unknown>;
}

/** A member whose receiver gave no counts got nothing: out for the whole stream. */
const NOTHING_RECEIVED = {
  received: 0,
  duplicates: 0,
  outOfOrder: 0,
  maxId: null,
  longestGapMs: 0,
  lastArrival: null,
};

/** Turns the sender's count and the members' reports into the check's figures, problems and verdict. */
function judge(input: JudgeInput): CheckResult {
  const { spec, sent, problems } = input;
  let failed = input.senderFailed;
  const members: MemberResult[] = input.reports.map(({ node, proc, report }) => {
    const verdict = judgeMember(spec, node, report ?? NOTHING_RECEIVED, sent, input.startedAt);
    const result: MemberResult = {
      node,
      received: report?.received ?? 0,
      lost: verdict.lost,
      duplicates: report?.duplicates ?? 0,
      outOfOrder: report?.outOfOrder ?? 0,
      deliveryPct: verdict.deliveryPct,
      longestOutageMs: verdict.longestOutageMs,
      firstArrivalMs: report?.firstArrival != null ? report.firstArrival - input.startedAt : null,
      lastArrivalMs: report?.lastArrival != null ? report.lastArrival - input.startedAt : null,
      joinedMs: input.joinedMs.get(node) ?? null,
      ids: { min: report?.minId ?? null, max: report?.maxId ?? null, end: report?.endId ?? null },
    };
    if (!report) {
      result.error = receiverError(proc);
      failed = true;
      problems.push(`${node}: the receiver gave no counts (${result.error})`);
    } else if (verdict.problem) {
      failed = true;
      problems.push(verdict.problem);
    }
    return result;
  });
  const stream = judgeStream(spec, sent, members, input.skipped.length, problems);
  const figures = { ...stream.figures };
  failed ||= stream.failed;
  const passed = !failed;
  return checkResult('multicast', passed, figures, problems, {
    ...input.details,
    sentFrom: input.sentSource,
    members,
    ...(input.skipped.length > 0 ? { skippedMembers: input.skipped } : {}),
  });
}

/** A run that never started: stop() reports why. */
function failedRun(lab: LabProbe, spec: MulticastCheckSpec, problems: string[]): MulticastRun {
  const figures = { ...noStreamFigures(spec.members.length) };
  return {
    startedAt: lab.now(),
    stop: async () => checkResult('multicast', false, figures, problems),
    abort: () => {},
  };
}

/**
 * Makes the overlay the way out for the group's family when it is not already; true when it had to. IPv4:
 * `224.0.0.0/4 dev vrr0` in the main table. IPv6 multicast is routed from the local table first, where the
 * kernel puts `multicast ff00::/8` on every interface at the same metric (the first one, usually a link,
 * wins), so the overlay's entry there must have the lowest metric.
 */
export async function ensureGroupRoute(
  lab: LabProbe,
  node: string,
  family: 4 | 6,
  iface: string,
): Promise<boolean> {
  const show =
    family === 4
      ? ['ip', '-4', 'route', 'show', '224.0.0.0/4']
      : ['ip', '-6', 'route', 'show', 'table', 'local', 'ff00::/8'];
  const shown = await lab.exec(node, show);
  if (shown.exitCode === 0 && firstRouteDevice(shown.stdout) === iface) return false;
  const add =
    family === 4
      ? ['ip', '-4', 'route', 'replace', '224.0.0.0/4', 'dev', iface]
      : [
          'ip',
          '-6',
          'route',
          'replace',
          'multicast',
          'ff00::/8',
          'dev',
          iface,
          'table',
          'local',
          'metric',
          '1',
        ];
  const added = await lab.exec(node, add);
  if (added.exitCode !== 0) throw new Error(`${node}: ${add.join(' ')} failed: ${added.stderr.trim()}`);
  return true;
}

/** The device of the lowest-metric route in `ip route show` output (metric 0 when none is printed), or null. */
export function firstRouteDevice(text: string): string | null {
  let best: { dev: string; metric: number } | null = null;
  for (const line of text.split('\n')) {
    const dev = /\bdev (\S+)/.exec(line);
    if (!dev) continue;
    const metric = Number(/\bmetric (\d+)/.exec(line)?.[1] ?? 0);
    if (best === null || metric < best.metric) best = { dev: dev[1], metric };
  }
  return best?.dev ?? null;
}

interface Watched {
  child: ChildProcess;
  /** Parsed JSON lines of stdout, in order. */
  lines: Record<string, unknown>[];
  /** stdout and stderr together (the sender's report). */
  text(): string;
  /** stderr alone (why a receiver died). */
  errors(): string;
  exited: boolean;
  code: number | null;
}

// Collects a child's output (JSON lines parsed as they come) and notes its exit.
function watch(child: ChildProcess): Watched {
  let out = '';
  let err = '';
  let pending = '';
  const w: Watched = { child, lines: [], text: () => out, errors: () => err, exited: false, code: null };
  const onData = (chunk: Buffer): void => {
    const s = chunk.toString('utf8');
    out += s;
    if (out.length > 200_000) out = out.slice(-100_000);
    pending += s;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const line of parts) {
      const trimmed = line.trim();
      if (!trimmed.startsWith('{')) continue;
      try {
        w.lines.push(JSON.parse(trimmed) as Record<string, unknown>);
      } catch {
        // not one of the receiver's lines
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    err += chunk.toString('utf8');
    if (err.length > 100_000) err = err.slice(-50_000);
  });
  child.on('error', (error) => {
    out += `\n${error.message}`;
    w.exited = true;
  });
  child.on('close', (code) => {
    w.exited = true;
    w.code = code;
  });
  return w;
}

function reportOf(w: Watched): ReceiverReport | null {
  const done = w.lines.find((l) => l.done === true);
  return done ? (done as unknown as ReceiverReport) : null;
}

function receiverError(w: Watched): string {
  const error = w.lines.find((l) => typeof l.error === 'string');
  if (error) return String(error.error);
  if (!w.exited) return 'still running after SIGKILL';
  return `exited ${w.code}: ${lastLines(w.errors() || w.text()) || 'no output'}`;
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

// Polls cond (every 100 ms of lab time) until it holds or ms pass; true when it held.
async function waitUntil(
  lab: LabProbe,
  ms: number,
  cond: () => boolean | Promise<boolean>,
): Promise<boolean> {
  const deadline = lab.now() + Math.max(0, ms);
  for (;;) {
    if (await cond()) return true;
    if (lab.now() >= deadline) return false;
    await lab.sleep(100);
  }
}
