// What a topology file gets for every key it leaves out.

import type { LinkParams, VrrParams } from './types.ts';

/** Protocol defaults: a vset of 4 (2 each side) and one hello a second. */
export const DEFAULT_VRR: Readonly<VrrParams> = Object.freeze({ vsetSize: 4, helloMs: 1000 });

/** Link defaults: 1 ms each way, no jitter, no loss, unlimited rate, no duplication, reordering or corruption. */
export const DEFAULT_LINK: Readonly<LinkParams> = Object.freeze({
  delayMs: 1,
  jitterMs: 0,
  lossPct: 0,
  rateBps: null,
  duplicatePct: 0,
  reorderPct: 0,
  corruptPct: 0,
});
