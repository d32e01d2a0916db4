// The multicast check's section (checks.multicast): the group, who streams to it and who must receive, at what
// rate for how long, and what the members must get.

import type { Address } from '../../vrr/address.ts';
import { GROUP_FORMAT, parseGroupAddress } from '../../topology/group-address.ts';
import { readUnit } from '../../topology/link-params.ts';
import { readNodeRef } from '../../topology/nodes.ts';
import type { CheckSectionContext } from '../../topology/checks.ts';
import { DURATION_FORMAT, parseDurationMs, parseRateBps, RATE_FORMAT } from '../../topology/units.ts';
import type { Value } from '../../topology/yaml-reader.ts';
import type { CheckSection } from '../check.ts';
import { readAtLeastPercent } from '../threshold.ts';

/** checks.multicast as read. */
export interface MulticastCheckSpec {
  group: string;
  /** The 48-bit VRR group address `group` maps to (IPv4 -> 01:00:5e:..., IPv6 -> 33:33:...); set by the reader. */
  groupAddress?: Address;
  source: string;
  members: string[];
  rateBps: number;
  durationMs: number;
  expect: { deliveryPct: number; duplicates: number };
}

/** expect when the section leaves it out (or part of it). */
export const DEFAULT_MULTICAST_EXPECT: Readonly<MulticastCheckSpec['expect']> = Object.freeze({
  deliveryPct: 99,
  duplicates: 0,
});

/** Reads checks.multicast: { group, source, members, rate, duration, expect: { delivery, duplicates } }. */
export function readMulticastSpec(value: Value, context: CheckSectionContext): MulticastCheckSpec {
  const { names } = context;
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

  const expect = { ...DEFAULT_MULTICAST_EXPECT };
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

/** The section: a multicast verify needs it (it says what to stream where). */
export const multicastSection: CheckSection<MulticastCheckSpec> = { read: readMulticastSpec, required: true };
