// The core's caps (src/vrr/limits.ts), table by table: the neighbours of one port, the route table in total and
// per neighbour, representatives, holds; and ACKs taken only from linked neighbours. Tables are driven directly
// where they take a smaller cap, and a lone node is fed crafted frames (FrameForge) where the cap is the constant.
// (DHT: test/unit/vrr/dht/caps.test.ts, store.test.ts; multicast: multicast/tables.test.ts.)

import assert from 'node:assert/strict';
import { FrameForge } from '../../../src/sim/hostile/forge.ts';
import { SimClock } from '../../../src/sim/sim-clock.ts';
import type { Address } from '../../../src/vrr/address.ts';
import type { VrrEvent } from '../../../src/vrr/events.ts';
import {
  MAX_NEIGHBORS_PER_PORT,
  MAX_PENDING_SETUPS,
  MAX_REPRESENTATIVES,
  MAX_SETUP_HOLDS,
  TABLE_CAPS,
  tablesOverCap,
} from '../../../src/vrr/limits.ts';
import { Pset } from '../../../src/vrr/pset.ts';
import { RepTable } from '../../../src/vrr/repair.ts';
import { createRng } from '../../../src/vrr/rng.ts';
import { RouteTable } from '../../../src/vrr/routes.ts';
import { VrrNode } from '../../../src/vrr/node.ts';
import { decodePacket } from '../../../src/vrr/wire/packet.ts';
import { NeighborState, OptionType } from '../../../src/vrr/wire/types.ts';

const ME = 0x020000000001;
const N1 = 0x020000000002;
const N2 = 0x020000000003;

/** A lone node on a virtual clock with `ports` ports, and a forge to feed it frames. */
function lone(ports = 2) {
  const clock = new SimClock();
  const sent: Uint8Array[] = [];
  const events: VrrEvent[] = [];
  const node = new VrrNode(
    { address: ME, helloMs: 1000 },
    {
      now: () => clock.now(),
      setTimer: (ms, fire) => clock.schedule(ms, fire),
      rng: createRng(1),
      send: (_p, _to, frame) => void sent.push(frame),
      deliver: () => {},
      emit: (e) => void events.push(e),
    },
  );
  for (let p = 0; p < ports; p++) node.addPort(p);
  node.start();
  const forge = new FrameForge(createRng(2));
  const seqs = new Map<Address, number>();
  /** A hello from `sender` on `port` listing the node as pending (it links at once), or not (`listed` false). */
  const hello = (port: number, sender: Address, listed = true, active = false): void => {
    const seq = (seqs.get(sender) ?? 0) + 1;
    seqs.set(sender, seq);
    node.receive(
      port,
      sender,
      forge.control(sender, 0, {
        type: OptionType.HELLO,
        active,
        helloSeq: seq,
        part: 0,
        parts: 1,
        reps: [],
        neighbors: listed ? [{ address: ME, state: NeighborState.PENDING, quality: 255 }] : [],
      }),
    );
  };
  return { node, clock, forge, hello, sent, events };
}

/**
 * A lone node made active (a ring of its own), with N1 linked and active as the proxy of its requests: `refusal`
 * feeds it a setup_fail, `tokenFor` reads the token of its setup_req for a target (N1 acknowledging every frame),
 * `unanswered` makes it ask a target and has far node D answer in its place (a round the target left unanswered).
 */
function asker() {
  const { node, clock, forge, hello, sent } = lone(1);
  for (let t = 500; t <= 5000; t += 500) {
    hello(0, N1);
    clock.runUntil(t);
  }
  assert.ok(node.isActive());
  hello(0, N1, true, true); // N1 turns active: the node's proxy for its requests
  let token = 1;
  const refusal = (src: Address, tok: number, vset: Address[]): void =>
    node.receive(
      0,
      N1,
      forge.control(N1, token++, { type: OptionType.SETUP_FAIL, token: tok, src, dst: ME, proxy: N1, vset }),
    );
  const tokenFor = (target: Address): number => {
    let found = 0;
    for (const frame of sent.splice(0)) {
      const d = decodePacket(frame);
      if (!d.ok || d.packet.kind !== 'control' || d.packet.seq === 0) continue;
      node.receive(0, N1, forge.control(N1, 0, { type: OptionType.ACK, seq: d.packet.seq }));
      for (const o of d.packet.options)
        if (o.type === OptionType.SETUP_REQ && o.dst === target) found = o.token;
    }
    return found;
  };
  const D = ME + 0x1000000; // far: the node that names each target, and answers for it
  let named = 0x7fff0000;
  /** Names target to the node; if it asks, D answers for it. Whether it asked. */
  const unanswered = (target: Address): boolean => {
    refusal(D, named++, [target]);
    const t = tokenFor(target);
    if (t !== 0) refusal(D, t, []);
    return t !== 0;
  };
  /** Runs the clock ms, N1 heard every 500 ms and acknowledging what was sent. */
  const run = (ms: number): void => {
    const end = clock.now() + ms;
    while (clock.now() < end) {
      hello(0, N1, true, true);
      tokenFor(-1);
      clock.runUntil(Math.min(end, clock.now() + 500));
    }
  };
  return { node, clock, unanswered, run, refusal };
}

