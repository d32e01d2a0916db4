// One Multicast node on services the test drives by hand (src/vrr/multicast/rendezvous.ts): what it does when
// routing toward a group's key finds no way at all, and which timers it leaves armed once it is in no group.

import assert from 'node:assert/strict';
import type { Address } from '../../../../src/vrr/address.ts';
import { DEFAULT_CONFIG, type VrrConfig } from '../../../../src/vrr/config.ts';
import type { NodeServices } from '../../../../src/vrr/extension.ts';
import { groupKey, Multicast } from '../../../../src/vrr/multicast/index.ts';
import { createRng } from '../../../../src/vrr/rng.ts';
import type { VrrEvent } from '../../../../src/vrr/events.ts';
import {
  McastOptionType,
  type KnownOption,
  type McastMembershipOption,
} from '../../../../src/vrr/wire/types.ts';
import { G } from './mcast-kit.ts';

const ME: Address = 0x020000000005;
const N: Address = 0x020000000006; // the neighbour every route would take
const REFRESH = 10_000;

/**
 * A lone node: while `at.local` is false, routeToward answers `route` for every destination but itself (and nextHop
 * points at N); while it is true, the node is the closest to everything. Timers fire only when runTo() says so.
 */
function lone(route: 'forwarded' | 'none') {
  let now = 0;
  const at = { local: false };
  const events: VrrEvent[] = [];
  const timers: { at: number; fire: () => void; dead: boolean }[] = [];
  const counts = new Map<string, number>();
  const sent: KnownOption[] = [];
  const services: NodeServices = {
    address: ME,
    config: { ...DEFAULT_CONFIG, address: ME, helloMs: 1000 } as VrrConfig,
    rng: createRng(5),
    now: () => now,
    setTimer: (ms, fire) => {
      const t = { at: now + ms, fire, dead: false };
      timers.push(t);
      return { cancel: () => (t.dead = true) };
    },
    emit: (e) => events.push(e),
    count: (name, by = 1) => counts.set(name, (counts.get(name) ?? 0) + by),
    isActive: () => true,
    vsetMembers: () => [],
    linkedNeighbors: () => [N],
    nextHop: (dst) => (at.local || dst === ME ? { kind: 'local' } : { kind: 'forward', via: N, endpoint: N }),
    sendToNeighbor: () => true,
    routeToward: (dst, option) => {
      if (at.local || dst === ME) return 'local';
      if (route === 'forwarded') sent.push(option);
      return route;
    },
    sendDataVia: () => true,
    deliverLocally: () => {},
  };
  const mc = new Multicast(services, {
    broadcast: false,
    checkMs: 1e9,
    refreshMs: REFRESH,
    requestAttempts: 1,
  });
  /** Fires every live timer due by `end`, in time order. */
  const runTo = (end: number) => {
    for (;;) {
      const due = timers.filter((t) => !t.dead && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.dead = true;
      now = due.at;
      due.fire();
    }
    now = end;
  };
  /** Timers still armed that fall due before the periodic check (at half checkMs at the earliest). */
  const armedSoon = () => timers.filter((t) => !t.dead && t.at < 1e8).length;
  return { mc, sent, counts, runTo, armedSoon, at, events, now: () => now };
}

describe('multicast: a lone node (routing by hand)', () => {
  // Pins the drop of a membership option with no way on: the node is not the closest to the key, so it must not
  // take the request as its RVP (it would answer for a group it does not own).
  it('a request it cannot pass on is dropped (counted), not handled as if it were the RVP', () => {
    const { mc, counts } = lone('none');
    mc.onOption(
      {
        type: McastOptionType.JOIN,
        hopCount: 1,
        hopLimit: 8,
        target: groupKey(G),
        group: G,
        origin: N,
        sources: [],
        members: [],
      },
      N,
    );
    assert.deepEqual(mc.rvpRecords(), []);
    assert.equal(counts.get('mcast.drop.noRoute'), 1);
  });

  // Pins the refresh timer's end: once the node is in no group, the next refresh finds nothing to do and arms
  // no further timer (a node that left every group keeps no timer of its own).
  it('the refresh timer is not armed again once the node left every group', () => {
    const { mc, sent, runTo, armedSoon } = lone('forwarded');
    mc.join(G);
    mc.leave(G);
    runTo(2 * REFRESH);
    assert.deepEqual(
      sent.map((o) => o.type),
      [McastOptionType.JOIN, McastOptionType.LEAVE],
      'no refresh',
    );
    assert.equal(armedSoon(), 0);
  });

  // Pins the mcast-rvp events (what the lab's event log shows of RVP roles): one per change of role, saying why;
  // a record created by a request is born the owner (no event), and a request at an owner changes no role.
  it('emits one mcast-rvp event per change of role, with its reason', () => {
    const { mc, runTo, at, events, now } = lone('forwarded');
    const option = (
      type: McastMembershipOption['type'],
      origin: Address,
      group = G,
    ): McastMembershipOption => ({
      type,
      hopCount: 1,
      hopLimit: 8,
      target: type === McastOptionType.REPLICATE ? ME : groupKey(group),
      group,
      origin,
      sources: [],
      members: type === McastOptionType.REPLICATE ? [N] : [],
      version: 1,
      seen: 0,
    });
    const check = () => {
      mc.onNeighborLinked();
      runTo(now() + 100);
    };
    mc.onOption(option(McastOptionType.REPLICATE, N), N); // a copy from the owner N
    at.local = true;
    check(); // N is gone: this node is the closest now
    at.local = false;
    check(); // a closer node appeared
    at.local = true;
    mc.onOption(option(McastOptionType.JOIN, N), N); // a request reaches this node before its check
    mc.onOption(option(McastOptionType.JOIN, N + 1), N);
    mc.onOption(option(McastOptionType.JOIN, N, G + 1), N); // a new group
    assert.deepEqual(
      events.filter((e) => e.type === 'mcast-rvp'),
      [
        { type: 'mcast-rvp', group: G, role: 'replica', why: 'replicate' },
        { type: 'mcast-rvp', group: G, role: 'owner', why: 'took over' },
        { type: 'mcast-rvp', group: G, role: 'replica', why: 'handed off' },
        { type: 'mcast-rvp', group: G, role: 'owner', why: 'request reached me' },
      ],
    );
  });
});
