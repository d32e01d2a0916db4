// ping-all's lab half (testbed.md, "What each check means"): real `ping` inside every node, to every other
// alive node's overlay IPv4 and IPv6 address, or to a seeded sample of pairs on large labs, drawn by the same
// function as the simulator's (sample.ts). One call is one round; retrying until it holds within a deadline is
// the scenario runner's business.
//
// As in the simulator, pairs whose nodes sit in different partitions (over the links that are up) are left
// out and counted: no routing can join them, and a verify after a partition step asks about each side. A pair
// is delivered when both families got at least one reply (links may be lossy); the check passes when every
// pair is delivered.

import type { LabProbe, ProbeExecResult } from '../lab-probe.ts';
import { mapLimit } from '../map-limit.ts';
import { capProblems, checkResult, round3, type CheckResult } from '../report.ts';
import { choosePairs, LAB_SAMPLING } from './sample.ts';

/** Tuning of one ping-all round. */
export interface PingAllOptions {
  /** Echo requests per pair and family. Default 3. */
  count?: number;
  /** Pings running at once (each is a process in a node). Default 8. */
  concurrency?: number;
  /** Above this many alive nodes, a sample of pairs is pinged instead of all. Default 20 (LAB_SAMPLING). */
  sampleAbove?: number;
  /** Ordered pairs in the sample. Default 200 (LAB_SAMPLING). */
  samplePairs?: number;
  /** Problem lines kept. Default 50. */
  maxProblems?: number;
}

/** Address families pinged. */
export type Family = 'IPv4' | 'IPv6';

/** What one ping run said. */
export interface PingOutcome {
  transmitted: number;
  received: number;
  /** 0-100. */
  lossPct: number;
  /** From ping's rtt line; null when nothing came back. */
  rttMs: { min: number; avg: number; max: number } | null;
  /** Why ping gave no summary (its first stderr line, or a timeout), else null. */
  error: string | null;
}

/** One cell of the reachability matrix. */
export interface PingCell {
  lossPct: number;
  /** Mean RTT, or null when nothing came back. */
  rttMs: number | null;
  error?: string;
}

/** details.matrix: family -> from -> to -> cell. */
export type PingMatrix = Record<Family, Record<string, Record<string, PingCell>>>;

const FAMILIES: Family[] = ['IPv4', 'IPv6'];

/** Runs one ping-all round with the seed's sample and returns its result (never throws for unreachable pairs). */
export async function runPingAll(
  lab: LabProbe,
  seed: number,
  options: PingAllOptions = {},
): Promise<CheckResult> {
  const count = options.count ?? 3;
  const started = lab.now();
  const { pairs, crossPartitionPairs, sampled } = labPairs(lab, seed, options);
  const probes = pairs.flatMap(([from, to]) => FAMILIES.map((family) => ({ from, to, family })));
  // ping -W 1 waits a second after the last request; anything far beyond that is a stuck node.
  const timeoutMs = Math.ceil(count * 200 + 1000 + 10_000);
  const outcomes = await mapLimit(probes, options.concurrency ?? 8, async (probe) => {
    const address = addressOf(lab, probe.to, probe.family);
    const argv = ['ping', '-c', String(count), '-i', '0.2', '-W', '1', '-q', address];
    let result: ProbeExecResult;
    try {
      result = await lab.exec(probe.from, argv, { timeoutMs });
    } catch (error) {
      result = { exitCode: -1, stdout: '', stderr: `exec failed: ${(error as Error).message}` };
    }
    return { ...probe, address, outcome: parsePing(result, count) };
  });

  const matrix: PingMatrix = { IPv4: {}, IPv6: {} };
  const problems: string[] = [];
  const reachable = { IPv4: new Set<string>(), IPv6: new Set<string>() };
  let sent = 0;
  let lost = 0;
  let rttSum = 0;
  let rttCount = 0;
  let maxRtt = 0;
  for (const { from, to, family, address, outcome } of outcomes) {
    const cell: PingCell = { lossPct: outcome.lossPct, rttMs: outcome.rttMs?.avg ?? null };
    if (outcome.error !== null) cell.error = outcome.error;
    (matrix[family][from] ??= {})[to] = cell;
    sent += outcome.transmitted;
    lost += outcome.transmitted - outcome.received;
    if (outcome.received > 0) {
      reachable[family].add(`${from}\t${to}`);
      if (outcome.rttMs) {
        rttSum += outcome.rttMs.avg;
        rttCount++;
        maxRtt = Math.max(maxRtt, outcome.rttMs.max);
      }
    } else {
      const why = outcome.error ?? `${outcome.transmitted - outcome.received}/${outcome.transmitted} lost`;
      problems.push(`${from} -> ${to} (${address}, ${family}): ${why}`);
    }
  }
  const delivered = pairs.filter(
    ([from, to]) => reachable.IPv4.has(`${from}\t${to}`) && reachable.IPv6.has(`${from}\t${to}`),
  ).length;
  const figures = {
    pairs: pairs.length,
    delivered,
    deliveryPct: pairs.length === 0 ? 100 : round3((100 * delivered) / pairs.length),
    v4Reachable: reachable.IPv4.size,
    v6Reachable: reachable.IPv6.size,
    meanRttMs: rttCount === 0 ? 0 : round3(rttSum / rttCount),
    maxRttMs: round3(maxRtt),
    lossPct: sent === 0 ? 0 : round3((100 * lost) / sent),
    crossPartitionPairs,
  };
  return checkResult(
    'ping-all',
    delivered === pairs.length,
    figures,
    capProblems(problems, options.maxProblems ?? 50),
    { matrix, sampled, elapsedMs: lab.now() - started },
  );
}

/** Reads ping's summary (iputils or busybox); without one, the pair counts as all lost, with ping's error. */
export function parsePing(result: ProbeExecResult, count: number): PingOutcome {
  const text = `${result.stdout}\n${result.stderr}`;
  const summary = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(text);
  const rtt = /(?:rtt|round-trip) min\/avg\/max(?:\/mdev)? = ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(text);
  if (!summary) {
    const firstLine = result.stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0);
    const error =
      result.exitCode === 124
        ? 'ping did not finish in time'
        : (firstLine ?? `ping exited ${result.exitCode} without a summary`);
    return { transmitted: count, received: 0, lossPct: 100, rttMs: null, error };
  }
  const transmitted = Number(summary[1]);
  const received = Number(summary[2]);
  return {
    transmitted,
    received,
    lossPct: transmitted === 0 ? 100 : round3((100 * (transmitted - received)) / transmitted),
    rttMs: rtt && received > 0 ? { min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]) } : null,
    error: null,
  };
}

function addressOf(lab: LabProbe, node: string, family: Family): string {
  const planned = lab.node(node);
  return family === 'IPv4' ? planned.ipv4 : planned.ipv6;
}

/** The pairs of one round on this lab: the shared sampling with the lab's limits (or the options'). */
export function labPairs(
  lab: Pick<LabProbe, 'aliveNodes' | 'upLinks'>,
  seed: number,
  options: Pick<PingAllOptions, 'sampleAbove' | 'samplePairs'> = {},
): ReturnType<typeof choosePairs> {
  return choosePairs(seed, lab.aliveNodes(), lab.upLinks(), {
    above: options.sampleAbove ?? LAB_SAMPLING.above,
    pairs: options.samplePairs ?? LAB_SAMPLING.pairs,
  });
}
