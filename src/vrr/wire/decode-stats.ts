// Counters for every decode: the core and the daemon count each frame, and each drop by reason, here.
// Invariant: decoded + sum(dropped) = frames counted; a truncated frame counts as decoded AND in truncated.

import type { DecodeResult, DropReason } from './types.ts';

// Typed as a Record so adding a DropReason without listing it here is a compile error.
const DROP_REASON_SET: Record<DropReason, true> = {
  'too-short': true,
  'bad-version': true,
  'bad-kind': true,
  'bad-length': true,
  'bad-option': true,
  'bad-option-body': true,
};

/** Every DropReason, in a fixed order (for reports). */
export const DROP_REASONS: readonly DropReason[] = Object.keys(DROP_REASON_SET) as DropReason[];

/** Decode counters. */
export interface DecodeStats {
  /** Frames that decoded (ok: true), truncated ones included. */
  decoded: number;
  /** Frames dropped whole, by reason. */
  dropped: Record<DropReason, number>;
  /** Decoded frames cut short by a malformed option (the options before it were kept). */
  truncated: number;
  /** The same frames by what cut them short ('bad-option' or 'bad-option-body'). */
  truncatedBy: Record<DropReason, number>;
  /** Options skipped because their Type is unknown (options, not frames). */
  unknownOptions: number;
}

function zeroPerReason(): Record<DropReason, number> {
  return {
    'too-short': 0,
    'bad-version': 0,
    'bad-kind': 0,
    'bad-length': 0,
    'bad-option': 0,
    'bad-option-body': 0,
  };
}

/** A zeroed counters object. */
export function createDecodeStats(): DecodeStats {
  return {
    decoded: 0,
    dropped: zeroPerReason(),
    truncated: 0,
    truncatedBy: zeroPerReason(),
    unknownOptions: 0,
  };
}

/** Counts one decode result. */
export function countDecode(stats: DecodeStats, result: DecodeResult): void {
  if (!result.ok) {
    stats.dropped[result.reason]++;
    return;
  }
  stats.decoded++;
  stats.unknownOptions += result.unknownOptions.length;
  if (result.truncated !== undefined) {
    stats.truncated++;
    stats.truncatedBy[result.truncated]++;
  }
}

/** Frames counted so far: decoded plus every whole-frame drop. */
export function framesCounted(stats: DecodeStats): number {
  let frames = stats.decoded;
  for (const reason of DROP_REASONS) frames += stats.dropped[reason];
  return frames;
}

/** Adds `part` into `total` (e.g. per-node counters into a run's totals). */
export function addDecodeStats(total: DecodeStats, part: DecodeStats): void {
  total.decoded += part.decoded;
  total.truncated += part.truncated;
  total.unknownOptions += part.unknownOptions;
  for (const reason of DROP_REASONS) {
    total.dropped[reason] += part.dropped[reason];
    total.truncatedBy[reason] += part.truncatedBy[reason];
  }
}
