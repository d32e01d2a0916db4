// Answers to routed requests through the node's public API (src/vrr/setup.ts, src/vrr/paths.ts): a setup_req or
// setup_fail seen twice at a relay is a loop and goes no further; a setup_fail that can go nowhere is a dead end;
// endpoint B of a SETUP takes its source as a virtual neighbour only when it belongs in its vset, and otherwise
// tears the new path down; a setup seen twice, or from a node to itself, installs nothing.

import assert from 'node:assert/strict';
import { decodePacket, encodePacket } from '../../../src/vrr/wire/index.ts';
import {
  OptionType,
  type KnownOption,
  type SetupFailOption,
  type SetupOption,
  type SetupReqOption,
} from '../../../src/vrr/wire/types.ts';
import { convergedLine, LINE, TestNet } from './harness.ts';

// A B C D E = 0x10 .. 0x50 on a line, r = 2: converged, C holds B and D.
const [A, B, C, D, E] = LINE;
/** Between C and D, nearer C than D is: belongs in C's vset. Exists nowhere. */
const X = 0x020000000031;

// K = 8: the path check's probes are part of how this seeded line converged into the scenes below.
const converged = (): TestNet => convergedLine({ pathCheckHellos: 8 });

let hopSeq = 5000;
/** Node C receives one option from its linked neighbour `from` (B on port 0, D on port 1). */
function toC(net: TestNet, from: number, option: KnownOption): void {
  const port = from === B ? 0 : 1;
  net.nodes[2].receive(
    port,
    from,
    encodePacket({ kind: 'control', flags: 0, sender: from, seq: hopSeq++, options: [option] }),
  );
}

/** Records the options of one type that node C sends from now on, with the neighbour they go to. */
function watchC(net: TestNet, type: number): { to: number; opt: KnownOption }[] {
  const seen: { to: number; opt: KnownOption }[] = [];
  net.tap = (from, port, frame) => {
    if (from !== 2) return frame;
    const r = decodePacket(frame);
    if (r.ok && r.packet.kind === 'control') {
      for (const o of r.packet.options) if (o.type === type) seen.push({ to: port === 0 ? B : D, opt: o });
    }
    return frame;
  };
  return seen;
}

const count = (net: TestNet, name: string): number => net.nodes[2].counters()[name] ?? 0;

