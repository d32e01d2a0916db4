// What paths.ts sends when a path goes, through the node's public API (src/vrr/paths.ts): the relay that loses a
// link passes the teardown on to the other side and an endpoint that loses one asks the other endpoint again; an
// endpoint that finds its path broken tears down what is left of it; a duplicate path id is torn down on both of
// its sides; the parallel path is torn down toward its other end; a path this node would start past the route
// table's cap never starts; a setup goes along a route to its destination itself before its proxy; a new path
// id is never 0 nor one in use. The self-check and the path probes repair what any of these gets wrong, later:
// these tests check the messages and events of the moment, not the ring in the end.

import assert from 'node:assert/strict';
import { MAX_ROUTES_PER_NEIGHBOR } from '../../../src/vrr/limits.ts';
import type { RouteTable } from '../../../src/vrr/routes.ts';
import type { VrrNode } from '../../../src/vrr/node.ts';
import { decodePacket, encodePacket } from '../../../src/vrr/wire/index.ts';
import {
  OptionType,
  PATH_PROBE_ECHO,
  PATH_PROBE_TOWARD_B,
  type KnownOption,
  type PathProbeOption,
  type SetupOption,
  type TeardownOption,
} from '../../../src/vrr/wire/types.ts';
import { convergedLine, LINE, TestNet } from './harness.ts';

// A B C D E = 0x10 .. 0x50 on a line, r = 2, seed 1: converged, each holds its neighbours on the line (A and E
// each other too, over the path A-B-C-D-E, which C relays with na = B, nb = D).
const [A, B, C, D, E] = LINE;
const HELLO = 1000;

const converged = (): TestNet => convergedLine();

/** One option sent: when, by which node, to which neighbour. */
interface Sent {
  at: number;
  from: number;
  to: number;
  opt: KnownOption;
}

/**
 * Records the options of one type every node sends from now on (after `filter`, which may rewrite a node's
 * frames, as path-check.test.ts swallows probes).
 */
function watch(
  net: TestNet,
  type: number,
  filter?: (from: number, frame: Uint8Array) => Uint8Array | null,
): Sent[] {
  const seen: Sent[] = [];
  net.tap = (from, port, frame) => {
    const out = filter ? filter(from, frame) : frame;
    if (out === null) return null;
    const r = decodePacket(out);
    if (r.ok && r.packet.kind === 'control') {
      const to = net.nodes[net.ports[from][port].peer].address;
      for (const o of r.packet.options)
        if (o.type === type) seen.push({ at: net.now, from: net.nodes[from].address, to, opt: o });
    }
    return out;
  };
  return seen;
}

/** The teardowns of one path among those recorded, as [from, to, vset]. */
function teardownsOf(sent: Sent[], ea: number, pathId: number): [number, number, number[] | null][] {
  return sent
    .map((s) => ({ s, t: s.opt as TeardownOption }))
    .filter(({ t }) => t.ea === ea && t.pathId === pathId)
    .map(({ s, t }) => [s.from, s.to, t.vset]);
}

/** The setup-req events of node i since mark, as [target, why]. */
function asked(net: TestNet, i: number, mark: number): [number, string][] {
  return net.events
    .slice(mark)
    .filter((e) => e.node === i)
    .flatMap((e) =>
      e.event.type === 'setup-req' ? [[e.event.target, e.event.why] as [number, string]] : [],
    );
}

let hopSeq = 5000;
/** Node C receives one option from its linked neighbour `from` (B on port 0, D on port 1). */
function toC(net: TestNet, from: number, option: KnownOption): void {
  net.nodes[2].receive(
    from === B ? 0 : 1,
    from,
    encodePacket({ kind: 'control', flags: 0, sender: from, seq: hopSeq++, options: [option] }),
  );
}

function pathBetween(n: VrrNode, x: number, y: number) {
  const r = n.routes().find((p) => (p.ea === x && p.eb === y) || (p.ea === y && p.eb === x));
  assert.ok(r, `a path between ${x.toString(16)} and ${y.toString(16)}`);
  return r;
}

