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
import { judgePings, type Family, type PingOutcome } from './verdict.ts';

export type { Family, PingCell, PingMatrix, PingOutcome } from './verdict.ts';

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

  const verdict = judgePings(pairs, outcomes, crossPartitionPairs);
  return checkResult(
    'ping-all',
    verdict.passed,
    verdict.figures,
    capProblems(verdict.problems, options.maxProblems ?? 50),
    { matrix: verdict.matrix, sampled, elapsedMs: lab.now() - started },
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