describe('vrr/setup and vrr/paths: answers to routed requests', () => {
  it('a setup_req seen twice at a relay is a loop: passed on once, then dropped and counted', () => {
    const net = converged();
    assert.deepEqual(new Set(net.nodes[2].vsetMembers()), new Set([B, D]));
    const sent = watchC(net, OptionType.SETUP_REQ);
    const req: SetupReqOption = {
      type: OptionType.SETUP_REQ,
      token: 4242,
      src: A,
      dst: E,
      proxy: B,
      vset: [],
    };
    toC(net, B, req);
    toC(net, B, req);
    assert.deepEqual(
      sent.map((s) => s.to),
      [D],
      'passed on toward E once',
    );
    assert.equal(count(net, 'drop.setupReqLoop'), 1);
    toC(net, B, { ...req, token: 4243 });
    assert.equal(sent.length, 2, 'another token is another request');
  });

  it('a setup_fail seen twice at a relay is a loop; one that can go nowhere is a dead end', () => {
    const net = converged();
    const sent = watchC(net, OptionType.SETUP_FAIL);
    const fail: SetupFailOption = {
      type: OptionType.SETUP_FAIL,
      token: 99,
      src: E,
      dst: A,
      proxy: A,
      vset: [],
    };
    toC(net, D, fail);
    toC(net, D, fail);
    assert.deepEqual(
      sent.map((s) => s.to),
      [B],
    );
    assert.equal(count(net, 'drop.setupFailLoop'), 1);
    // For X (no node, no route; C is the closest node to it) through proxy X: nowhere to go.
    toC(net, D, { ...fail, token: 100, dst: X, proxy: X });
    assert.equal(sent.length, 1);
    assert.equal(count(net, 'setupFail.deadEnd'), 1);
  });

  it('endpoint B accepts a SETUP from a node that belongs in its vset, and installs the path', () => {
    const net = converged();
    const c = net.nodes[2];
    const mark = net.events.length;
    toC(net, D, { type: OptionType.SETUP, pathId: 31, src: X, dst: C, proxy: C, vset: [] });
    assert.ok(c.vsetMembers().includes(X), 'X taken as a virtual neighbour');
    assert.ok(
      c.routes().some((r) => r.ea === X && r.pathId === 31 && r.eb === C && r.na === D && r.nb === null),
    );
    assert.ok(
      net.events
        .slice(mark)
        .some((e) => e.node === 2 && e.event.type === 'path-up' && e.event.ea === X && e.event.pathId === 31),
    );
    assert.equal(count(net, 'setup.refusedAtDestination'), 0);
  });

  it('endpoint B refuses a SETUP from a node that does not belong in its vset: the path is torn down at once', () => {
    const net = converged();
    const c = net.nodes[2];
    const teardowns = watchC(net, OptionType.TEARDOWN);
    toC(net, B, { type: OptionType.SETUP, pathId: 32, src: A, dst: C, proxy: C, vset: [] });
    assert.equal(count(net, 'setup.refusedAtDestination'), 1);
    assert.ok(!c.routes().some((r) => r.ea === A && r.pathId === 32), 'no path left installed');
    assert.deepEqual(new Set(c.vsetMembers()), new Set([B, D]), 'vset unchanged');
    assert.deepEqual(
      teardowns.map((t) => [t.to, t.opt.type === OptionType.TEARDOWN ? [t.opt.ea, t.opt.pathId] : null]),
      [[B, [A, 32]]],
      'the teardown goes back toward A',
    );
    const t = teardowns[0].opt;
    assert.ok(t.type === OptionType.TEARDOWN && t.vset !== null, 'torn down here: with my vset, a refusal');
    assert.deepEqual(new Set(t.vset), new Set([B, D]));
    assert.deepEqual(c.checkInvariants(), []);
  });

  it('a SETUP seen again, or from a node to itself, installs nothing', () => {
    const net = converged();
    const c = net.nodes[2];
    const setup: SetupOption = { type: OptionType.SETUP, pathId: 33, src: X, dst: C, proxy: C, vset: [] };
    toC(net, D, setup);
    assert.ok(c.routes().some((r) => r.ea === X && r.pathId === 33));
    toC(net, D, setup);
    assert.ok(!c.routes().some((r) => r.ea === X && r.pathId === 33), 'a duplicate (ea, pathId): both die');
    assert.equal(count(net, 'setup.rejected'), 1);
    const before = c.routes().length;
    toC(net, D, { ...setup, pathId: 34, src: C });
    assert.equal(c.routes().length, before, 'a path from C to C is no path');
    assert.equal(count(net, 'setup.rejected'), 2);
    assert.deepEqual(c.checkInvariants(), []);
  });

  describe('a teardown reaching endpoint C of its path to D', () => {
    function pathToD(net: TestNet) {
      const r = net.nodes[2].routes().find((x) => (x.ea === C && x.eb === D) || (x.ea === D && x.eb === C));
      assert.ok(r, 'C holds a path to D');
      return r;
    }
    const asked = (net: TestNet, mark: number) =>
      net.events
        .slice(mark)
        .filter((e) => e.node === 2 && e.event.type === 'setup-req' && e.event.target === D)
        .map((e) => (e.event.type === 'setup-req' ? e.event.why : ''));

    it('from a node that is not on the path: ignored and counted', () => {
      const net = converged();
      const r = pathToD(net);
      toC(net, B, { type: OptionType.TEARDOWN, pathId: r.pathId, ea: r.ea, vset: null });
      assert.equal(count(net, 'teardown.unknownPath'), 1);
      assert.ok(
        net.nodes[2].routes().some((x) => x.ea === r.ea && x.pathId === r.pathId),
        'kept',
      );
    });

    it('after a failure (no vset): D leaves the vset and C asks it again at once', () => {
      const net = converged();
      const r = pathToD(net);
      const mark = net.events.length;
      toC(net, D, { type: OptionType.TEARDOWN, pathId: r.pathId, ea: r.ea, vset: null });
      assert.ok(!net.nodes[2].routes().some((x) => x.ea === r.ea && x.pathId === r.pathId));
      assert.ok(!net.nodes[2].vsetMembers().includes(D));
      assert.deepEqual(asked(net, mark), ['path torn down by a failure']);
    });

    it('deliberate (with a vset): D is held off, then, still a linked neighbour that belongs, asked directly', () => {
      const net = converged();
      const r = pathToD(net);
      const mark = net.events.length;
      const at = net.now;
      toC(net, D, { type: OptionType.TEARDOWN, pathId: r.pathId, ea: r.ea, vset: [E] });
      assert.ok(!net.nodes[2].vsetMembers().includes(D));
      net.run(500);
      assert.deepEqual(asked(net, mark), []);
      net.run(10_000);
      const first = net.events
        .slice(mark)
        .find((e) => e.node === 2 && e.event.type === 'setup-req' && e.event.target === D);
      assert.ok(first && first.event.type === 'setup-req');
      assert.equal(first.event.why, 'direct setup: linked neighbour belongs in vset');
      const hold = net.nodes[2].config.refusalHoldHellos * 1000;
      assert.ok(first.at - at >= hold * 0.9, `not before the hold ends (${first.at - at} ms)`);
      assert.ok(net.nodes[2].vsetMembers().includes(D), 'D is back');
    });
  });
});
