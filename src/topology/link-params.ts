// Reads link impairments (delay, jitter, loss, rate, duplicate, reorder, corrupt) from a map in the file.

import { isScalar } from 'yaml';
import { MAX_DELAY_MS, MAX_JITTER_MS } from './limits.ts';
import type { LinkParams } from './types.ts';
import {
  formatDuration,
  parseDurationMs,
  parsePercent,
  parseRateBps,
  UnitError,
  DURATION_FORMAT,
  PERCENT_FORMAT,
  RATE_FORMAT,
} from './units.ts';
import type { Mapping, Value } from './yaml-reader.ts';

/** The parameter keys as written in the file. */
export const LINK_PARAM_KEYS = [
  'delay',
  'jitter',
  'loss',
  'rate',
  'duplicate',
  'reorder',
  'corrupt',
] as const;

/** One key of the file. */
export type LinkParamKey = (typeof LINK_PARAM_KEYS)[number];

/** Writes `rate: unlimited` to lift a rate set by defaults. */
export const UNLIMITED = 'unlimited';

/** Reads the parameter keys present in `map` (other keys are the caller's to check). */
export function readLinkParams(map: Mapping): Partial<LinkParams> {
  const params: Partial<LinkParams> = {};
  for (const key of LINK_PARAM_KEYS) {
    const value = map.get(key);
    if (!value) continue;
    switch (key) {
      case 'delay':
        params.delayMs = readCapped(value, MAX_DELAY_MS);
        break;
      case 'jitter':
        params.jitterMs = readCapped(value, MAX_JITTER_MS);
        break;
      case 'loss':
        params.lossPct = readUnit(value, PERCENT_FORMAT, parsePercent);
        break;
      case 'duplicate':
        params.duplicatePct = readUnit(value, PERCENT_FORMAT, parsePercent);
        break;
      case 'reorder':
        params.reorderPct = readUnit(value, PERCENT_FORMAT, parsePercent);
        break;
      case 'corrupt':
        params.corruptPct = readUnit(value, PERCENT_FORMAT, parsePercent);
        break;
      case 'rate':
        params.rateBps = isUnlimited(value)
          ? null
          : readUnit(value, `${RATE_FORMAT}, or ${UNLIMITED}`, parseRateBps);
        break;
    }
  }
  return params;
}

/** Reads a map that holds only link parameters (a `defaults.link` or an `"a->b"` direction). */
export function readLinkParamsMap(value: Value, expected: string): Partial<LinkParams> {
  const map = value.map(expected);
  map.allowOnly(LINK_PARAM_KEYS);
  return readLinkParams(map);
}

/** Runs a unit parser on a value, turning its UnitError into a located TopologyError. */
export function readUnit<T>(value: Value, expected: string, parse: (raw: string | number) => T): T {
  const raw = value.stringOrNumber(expected);
  try {
    return parse(raw);
  } catch (error) {
    if (error instanceof UnitError) value.fail(error.expected, error.found);
    throw error;
  }
}

// A duration no longer than its ceiling (limits.ts).
function readCapped(value: Value, ceilingMs: number): number {
  const ms = readUnit(value, DURATION_FORMAT, parseDurationMs);
  if (ms > ceilingMs) value.fail(`a duration of at most ${formatDuration(ceilingMs)}`, formatDuration(ms));
  return ms;
}

function isUnlimited(value: Value): boolean {
  return isScalar(value.node) && value.node.value === UNLIMITED;
}
