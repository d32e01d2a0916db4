// Which keys the dht check puts, from which node, and where it reads each back: one plan for the lab and the
// simulator, so for one seed both put the same keys from the same nodes and get them from the same others.
// Key names carry the seed (`check-<seed>-<i>`) so a re-run with another seed never reads an older run's keys,
// and values carry the key, so a value found under the wrong key shows as a wrong value, not as found.

import { createRng, deriveSeed } from '../../vrr/rng.ts';

/** One key's journey as planned. */
export interface PlannedKey {
  key: string;
  value: string;
  /** The node that puts it. */
  putFrom: string;
  /** A different node (when there is one) that reads it back. */
  getFrom: string;
}

/** The key names a check with this seed uses. */
export function dhtCheckKey(seed: number, index: number): string {
  return `check-${seed}-${index}`;
}

/** `keys` keys, each put from a seeded random alive node and read back from another; alive must not be empty. */
export function planDhtKeys(seed: number, alive: readonly string[], keys: number): PlannedKey[] {
  const rng = createRng(deriveSeed(seed, 'dht-check'));
  return Array.from({ length: keys }, (_, i) => {
    const putFrom = rng.pick(alive);
    const others = alive.filter((n) => n !== putFrom);
    const getFrom = others.length > 0 ? rng.pick(others) : putFrom;
    const key = dhtCheckKey(seed, i);
    return { key, value: `${key}:${rng.u32().toString(16)}`, putFrom, getFrom };
  });
}
