// Reads protocol parameters (`vrr: { vsetSize, helloMs }`) from defaults.vrr or a node.

import { MAX_HELLO_MS, MIN_HELLO_MS } from './limits.ts';
import type { VrrParams } from './types.ts';
import type { Value } from './yaml-reader.ts';

/** Keys a `vrr` map may hold. */
export const VRR_KEYS = ['vsetSize', 'helloMs'] as const;

/** Reads the keys present in a `vrr` map; absent keys are left for the caller's defaults. */
export function readVrrParams(value: Value): Partial<VrrParams> {
  const map = value.map('a map of protocol parameters (vsetSize, helloMs)');
  map.allowOnly(VRR_KEYS);
  const params: Partial<VrrParams> = {};
  const vsetSize = map.get('vsetSize');
  if (vsetSize) {
    // r/2 neighbours on each side of the ring: an odd size has no meaning.
    const n = vsetSize.integer('an even integer >= 2', 2, 1024);
    if (n % 2 !== 0) vsetSize.fail('an even integer >= 2');
    params.vsetSize = n;
  }
  const helloMs = map.get('helloMs');
  if (helloMs)
    params.helloMs = helloMs.integer(
      `a whole number of milliseconds from ${MIN_HELLO_MS} to ${MAX_HELLO_MS}, like 1000`,
      MIN_HELLO_MS,
      MAX_HELLO_MS,
    );
  return params;
}