describe('vrr/limits: the core caps', () => {
  it('TABLE_CAPS names a cap for every bounded table VrrNode.tableSizes() reports', () => {
    const { node } = lone();
    for (const name of Object.keys(node.tableSizes()))
      if (name !== 'neighbors') assert.ok(name in TABLE_CAPS, `${name} has a cap`);
    assert.deepEqual(tablesOverCap({ routes: 9000, representatives: 1 }), ['routes: 9000 > 8192']);
  });

  it('pset: room on a port while below the cap, then the stalest unlinked neighbour, then none', () => {
    const pset = new Pset({ me: ME, qualityWindow: 10, qualityUp: 0.6, qualityDown: 0.3 });
    const hello = (a: Address, t: number, listed: boolean) =>
      pset.onHello(
        0,
        a,
        a,
        {
          type: OptionType.HELLO,
          active: false,
          helloSeq: t,
          part: 0,
          parts: 1,
          reps: [],
          neighbors: listed ? [{ address: ME, state: NeighborState.PENDING, quality: 255 }] : [],
        },
        t,
      );
    hello(N1, 1, false); // pending
    hello(N2, 2, true); // linked
    assert.equal(pset.roomOnPort(0, 3), 'room');
    assert.equal(pset.roomOnPort(1, 2), 'room', 'another port');
    assert.equal((pset.roomOnPort(0, 2) as { address: Address }).address, N1, 'the unlinked one goes');
    hello(N1, 3, true);
    assert.equal(pset.roomOnPort(0, 2), 'full', 'linked neighbours are never given up');
  });

  it(`a node keeps at most ${MAX_NEIGHBORS_PER_PORT} neighbours per port, and counts what it turned away`, () => {
    const { node, forge, hello } = lone();
    for (let i = 0; i < MAX_NEIGHBORS_PER_PORT + 40; i++) hello(0, forge.invented());
    const sizes = node.tableSizes();
    assert.equal(sizes.neighborsOnOnePort, MAX_NEIGHBORS_PER_PORT);
    assert.equal(node.counters()['cap.pset.refused'], 40, 'all linked: the newcomers are ignored');
    hello(1, forge.invented());
    assert.equal(node.tableSizes().neighbors, MAX_NEIGHBORS_PER_PORT + 1, 'the other port has room');
    assert.deepEqual(node.checkInvariants(), []);
  });

  // A full port makes room for a newcomer by forgetting the unlinked neighbour heard least recently (a half-open
  // link, or an invented address of a flood): the node hears the newcomer, and keeps every neighbour heard since.
  it('a newcomer on a full port evicts the unlinked neighbour heard least recently, through its hello', () => {
    const { node, clock, forge, hello, events } = lone(1);
    // Three unlinked neighbours, heard in this order; the first is heard again below, after everyone.
    const [first, stalest, third] = [forge.invented(), forge.invented(), forge.invented()];
    for (const u of [first, stalest, third]) {
      hello(0, u, false); // pending
      clock.runUntil(clock.now() + 1);
    }
    for (let i = 3; i < MAX_NEIGHBORS_PER_PORT; i++) hello(0, forge.invented()); // linked
    clock.runUntil(clock.now() + 1);
    hello(0, first, false);
    clock.runUntil(clock.now() + 1);
    assert.equal(node.tableSizes().neighborsOnOnePort, MAX_NEIGHBORS_PER_PORT);
    const mark = events.length;
    const newcomer = forge.invented();
    hello(0, newcomer, false);
    assert.equal(node.counters()['cap.pset.evicted'], 1);
    assert.equal(node.counters()['cap.pset.refused'] ?? 0, 0);
    const links = events
      .slice(mark)
      .flatMap((e) => (e.type === 'link' ? [[e.neighbor, e.from, e.to, e.why]] : []));
    assert.deepEqual(links, [
      [stalest, 'pending', 'gone', 'port 0 full'],
      [newcomer, 'unknown', 'pending', 'hello lists me as M'],
    ]);
    const heard = node.neighbors().map((n) => n.address);
    assert.ok(heard.includes(newcomer) && heard.includes(first) && heard.includes(third));
    assert.ok(!heard.includes(stalest));
    assert.equal(node.tableSizes().neighborsOnOnePort, MAX_NEIGHBORS_PER_PORT);
    assert.deepEqual(node.checkInvariants(), []);
  });

  it('routes: refuses a new entry past the total or the per-neighbour cap, counting each neighbour once', () => {
    const t = new RouteTable();
    const caps = { total: 3, perNeighbor: 2 };
    t.add({ ea: N1, eb: N2, pathId: 1, na: N1, nb: N1 });
    assert.equal(t.countThrough(N1), 1, 'na = nb counts once');
    assert.equal(t.refusal(N1, N2, caps), null);
    t.add({ ea: N1, eb: N2, pathId: 2, na: N1, nb: N2 });
    assert.equal(t.refusal(N2, N1, caps), 'perNeighbor');
    assert.equal(t.refusal(N1, null, caps), 'perNeighbor', 'at the cap on either side');
    assert.equal(t.refusal(N2, null, caps), null);
    t.add({ ea: N2, eb: ME, pathId: 3, na: N2, nb: null });
    assert.equal(t.refusal(null, null, caps), 'total');
    t.remove(N1, 1);
    assert.equal(t.countThrough(N1), 1);
    assert.deepEqual(t.checkInvariants(), []);
  });

  it('routes: a node turns back setups through one neighbour past MAX_ROUTES_PER_NEIGHBOR', () => {
    const { node, clock, forge, hello, sent } = lone(2);
    const links: [number, Address][] = [
      [0, N1],
      [1, N2],
    ];
    for (const [port, n] of links) {
      hello(port, n);
      hello(port, n);
    }
    assert.deepEqual(
      node.neighbors().map((n) => n.state),
      ['linked', 'linked'],
    );
    // Each neighbour acknowledges what the node sends it (an ACK from the other one matches nothing): a neighbour
    // that answers nothing would fill its reliable queue and be failed (reliable.ts), another cap than this one.
    const ackSent = (): void => {
      for (const frame of sent.splice(0)) {
        const d = decodePacket(frame);
        if (!d.ok || d.packet.kind !== 'control' || d.packet.seq === 0) continue;
        for (const [port, n] of links) {
          node.receive(port, n, forge.control(n, 0, { type: OptionType.ACK, seq: d.packet.seq }));
        }
      }
    };
    let seq = 1;
    for (let i = 0; i < 2100; i++) {
      // Setups for invented paths from N1 on to N2 (proxy N2): each installs an entry with na = N1, nb = N2.
      node.receive(0, N1, forge.setup(N1, seq, N2));
      seq = (seq % 0xffff) + 1;
      ackSent();
      // The clock barely moves: the neighbours are not failed meanwhile (the first retransmission waits 150 ms).
      if (i % 50 === 0) {
        for (const [port, n] of links) hello(port, n);
        clock.runUntil(clock.now() + 1);
      }
    }
    assert.equal(node.tableSizes().routes, 2048);
    assert.equal(node.counters()['cap.routes.perNeighbor'], 2100 - 2048);
    assert.deepEqual(node.checkInvariants(), []);
  });

  it(`representatives: at most ${MAX_REPRESENTATIVES}, the record refreshed longest ago evicted`, () => {
    const reps = new RepTable(ME, 6000, 0);
    for (let i = 0; i < MAX_REPRESENTATIVES + 10; i++)
      reps.learn(N1, [{ address: 0x030000000000 + i, seq: 1 }], i);
    assert.equal(reps.size, MAX_REPRESENTATIVES);
    assert.equal(reps.evictions, 10);
    assert.equal(reps.nextHopToward(0x030000000000, 300), null, 'the oldest went first');
    assert.equal(reps.nextHopToward(0x030000000000 + MAX_REPRESENTATIVES + 9, 300), N1);
  });

  it(`holds: at most ${MAX_SETUP_HOLDS}, the one ending soonest dropped for a new one`, () => {
    const { node, forge, hello } = lone(1);
    hello(0, N1);
    hello(0, N1);
    for (let i = 0; i < MAX_SETUP_HOLDS + 30; i++) {
      // A refusal (setup_fail) for this node from an invented node: it holds that node off.
      node.receive(
        0,
        N1,
        forge.control(N1, 1 + (i % 0xfffe), {
          type: OptionType.SETUP_FAIL,
          token: i + 1,
          src: forge.invented(),
          dst: ME,
          proxy: N1,
          vset: [],
        }),
      );
    }
    assert.equal(node.tableSizes().setupHolds, MAX_SETUP_HOLDS);
    assert.equal(node.counters()['cap.holds.evicted'], 30);
    assert.deepEqual(node.checkInvariants(), []);
  });

  // Which hold a full table gives up decides which node may be asked again early: the one whose hold ends
  // soonest (it would be asked again first anyway), and none for a target that is held already (its hold is only
  // renewed).
  it('holds: a full table drops the hold ending soonest, and none to renew a hold', () => {
    const { node, clock, forge, hello } = lone(1);
    for (let t = 500; t <= 5000; t += 500) {
      hello(0, N1);
      clock.runUntil(t);
    }
    assert.ok(node.isActive());
    let token = 1;
    const refusal = (src: Address, vset: Address[] = []): void =>
      node.receive(
        0,
        N1,
        forge.control(N1, token, {
          type: OptionType.SETUP_FAIL,
          token: token++,
          src,
          dst: ME,
          proxy: N1,
          vset,
        }),
      );
    const Q0 = ME + 4; // the nearest node there is: worth asking whenever it is not held
    refusal(Q0);
    clock.runUntil(clock.now() + 1); // every later hold ends later
    const far = (i: number) => ME + 0x1000000 + i;
    for (let i = 1; i < MAX_SETUP_HOLDS; i++) refusal(far(i));
    assert.equal(node.tableSizes().setupHolds, MAX_SETUP_HOLDS);
    refusal(far(5)); // held already: renewed, nothing evicted
    assert.equal(node.counters()['cap.holds.evicted'] ?? 0, 0);
    refusal(far(MAX_SETUP_HOLDS)); // a new one: Q0's hold, the soonest to end, goes
    assert.equal(node.counters()['cap.holds.evicted'], 1);
    assert.equal(node.tableSizes().setupHolds, MAX_SETUP_HOLDS);
    const asked = node.counters()['why.learned from setup_fail'] ?? 0;
    refusal(far(7), [Q0]);
    assert.equal(node.counters()['why.learned from setup_fail'], asked + 1, 'Q0 is asked: no longer held');
    assert.deepEqual(node.checkInvariants(), []);
  });

  // Rounds nobody answered are remembered per target (strikes, doubling its next hold) and held off like refusals:
  // both tables stay within MAX_SETUP_HOLDS however many targets go unanswered, the oldest strike and the hold
  // ending soonest giving way.
  it(`strikes and holds of unanswered targets: at most ${MAX_SETUP_HOLDS} each`, () => {
    const { node, clock, unanswered } = asker();
    const extra = 7;
    for (let k = 0; k < MAX_SETUP_HOLDS + extra; k++) {
      assert.ok(unanswered(ME + 0x10000 + k), `target ${k} asked`);
      clock.runUntil(clock.now() + 1); // each hold ends later than the one before (D's is renewed each time)
    }
    assert.equal(node.counters()['setupsAround'] ?? 0, 0, 'no way around: each held off as unanswered');
    assert.equal(node.tableSizes().pendingSetups, 0);
    assert.equal(node.tableSizes().setupHolds, MAX_SETUP_HOLDS);
    // D (held as a refuser) and every target were held (and N1, set up directly as a vset member once a period
    // passed): the holds ending soonest gave way.
    assert.ok((node.counters()['cap.holds.evicted'] ?? 0) >= extra + 1);
    assert.deepEqual(node.checkInvariants(), [], 'at most MAX_SETUP_HOLDS strike records too');
  });

  // Strikes are per target: another target going unanswered meanwhile must not cost one its record, or its hold
  // would stop doubling (the strike table forgets its oldest record only when full).
  it('a target unanswered twice is held twice as long, though another went unanswered in between', () => {
    const { node, unanswered, run } = asker();
    const c = node.config;
    const hold = c.refusalHoldHellos * c.helloMs;
    const F = ME + 0x10000;
    const G = ME + 0x10001;
    assert.ok(unanswered(F), 'F asked');
    assert.ok(unanswered(G), 'G asked');
    run(hold + 1.5 * c.helloMs); // both holds are over
    assert.ok(unanswered(F), 'F asked again: its second unanswered round');
    run(hold + 1.5 * c.helloMs); // F's first hold would be over, not its second
    assert.ok(!unanswered(F), 'F still held');
    run(hold);
    assert.ok(unanswered(F), 'F asked once its doubled hold is over');
  });

  // A target that answers (here: refuses) is reachable: its strikes are forgotten, and the next unanswered round
  // holds it for the first, shortest time again.
  it('a target that answered starts its strikes again from the first', () => {
    const { node, unanswered, run, refusal } = asker();
    const c = node.config;
    const hold = c.refusalHoldHellos * c.helloMs;
    const F = ME + 0x10000;
    assert.ok(unanswered(F), 'F asked');
    run(hold + 1.5 * c.helloMs);
    refusal(F, 1, []); // F itself refuses: an answer (held a refusal's time)
    run(hold + 1.5 * c.helloMs);
    assert.ok(unanswered(F), 'F asked again, unanswered: one strike, not two');
    run(hold + 1.5 * c.helloMs);
    assert.ok(unanswered(F), 'F asked again once the single hold is over');
  });

  // A node held because it went unanswered may be gone: like a direct setup's hold (setup-around.test.ts), it must
  // not count as a live ring node and keep a candidate beyond it from being asked. Only refusers count.
  it('a target held as unanswered does not stand in for a candidate beyond it', () => {
    const { unanswered, refusal } = asker();
    // Two refusers just counter-clockwise of the node: live ring nodes on that side, so a candidate clockwise is
    // worth asking only if at most one known node lies between it and the node (r = 4).
    refusal(ME - 0x100, 1, []);
    refusal(ME - 0x200, 2, []);
    assert.ok(unanswered(ME + 0x10000), 'F asked, unanswered: held');
    assert.ok(unanswered(ME + 0x10001), 'Y, just beyond F, is asked all the same');
  });

  // A setup_req reaches an inactive node only by mistake (a neighbour still takes it for active, as after a
  // restart): it knows no ring and must neither route nor answer it (an answer would make a path to a node
  // outside every ring). An active node with no candidate at all (no active neighbour, no route) drops one that
  // names it as its source: it can only be its own request come back, or forged.
  it('setup_reqs at an inactive node, or with no candidate at all, are dropped and counted', () => {
    const { node, clock, forge, hello } = lone(1);
    hello(0, N1);
    hello(0, N1);
    const req = (src: Address, token: number) =>
      node.receive(
        0,
        N1,
        forge.control(N1, token, {
          type: OptionType.SETUP_REQ,
          token,
          src,
          dst: ME + 0x10,
          proxy: N1,
          vset: [],
        }),
      );
    assert.ok(!node.isActive());
    req(ME + 0x30, 1);
    assert.equal(node.counters()['drop.setupReqWhileInactive'], 1);
    assert.deepEqual(node.vsetMembers(), []);
    for (let t = 500; t <= 5000; t += 500) {
      hello(0, N1);
      clock.runUntil(t);
    }
    assert.ok(node.isActive(), 'a ring of its own; N1, never active, is no candidate');
    req(ME, 2);
    assert.equal(node.counters()['drop.setupReqNoCandidate'], 1);
    assert.equal(node.tableSizes().setupHolds, 0, 'not refused by itself');
    assert.deepEqual(node.checkInvariants(), []);
  });

  // Requests under way are bounded: a node shown ever nearer candidates faster than its requests end does not
  // start a request per candidate without limit (each holds a retry timer); the ones past the cap are counted.
  it(`setup requests: at most ${MAX_PENDING_SETUPS} under way, a new one past that not started`, () => {
    const { node, clock, forge, hello } = lone(1);
    // N1 links, inactive: after bootstrapHellos periods without an active neighbour the node is a ring of its own.
    for (let t = 500; t <= 5000; t += 500) {
      hello(0, N1);
      clock.runUntil(t);
    }
    assert.ok(node.isActive());
    const extra = 20;
    for (let k = 0; k < MAX_PENDING_SETUPS + extra; k++) {
      // A refusal naming a candidate nearer (clockwise) than every one before: each is worth asking.
      node.receive(
        0,
        N1,
        forge.control(N1, k + 1, {
          type: OptionType.SETUP_FAIL,
          token: k + 1,
          src: ME + 0x20000 + k,
          dst: ME,
          proxy: N1,
          vset: [ME + 0x10000 - k],
        }),
      );
    }
    // (No setup_req leaves: N1, inactive, is no proxy. The requests wait for one, each with its retry timer.)
    assert.equal(node.counters()['why.learned from setup_fail'], MAX_PENDING_SETUPS, 'requests started');
    assert.equal(node.tableSizes().pendingSetups, MAX_PENDING_SETUPS);
    assert.equal(node.counters()['cap.setups.refused'], extra);
    assert.deepEqual(node.checkInvariants(), []);
  });

  it('takes ACKs only from linked neighbours', () => {
    const { node, forge } = lone(1);
    node.receive(0, N2, forge.control(N2, 0, { type: OptionType.ACK, seq: 5 }));
    assert.equal(node.counters()['drop.ackFromUnlinked'], 1);
  });
});
