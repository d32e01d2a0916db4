// Reads the `checks` section: how the multicast and DHT checks run and what they must achieve.

import { readUnit } from './link-params.ts';
import { readNodeRef } from './nodes.ts';
import { GROUP_FORMAT, parseGroupAddress } from './group-address.ts';
import type { ChecksSpec, DhtCheckSpec, MulticastCheckSpec } from './types.ts';
import {
  DURATION_FORMAT,
  parseDurationMs,
  parsePercent,
  parseRateBps,
  PERCENT_FORMAT,
  RATE_FORMAT,
  UnitError,
} from './units.ts';
import type { Value } from './yaml-reader.ts';

/** Check names a scenario may verify. */
export const CHECK_NAMES = ['ping-all', 'dht', 'multicast', 'ring-consistent'] as const;

/** Defaults of `expect` when a check leaves it out. */
export const DEFAULT_EXPECT: Readonly<{ deliveryPct: number; duplicates: number; foundPct: number }> =
  Object.freeze({
    deliveryPct: 99,
    duplicates: 0,
    foundPct: 100,
  });

/** Largest `keys` a DHT check accepts. */
export const MAX_DHT_KEYS = 1_000_000;

/** Reads `checks` (absent: no multicast and no DHT check). */
export function readChecks(value: Value | undefined, names: ReadonlySet<string>): ChecksSpec {
  const checks: ChecksSpec = { multicast: null, dht: null };
  if (!value) return checks;
  const map = value.map('a map with multicast and/or dht');
  map.allowOnly(['multicast', 'dht']);
  const multicast = map.get('multicast');
  if (multicast) checks.multicast = readMulticast(multicast, names);
  const dht = map.get('dht');
  if (dht) checks.dht = readDht(dht);
  return checks;
}

function readMulticast(value: Value, names: ReadonlySet<string>): MulticastCheckSpec {
  const map = value.map('a map with group, source, members, rate, duration (and expect)');
  map.allowOnly(['group', 'source', 'members', 'rate', 'duration', 'expect']);
  const required = (key: string): Value => map.require(key, `a multicast check with ${key}`);

  const groupValue = required('group');
  const group = groupValue.string(GROUP_FORMAT);
  const groupAddress = readUnit(groupValue, GROUP_FORMAT, () => parseGroupAddress(group));

  const source = readNodeRef(required('source'), names);
  const membersValue = required('members');
  const memberValues = membersValue.list('a list of member node names');
  if (memberValues.length === 0) membersValue.fail('at least one member');
  const members: string[] = [];
  for (const memberValue of memberValues) {
    const member = readNodeRef(memberValue, names);
    if (member === source) memberValue.fail('a member other than the source', JSON.stringify(member));
    if (members.includes(member)) memberValue.fail('each member once', `${JSON.stringify(member)} again`);
    members.push(member);
  }

  const rateBps = readUnit(required('rate'), RATE_FORMAT, parseRateBps);
  const durationValue = required('duration');
  const durationMs = readUnit(durationValue, DURATION_FORMAT, parseDurationMs);
  if (durationMs <= 0) durationValue.fail('a duration > 0');

  const expect = { deliveryPct: DEFAULT_EXPECT.deliveryPct, duplicates: DEFAULT_EXPECT.duplicates };
  const expectValue = map.get('expect');
  if (expectValue) {
    const e = expectValue.map('a map with delivery and/or duplicates');
    e.allowOnly(['delivery', 'duplicates']);
    const delivery = e.get('delivery');
    if (delivery) expect.deliveryPct = readAtLeastPercent(delivery);
    const duplicates = e.get('duplicates');
    if (duplicates) expect.duplicates = duplicates.integer('the most duplicates allowed: an integer >= 0');
  }
  return { group, groupAddress, source, members, rateBps, durationMs, expect };
}

function readDht(value: Value): DhtCheckSpec {
  const map = value.map('a map with keys (and expect)');
  map.allowOnly(['keys', 'expect']);
  const keys = map
    .require('keys', 'a dht check with keys')
    .integer(`how many keys to put and get: an integer from 1 to ${MAX_DHT_KEYS}`, 1, MAX_DHT_KEYS);
  let foundPct = DEFAULT_EXPECT.foundPct;
  const expectValue = map.get('expect');
  if (expectValue) {
    const e = expectValue.map('a map with found');
    e.allowOnly(['found']);
    const found = e.get('found');
    if (found) foundPct = readAtLeastPercent(found);
  }
  return { keys, expect: { foundPct } };
}

const AT_LEAST_FORMAT = `a minimum like ">= 99%" or 99% (${PERCENT_FORMAT})`;

// A threshold is a minimum; ">=" may be written for the reader's sake, no other comparison makes sense.
function readAtLeastPercent(value: Value): number {
  return readUnit(value, AT_LEAST_FORMAT, (raw) => {
    const text = typeof raw === 'string' ? raw.replace(/^>=\s*/, '') : raw;
    try {
      return parsePercent(text);
    } catch (error) {
      if (error instanceof UnitError) throw new UnitError(AT_LEAST_FORMAT, JSON.stringify(raw));
      throw error;
    }
  });
}
