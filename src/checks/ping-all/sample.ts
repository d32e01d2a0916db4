// Which ordered pairs ping-all pings: every pair of alive nodes in the same partition (over the links that are
// up), or, on large networks, a seeded sample of them. One function for the lab and the simulator, so for one
// seed both draw the same pairs in the same order: with the same limits they ping the same pairs, and with each
// half's default limits the lab's sample is the first pairs of the simulator's (or among all its pairs, when
// the simulator pings every pair), so any pair a lab reports failing was pinged in its replay too.

import { createRng, deriveSeed } from '../../vrr/rng.ts';
import { componentIndex } from '../../topology/graph.ts';
import type { UpLink } from '../node-snapshot.ts';

/** When to sample and how many pairs. */
export interface PairSampling {
  /** Above this many alive nodes, a sample of pairs is pinged instead of all. */
  above: number;
  /** Ordered pairs in the sample. */
  pairs: number;
}

/** The simulator's limits: it pings every pair of up to 400 nodes. */
export const SIM_SAMPLING: Readonly<PairSampling> = Object.freeze({ above: 400, pairs: 4000 });

/** A lab's limits: real pings are slow, so it samples from 20 nodes on. */
export const LAB_SAMPLING: Readonly<PairSampling> = Object.freeze({ above: 20, pairs: 200 });

/** The pairs of one round. */
export interface SampledPairs {
  /** Ordered [from, to], from and to in the same partition. */
  pairs: [string, string][];
  /** Ordered pairs of alive nodes left out because they are in different partitions. */
  crossPartitionPairs: number;
  /** True when pairs is a sample rather than every same-partition pair. */
  sampled: boolean;
}

/**
 * All ordered same-partition pairs in alive order, or, when there are more than `sampling.above` alive nodes and
 * more reachable pairs than `sampling.pairs`, that many distinct pairs drawn with the seed (in draw order).
 */
export function choosePairs(
  seed: number,
  alive: readonly string[],
  upLinks: readonly UpLink[],
  sampling: PairSampling,
): SampledPairs {
  const component = componentIndex(alive, upLinks);
  const sizes = new Map<number, number>();
  for (const c of component.values()) sizes.set(c, (sizes.get(c) ?? 0) + 1);
  let reachable = 0;
  for (const s of sizes.values()) reachable += s * (s - 1);
  const crossPartitionPairs = alive.length * (alive.length - 1) - reachable;

  if (alive.length <= sampling.above || reachable <= sampling.pairs) {
    const pairs: [string, string][] = [];
    for (const from of alive) {
      for (const to of alive) {
        if (from !== to && component.get(from) === component.get(to)) pairs.push([from, to]);
      }
    }
    return { pairs, crossPartitionPairs, sampled: false };
  }
  // Ends, as there are more reachable pairs than wanted.
  const rng = createRng(deriveSeed(seed, 'ping-all-sample'));
  const chosen = new Set<string>();
  const pairs: [string, string][] = [];
  while (pairs.length < sampling.pairs) {
    const from = rng.pick(alive);
    const to = rng.pick(alive);
    if (from === to || component.get(from) !== component.get(to)) continue;
    const key = `${from}\u0000${to}`;
    if (chosen.has(key)) continue;
    chosen.add(key);
    pairs.push([from, to]);
  }
  return { pairs, crossPartitionPairs, sampled: true };
}