/** Node C's internals, for the tests that need a full table or a chosen random draw. */
function internals(n: VrrNode): { ctx: { paths: { routes: RouteTable }; env: { rng: { u32(): number } } } } {
  return n as unknown as { ctx: { paths: { routes: RouteTable }; env: { rng: { u32(): number } } } };
}

describe('vrr/paths: what a lost link, a broken path and a teardown send', () => {
  it('a link fails: each relay passes the teardown on to the other side (no vset), each endpoint asks again', () => {
    const net = converged();
    const ae = pathBetween(net.nodes[2], A, E); // relayed by C (na B, nb D) and D (na C, nb E)
    const cd = pathBetween(net.nodes[2], C, D);
    const sent = watch(net, OptionType.TEARDOWN);
    const mark = net.events.length;
    net.cut(2, 3); // C - D: both find out through hellos
    net.run(8 * HELLO);
    const lostAt = (i: number) =>
      net.events
        .slice(mark)
        .find((e) => e.node === i && e.event.type === 'path-down' && e.event.why.startsWith('link to'))?.at;
    const atC = lostAt(2);
    const atD = lostAt(3);
    assert.ok(atC !== undefined && atD !== undefined, 'both ends noticed');
    // The relays: C toward A's side (B), D toward E's side; nothing toward the lost link.
    const ae1 = teardownsOf(sent, ae.ea, ae.pathId);
    assert.deepEqual(
      ae1.filter(([from]) => from === C || from === D),
      [...(atC <= atD ? [] : [[D, E, null]]), [C, B, null], ...(atC <= atD ? [[D, E, null]] : [])],
    );
    assert.ok(
      sent.some((s) => s.from === C && s.to === B && s.at === atC),
      'C passed it on the moment it lost D',
    );
    // B passes it on to A, the endpoint, which asks E again.
    assert.ok(ae1.some(([from, to]) => from === B && to === A));
    assert.ok(asked(net, 0, mark).some(([t, why]) => t === E && why === 'path torn down by a failure'));
    // The path C-D had C and D as its endpoints: nothing to pass on; each asks the other again, at once.
    assert.deepEqual(teardownsOf(sent, cd.ea, cd.pathId), []);
    const first = (i: number, target: number) =>
      net.events
        .slice(mark)
        .find((e) => e.node === i && e.event.type === 'setup-req' && e.event.target === target);
    assert.equal(first(2, D)?.at, atC, 'C asks D again');
    assert.equal(first(3, C)?.at, atD, 'D asks C again');
    assert.deepEqual(asked(net, 2, mark)[0], [D, 'path torn down by a failure']);
    assert.deepEqual(asked(net, 3, mark)[0], [C, 'path torn down by a failure']);
  });

  for (const prober of ['ea', 'eb'] as const) {
    it(`a path found broken (${prober}'s probes lost): that endpoint tears down the rest of it (no vset) and asks again`, () => {
      // A(10) - R(20) - B(30), r = 2: A and B are virtual neighbours over a path through R (path-check.test.ts).
      const K = 4;
      const net = new TestNet([10, 20, 30], 7, { vsetSize: 2, pathCheckHellos: K });
      net.link(0, 1).link(1, 2).start();
      net.run(60_000);
      const path = pathBetween(net.nodes[0], 10, 30);
      const me = prober === 'ea' ? path.ea : path.eb;
      const other = prober === 'ea' ? path.eb : path.ea;
      // R swallows the probes of one endpoint of A-B's path (going out, or echoed back), and no others: ea's go
      // toward B and come back as echoes toward A.
      const fromEa = (o: PathProbeOption) =>
        !(o.flags & PATH_PROBE_TOWARD_B) !== !(o.flags & PATH_PROBE_ECHO);
      const lost = (o: KnownOption) =>
        o.type === OptionType.PATH_PROBE && o.pathId === path.pathId && fromEa(o) === (prober === 'ea');
      const sent = watch(net, OptionType.TEARDOWN, (from, frame) => {
        if (from !== 1) return frame;
        const d = decodePacket(frame);
        if (!d.ok || d.packet.kind !== 'control') return frame;
        const options = d.packet.options.filter((o) => !lost(o));
        if (options.length === d.packet.options.length) return frame;
        return options.length === 0 && d.packet.seq === 0 ? null : encodePacket({ ...d.packet, options });
      });
      const mark = net.events.length;
      net.run(3 * 2 * K * HELLO);
      const drops = net.events
        .slice(mark)
        .filter(
          (e) =>
            e.event.type === 'path-down' &&
            e.event.pathId === path.pathId &&
            e.event.why === 'path probe did not come back',
        );
      assert.deepEqual(
        drops.map((e) => net.nodes[e.node].address),
        [me],
        `${prober} dropped the path`,
      );
      const at = drops[0].at;
      const tds = teardownsOf(sent, path.ea, path.pathId);
      assert.deepEqual(tds[0], [me, 20, null], 'the endpoint tears down the rest: to R, no vset');
      assert.equal(
        sent.find((s) => s.from === me && (s.opt as TeardownOption).pathId === path.pathId)?.at,
        at,
        'at once',
      );
      assert.deepEqual(tds[1], [20, other, null], 'R passes it on to the other endpoint');
      const i = me === 10 ? 0 : 2;
      const again = net.events
        .slice(mark)
        .find((e) => e.node === i && e.event.type === 'setup-req' && e.event.target === other);
      assert.equal(again?.at, at, 'and asks the other endpoint again, at once');
      assert.deepEqual(
        asked(net, i, mark).filter(([t]) => t === me),
        [],
        'not itself',
      );
    });
  }

  for (const from of [D, B]) {
    it(`a setup with a path id in use at a relay (from ${from === D ? 'D, its nb' : 'B, its na'}): the entry dies and both of its sides are told (no vset)`, () => {
      const net = converged();
      const c = net.nodes[2];
      const ae = pathBetween(c, A, E); // at C: na B, nb D
      const sent = watch(net, OptionType.TEARDOWN);
      // The same (ea, pathId) as A-E's comes again: a loop (or a copy).
      toC(net, from, { type: OptionType.SETUP, pathId: ae.pathId, src: ae.ea, dst: C, proxy: C, vset: [] });
      assert.equal(c.counters()['setup.rejected'], 1);
      assert.ok(!c.routes().some((r) => r.ea === ae.ea && r.pathId === ae.pathId), 'the entry is gone');
      assert.deepEqual(
        new Set(teardownsOf(sent, ae.ea, ae.pathId).map(([f, to, vset]) => `${f}>${to} ${vset}`)),
        new Set([`${C}>${B} null`, `${C}>${D} null`]),
      );
      assert.equal(sent.length, 2);
      assert.deepEqual(c.checkInvariants(), []);
    });
  }

  it('a setup whose teardown came first is turned back to its sender alone (no vset), installing nothing', () => {
    const net = converged();
    const c = net.nodes[2];
    const X = 0x020000000031;
    toC(net, D, { type: OptionType.TEARDOWN, pathId: 51, ea: X, vset: null });
    const sent = watch(net, OptionType.TEARDOWN);
    toC(net, D, { type: OptionType.SETUP, pathId: 51, src: X, dst: B, proxy: B, vset: [] });
    assert.equal(c.counters()['setup.afterItsTeardown'], 1);
    assert.deepEqual(teardownsOf(sent, X, 51), [[C, D, null]]);
    assert.ok(!c.routes().some((r) => r.ea === X));
  });

  it('a second path between the same two nodes: the endpoint the kept one ends at tears the other down toward its far end', () => {
    const net = converged();
    const c = net.nodes[2];
    // X (none) belongs in C's vset; two paths from X reach C through D: the one with the smaller id is kept.
    const X = 0x020000000031;
    const sent = watch(net, OptionType.TEARDOWN);
    const setup: SetupOption = { type: OptionType.SETUP, pathId: 31, src: X, dst: C, proxy: C, vset: [] };
    toC(net, D, setup);
    assert.ok(c.vsetMembers().includes(X));
    toC(net, D, { ...setup, pathId: 5 });
    assert.equal(c.counters()['parallelPathsDropped'], 1);
    assert.deepEqual(
      c
        .routes()
        .filter((r) => r.ea === X)
        .map((r) => r.pathId),
      [5],
    );
    assert.deepEqual(teardownsOf(sent, X, 31), [[C, D, null]], 'toward X, no vset');
    assert.deepEqual(teardownsOf(sent, X, 5), []);
  });

  it('a second path between the same two nodes, one of them started here: the one started here goes, toward its far end', () => {
    const net = converged();
    const c = net.nodes[2];
    const X = 0x020000000031;
    // X asks C for a path (through D): C starts one to X (its id is random: above 5).
    toC(net, D, { type: OptionType.SETUP_REQ, token: 9, src: X, dst: X, proxy: D, vset: [] });
    const mine = c.routes().find((r) => r.ea === C && r.eb === X);
    assert.ok(mine && mine.pathId > 5, 'C started a path to X');
    const sent = watch(net, OptionType.TEARDOWN);
    // X's own setup to C, with the smaller id, arrives complete: C keeps it and drops its own.
    toC(net, D, { type: OptionType.SETUP, pathId: 5, src: X, dst: C, proxy: C, vset: [] });
    assert.equal(c.counters()['parallelPathsDropped'], 1);
    assert.ok(!c.routes().some((r) => r.ea === C && r.pathId === mine.pathId));
    assert.deepEqual(teardownsOf(sent, C, mine.pathId), [[C, D, null]], 'toward X (its nb), no vset');
  });

  it('a path this node would start past the route cap through a neighbour never starts: the new virtual neighbour leaves again', () => {
    const net = converged();
    const c = net.nodes[2];
    // C relays as many paths through D as a neighbour may carry (between nodes far from this line).
    const table = internals(c).ctx.paths.routes;
    for (let i = 1; table.refusal(null, D) === null; i++)
      table.add({ ea: 0x030000000000 + i, eb: 0x040000000000 + i, pathId: i, na: D, nb: D });
    assert.ok(c.tableSizes().routes > MAX_ROUTES_PER_NEIGHBOR);
    // X (none), between B and C, belongs in C's vset (it pushes B out) and asks C for a path, through D.
    const X = 0x02000000002f;
    const setups = watch(net, OptionType.SETUP);
    const mark = net.events.length;
    toC(net, D, { type: OptionType.SETUP_REQ, token: 7, src: X, dst: X, proxy: D, vset: [] });
    assert.equal(c.counters()['cap.routes.perNeighbor'], 1);
    assert.deepEqual(setups, [], 'no SETUP left C');
    assert.ok(!c.vsetMembers().includes(X), 'X left the vset again');
    assert.ok(
      net.events
        .slice(mark)
        .some(
          (e) =>
            e.node === 2 &&
            e.event.type === 'vset-remove' &&
            e.event.member === X &&
            e.event.why === 'route table full',
        ),
    );
    assert.deepEqual(c.checkInvariants(), []);
  });

  it('a setup relayed past the route cap through a neighbour is turned back toward its sender (no vset)', () => {
    const net = converged();
    const c = net.nodes[2];
    const table = internals(c).ctx.paths.routes;
    for (let i = 1; table.refusal(null, D) === null; i++)
      table.add({ ea: 0x030000000000 + i, eb: 0x040000000000 + i, pathId: i, na: D, nb: D });
    const sent = watch(net, OptionType.TEARDOWN);
    const X = 0x02000000001f; // none: a setup from X to E, through B, C and D
    toC(net, B, { type: OptionType.SETUP, pathId: 61, src: X, dst: E, proxy: E, vset: [] });
    assert.equal(c.counters()['cap.routes.perNeighbor'], 1);
    assert.deepEqual(teardownsOf(sent, X, 61), [[C, B, null]]);
    assert.ok(!c.routes().some((r) => r.ea === X), 'nothing installed');
    assert.equal(sent.length, 1, 'one teardown, to B alone');
  });

  it('a setup goes along a route to its destination itself, before its proxy; to a destination with no route, to the proxy', () => {
    const net = converged();
    const setups = watch(net, OptionType.SETUP);
    const X = 0x020000000031;
    // C relays A-E: it has a route whose endpoint is E itself (via D). The proxy B is not the way there.
    toC(net, B, { type: OptionType.SETUP, pathId: 41, src: X, dst: E, proxy: B, vset: [] });
    // Nobody is at Y: greedy routing toward it ends at D or E, not at Y; the setup goes to its proxy, B.
    const Y = 0x020000000045;
    toC(net, D, { type: OptionType.SETUP, pathId: 42, src: X, dst: Y, proxy: B, vset: [] });
    assert.deepEqual(
      setups.filter((s) => s.from === C).map((s) => [(s.opt as SetupOption).pathId, s.to]),
      [
        [41, D],
        [42, B],
      ],
    );
  });

  it('a new path id is never 0, nor the id of a path this node started', () => {
    const net = converged();
    const c = net.nodes[2];
    const mine = c.routes().find((r) => r.ea === C);
    assert.ok(mine, 'C started a path');
    // X (none), between B and C, belongs in C's vset and asks C for a path: C starts one, drawing its id.
    const X = 0x02000000002f;
    const rng = internals(c).ctx.env.rng;
    const draw = rng.u32;
    const script = [0, mine.pathId, 4242];
    rng.u32 = () => script.shift() ?? draw.call(rng);
    const setups = watch(net, OptionType.SETUP);
    toC(net, B, { type: OptionType.SETUP_REQ, token: 8, src: X, dst: X, proxy: B, vset: [] });
    rng.u32 = draw;
    const fromC = setups.filter((s) => s.from === C).map((s) => s.opt as SetupOption);
    assert.deepEqual(
      fromC.map((s) => [s.src, s.dst, s.pathId]),
      [[C, X, 4242]],
    );
    assert.ok(
      c.routes().some((r) => r.ea === mine.ea && r.pathId === mine.pathId),
      'the old path is kept',
    );
  });
});

