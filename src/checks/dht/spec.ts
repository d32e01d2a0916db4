// The dht check's section (checks.dht): how many keys to put and get, and the share that must be found.

import type { Value } from '../../topology/yaml-reader.ts';
import type { CheckSection } from '../check.ts';
import { readAtLeastPercent } from '../threshold.ts';

/** checks.dht as read. */
export interface DhtCheckSpec {
  keys: number;
  expect: { foundPct: number };
}

/** Largest `keys` a dht check accepts. */
export const MAX_DHT_KEYS = 1_000_000;

/** expect.found when the section leaves it out. */
export const DEFAULT_FOUND_PCT = 100;

/** Reads checks.dht: { keys, expect: { found } }. */
export function readDhtSpec(value: Value): DhtCheckSpec {
  const map = value.map('a map with keys (and expect)');
  map.allowOnly(['keys', 'expect']);
  const keys = map
    .require('keys', 'a dht check with keys')
    .integer(`how many keys to put and get: an integer from 1 to ${MAX_DHT_KEYS}`, 1, MAX_DHT_KEYS);
  let foundPct = DEFAULT_FOUND_PCT;
  const expectValue = map.get('expect');
  if (expectValue) {
    const e = expectValue.map('a map with found');
    e.allowOnly(['found']);
    const found = e.get('found');
    if (found) foundPct = readAtLeastPercent(found);
  }
  return { keys, expect: { foundPct } };
}

/** The section: a dht verify needs it (it says how many keys). */
export const dhtSection: CheckSection<DhtCheckSpec> = { read: readDhtSpec, required: true };
