// Splitting a hello whose neighbour list does not fit one frame into parts (same HelloSeq, Part/Parts set).
// Each part travels in its own control packet and repeats the representatives, so every part stands alone.

import { checkUint } from './fields.ts';
import { MAX_OPTION_LENGTH } from './option-codec.ts';
import {
  HELLO_FIXED_LENGTH,
  MAX_HELLO_NEIGHBORS_FIELD,
  MAX_HELLO_PARTS,
  MAX_HELLO_REPS,
} from './options/hello.ts';
import { SLOT_LENGTH } from './slots.ts';
import { AUTH_TAG_LENGTH, CONTROL_HEADER_LENGTH, OptionType, type HelloOption } from './types.ts';

/** Options of helloNeighborCapacity. */
export interface HelloCapacityOptions {
  /** The packet carries a 16-byte AUTH tag. */
  auth?: boolean;
}

/**
 * How many neighbour slots one hello part can list in a control packet of at most `mtu` bytes (header + one
 * HELLO option with `repCount` reps), also within the 2040-byte option limit and the one-byte NeighborCount.
 * 1500 bytes, 2 reps: 182. Returns 0 when not even the empty hello fits.
 */
export function helloNeighborCapacity(
  mtu: number,
  repCount: number,
  options: HelloCapacityOptions = {},
): number {
  checkUint(repCount, MAX_HELLO_REPS, 'helloNeighborCapacity repCount');
  const overhead = CONTROL_HEADER_LENGTH + (options.auth ? AUTH_TAG_LENGTH : 0) + HELLO_FIXED_LENGTH;
  const byMtu = Math.floor((mtu - overhead) / SLOT_LENGTH);
  const byLen = (MAX_OPTION_LENGTH - HELLO_FIXED_LENGTH) / SLOT_LENGTH;
  const slots = Math.min(byMtu, byLen) - repCount;
  if (!(slots > 0)) return 0; // also catches a NaN mtu
  return Math.min(slots, MAX_HELLO_NEIGHBORS_FIELD);
}

/** The content of a hello before it is split. */
export interface HelloContent {
  active: boolean;
  helloSeq: number;
  reps: HelloOption['reps'];
  neighbors: HelloOption['neighbors'];
}

/**
 * Splits a hello into as few parts as `capacity` neighbours per part allows (at least one part, even with no
 * neighbours). Throws a RangeError when it would take more than 15 parts.
 */
export function splitHello(hello: HelloContent, capacity: number): HelloOption[] {
  const count = hello.neighbors.length;
  const parts = count === 0 ? 1 : Math.ceil(count / capacity);
  if (!(parts >= 1 && parts <= MAX_HELLO_PARTS)) {
    throw new RangeError(
      `splitHello: ${count} neighbours at ${capacity} per part need ${parts} parts, at most ${MAX_HELLO_PARTS} allowed`,
    );
  }
  const result: HelloOption[] = [];
  for (let part = 0; part < parts; part++) {
    result.push({
      type: OptionType.HELLO,
      active: hello.active,
      helloSeq: hello.helloSeq,
      part,
      parts,
      reps: hello.reps.slice(),
      neighbors: hello.neighbors.slice(part * capacity, (part + 1) * capacity),
    });
  }
  return result;
}
