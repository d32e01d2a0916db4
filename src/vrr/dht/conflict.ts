// Which of two copies of one key wins when they differ (after a partition heals, or when a stale replica meets
// its owner): a total order, so every node that compares the same two copies picks the same one.

import type { Address } from '../address.ts';

/** What conflict resolution looks at in a copy. */
export interface Versioned {
  version: number;
  origin: Address;
  tombstone: boolean;
  value: Uint8Array;
}

/**
 * >0 when a wins over b, <0 when b wins, 0 when they are the same copy. In order: the higher version; then the
 * larger origin address (the node that put it); then a tombstone over a value (a delete is not undone by a
 * concurrent write of the same version); then the value bytes compared lexicographically (a longer value wins
 * over its own prefix). Expiry times are not compared: they drift with transit times.
 */
export function compareCopies(a: Versioned, b: Versioned): number {
  if (a.version !== b.version) return a.version - b.version;
  if (a.origin !== b.origin) return a.origin - b.origin;
  if (a.tombstone !== b.tombstone) return a.tombstone ? 1 : -1;
  return compareBytes(a.value, b.value);
}

/** Lexicographic comparison of byte strings: <0, 0, >0. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
