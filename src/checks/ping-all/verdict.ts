// ping-all's verdicts: a pair passes when it was delivered; the check passes when every pair was. Each half
// measures what it can (a lab: ping's loss and RTT per family; the simulator: hops and stretch against the
// shortest path), so each has its judge here, both naming every failing pair as `from -> to: why`.

import { round3 } from '../report.ts';

/** Address families pinged on a lab. */
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

/** One ping of a lab round: the pair, the family and address pinged, what ping said. */
export interface PingRun {
  from: string;
  to: string;
  family: Family;
  address: string;
  outcome: PingOutcome;
}

/**
 * A lab round's verdict: a pair is delivered when both families got at least one reply; figures sum loss and
 * RTT over every ping; a problem line per ping that got nothing back, naming the pair, address and family.
 */
export function judgePings(
  pairs: readonly (readonly [string, string])[],
  pings: readonly PingRun[],
  crossPartitionPairs: number,
): { passed: boolean; figures: Record<string, number>; problems: string[]; matrix: PingMatrix } {
  const matrix: PingMatrix = { IPv4: {}, IPv6: {} };
  const problems: string[] = [];
  const reachable = { IPv4: new Set<string>(), IPv6: new Set<string>() };
  let sent = 0;
  let lost = 0;
  let rttSum = 0;
  let rttCount = 0;
  let maxRtt = 0;
  for (const { from, to, family, address, outcome } of pings) {
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
  return { passed: delivered === pairs.length, figures, problems, matrix };
}

/** Figures of one simulated ping-all round. */
export interface PingAllFigures {
  pairs: number;
  delivered: number;
  /** delivered / pairs, percent (100 when there are no pairs). */
  deliveryPct: number;
  /** Mean over delivered pairs of hops / shortest-path hops. */
  meanStretch: number;
  maxStretch: number;
  meanHops: number;
  /** Probes sent again after a loss or a missing route. */
  retries: number;
  /** Ordered pairs left out because their nodes are in different partitions. */
  crossPartitionPairs: number;
}

/** The simulator's verdict: passed when every pair was delivered. */
export interface PingAllResult {
  passed: boolean;
  figures: PingAllFigures;
  /** Up to maxListed failing pairs, by name, with the reason. */
  problems: string[];
}

/** What became of one simulated probe. */
export interface ProbeOutcome {
  from: string;
  to: string;
  attempts: number;
  /** Hops travelled on first delivery; null when never delivered. */
  hops: number | null;
  /** The last attempt found no route at the source. */
  noRoute: boolean;
  /** A node other than `to` that got it, or null. */
  wrongNode: string | null;
}

/**
 * A simulated round's verdict: delivery, hops and stretch (hops over `shortestHops`, asked for delivered pairs
 * only) and up to maxListed failing pairs with why (delivered elsewhere, no route, lost after n attempts).
 */
export function judgeProbes(
  probes: readonly ProbeOutcome[],
  shortestHops: (from: string, to: string) => number,
  retried: number,
  crossPartitionPairs: number,
  maxListed: number,
): PingAllResult {
  let delivered = 0;
  let stretchSum = 0;
  let maxStretch = 0;
  let hopsSum = 0;
  const problems: string[] = [];
  for (const p of probes) {
    if (p.hops === null) {
      if (problems.length < maxListed) {
        const why = p.wrongNode
          ? `delivered to ${p.wrongNode} instead`
          : p.noRoute
            ? 'no route at the source'
            : `lost (${p.attempts} attempts)`;
        problems.push(`${p.from} -> ${p.to}: ${why}`);
      }
      continue;
    }
    delivered++;
    hopsSum += p.hops;
    const stretch = p.hops / shortestHops(p.from, p.to);
    stretchSum += stretch;
    if (stretch > maxStretch) maxStretch = stretch;
  }
  const failed = probes.length - delivered;
  if (failed > problems.length) problems.push(`... and ${failed - problems.length} more failing pairs`);

  const figures: PingAllFigures = {
    pairs: probes.length,
    delivered,
    deliveryPct: round3(probes.length === 0 ? 100 : (100 * delivered) / probes.length),
    meanStretch: round3(delivered === 0 ? 0 : stretchSum / delivered),
    maxStretch: round3(maxStretch),
    meanHops: round3(delivered === 0 ? 0 : hopsSum / delivered),
    retries: retried,
    crossPartitionPairs,
  };
  return { passed: delivered === probes.length, figures, problems };
}