describe('vrr/paths: endpoint B, a deliberate teardown, and the memory of setups seen', () => {
  /** Extension hook: every onVsetChange a node reports, as [added, removed]. */
  function vsetChanges(n: VrrNode): [number[], number[]][] {
    const seen: [number[], number[]][] = [];
    n.attach({
      optionTypes: [],
      optionCodecs: [],
      onOption: () => {},
      onVsetChange: (added, removed) => seen.push([[...added], [...removed]]),
    });
    return seen;
  }

  // Pins endpoint B's acceptance of a second path from a node already in its vset: the path comes up, but nothing
  // is added (no vset-add event, extensions not told of a change, which would restart self-checks and DHT
  // hand-offs for nothing).
  it('a setup from a node already a virtual neighbour: path up, no vset change', () => {
    const net = converged();
    const c = net.nodes[2];
    const changes = vsetChanges(c);
    const mark = net.events.length;
    assert.ok(c.vsetMembers().includes(D), 'D a member');
    toC(net, D, { type: OptionType.SETUP, pathId: 81, src: D, dst: C, proxy: C, vset: [] });
    const atC = net.events.slice(mark).filter((e) => e.node === 2);
    assert.ok(
      atC.some((e) => e.event.type === 'path-up' && e.event.pathId === 81),
      'path up',
    );
    assert.deepEqual(
      atC.filter((e) => e.event.type === 'vset-add'),
      [],
    );
    assert.deepEqual(changes, []);
  });

  // Pins what an eviction reports: a nearer node taken as a virtual neighbour pushes the farther one out, with a
  // vset-remove event naming who evicted it, and extensions hear of both in one change.
  it('a nearer virtual neighbour evicts a farther one: the event says by whom, extensions hear of both', () => {
    const net = converged();
    const c = net.nodes[2];
    const changes = vsetChanges(c);
    const X = 0x020000000031; // between C and D: nearer to C than D on that side (r = 2)
    const mark = net.events.length;
    toC(net, D, { type: OptionType.SETUP, pathId: 82, src: X, dst: C, proxy: C, vset: [] });
    assert.deepEqual(c.vsetMembers().sort(), [B, X].sort());
    assert.deepEqual(
      net.events
        .slice(mark)
        .filter((e) => e.node === 2 && e.event.type === 'vset-remove')
        .map((e) => e.event),
      [{ type: 'vset-remove', member: D, why: 'evicted by 02:00:00:00:00:31' }],
    );
    assert.deepEqual(changes[0], [[X], [D]]);
  });

  // Pins what extensions hear when a virtual neighbour's last path goes: it was removed, by name.
  it('a virtual neighbour whose last path is torn down: extensions are told it left', () => {
    const net = converged();
    const c = net.nodes[2];
    const changes = vsetChanges(c);
    const cd = pathBetween(c, C, D);
    toC(net, D, { type: OptionType.TEARDOWN, pathId: cd.pathId, ea: cd.ea, vset: null });
    assert.ok(!c.vsetMembers().includes(D), 'D left');
    assert.deepEqual(changes[0], [[], [D]]);
  });

  // Pins the hold after a deliberate teardown: the node that tore the path down answered, so it stays among the
  // live ring nodes this node knows, and a candidate its vset names beyond it is not asked (else each refusal
  // walks the requester one node further along the ring).
  it('a deliberate teardown: its sender counts as known, so a candidate beyond it is not asked', () => {
    const net = converged();
    const a = net.nodes[0];
    const ab = pathBetween(a, A, B);
    const F = 0x020000000028; // beyond B, seen from A
    const mark = net.events.length;
    a.receive(
      0,
      B,
      encodePacket({
        kind: 'control',
        flags: 0,
        sender: B,
        seq: hopSeq++,
        options: [{ type: OptionType.TEARDOWN, pathId: ab.pathId, ea: ab.ea, vset: [F] }],
      }),
    );
    net.run(100);
    assert.ok(!a.vsetMembers().includes(B), 'the path and the member went');
    assert.deepEqual(
      asked(net, 0, mark).filter(([t]) => t === F),
      [],
      'F lies beyond B, which A knows is alive',
    );
  });

  // Pins the loop memory of a relay: a setup that comes again after its path went (a copy that looped, or came
  // the long way) is not installed again; it is dropped, counted, and its sender told.
  it('a setup seen before whose path is gone is dropped as a loop, its sender told', () => {
    const net = converged();
    const c = net.nodes[2];
    const X = 0x020000000031;
    const setup: SetupOption = { type: OptionType.SETUP, pathId: 71, src: X, dst: B, proxy: B, vset: [] };
    toC(net, D, setup);
    assert.ok(
      c.routes().some((r) => r.ea === X && r.pathId === 71),
      'installed',
    );
    toC(net, D, { type: OptionType.TEARDOWN, pathId: 71, ea: X, vset: null });
    assert.ok(!c.routes().some((r) => r.ea === X), 'torn down');
    const sent = watch(net, OptionType.TEARDOWN);
    toC(net, D, setup);
    assert.equal(c.counters()['drop.setupLoop'], 1);
    assert.ok(!c.routes().some((r) => r.ea === X), 'not installed again');
    assert.deepEqual(teardownsOf(sent, X, 71), [[C, D, null]]);
  });
});
