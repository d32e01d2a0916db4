// Paths (src/vrr/paths.ts) through the node's public API: the memory of teardowns that overtook their setup is
// bounded and forgets the oldest first, and a virtual neighbour leaves the vset with its last path.

import assert from 'node:assert/strict';
import { encodePacket } from '../../../src/vrr/wire/index.ts';
import { OptionType } from '../../../src/vrr/wire/types.ts';
import { TORN_DOWN_EARLY_KEPT } from '../../../src/vrr/paths.ts';
import { TestNet } from './harness.ts';

const A = 0x020000000010;
const B = 0x020000000020;
const C = 0x020000000030;

function line(): TestNet {
  const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
  net.run(20_000);
  return net;
}

let seq = 5000;
const control = (option: object): Uint8Array =>
  encodePacket({ kind: 'control', flags: 0, sender: A, seq: seq++, options: [option as never] });

describe('vrr/paths (vset and routes)', () => {
  it(`remembers at most ${TORN_DOWN_EARLY_KEPT} teardowns that came before their setup, the newest`, () => {
    const net = line();
    const b = net.nodes[1];
    const n = TORN_DOWN_EARLY_KEPT + 10;
    for (let id = 1; id <= n; id++)
      b.receive(0, A, control({ type: OptionType.TEARDOWN, pathId: 70_000 + id, ea: A, vset: null }));
    assert.deepEqual(b.checkInvariants(), []);
    const setup = (pathId: number) => ({
      type: OptionType.SETUP,
      pathId,
      src: A,
      dst: C,
      proxy: C,
      vset: [],
    });
    // The oldest was forgotten: its setup is installed. The newest was not: its setup is turned back.
    b.receive(0, A, control(setup(70_001)));
    b.receive(0, A, control(setup(70_000 + n)));
    net.run(1000);
    assert.ok(
      b.routes().some((r) => r.pathId === 70_001),
      'the oldest teardown was forgotten',
    );
    assert.ok(!b.routes().some((r) => r.pathId === 70_000 + n), 'the newest turned its setup back');
    assert.equal(b.counters()['setup.afterItsTeardown'], 1);
    assert.deepEqual(b.checkInvariants(), []);
  });

  // Pins the bound exactly: the oldest of the newest TORN_DOWN_EARLY_KEPT teardowns is still remembered (one
  // fewer kept would let that setup through).
  it(`the ${TORN_DOWN_EARLY_KEPT}th newest teardown is still remembered`, () => {
    const net = line();
    const b = net.nodes[1];
    const n = TORN_DOWN_EARLY_KEPT + 10;
    for (let id = 1; id <= n; id++)
      b.receive(0, A, control({ type: OptionType.TEARDOWN, pathId: 80_000 + id, ea: A, vset: null }));
    const oldestKept = 80_000 + n - TORN_DOWN_EARLY_KEPT + 1;
    b.receive(
      0,
      A,
      control({ type: OptionType.SETUP, pathId: oldestKept, src: A, dst: C, proxy: C, vset: [] }),
    );
    net.run(1000);
    assert.equal(b.counters()['setup.afterItsTeardown'], 1);
    assert.ok(!b.routes().some((r) => r.pathId === oldestKept), 'turned back');
  });

  it('a virtual neighbour leaves the vset with its last path, and is asked for again', () => {
    const net = line();
    const a = net.nodes[0];
    assert.ok(a.vsetMembers().includes(C));
    const mark = net.events.length;
    net.cut(1, 2); // the path A - C runs through B: it breaks
    net.run(8000);
    const atA = net.events.slice(mark).filter((e) => e.node === 0);
    assert.ok(atA.some((e) => e.event.type === 'vset-remove' && e.event.member === C));
    assert.ok(atA.some((e) => e.event.type === 'setup-req' && e.event.target === C));
    assert.ok(!a.vsetMembers().includes(C));
    assert.deepEqual(a.checkInvariants(), []);
  });
});

describe('vrr/paths: the checker', () => {
  // Pins the checker of the vset and the routes (the fuzzers call it after every step): each way they can break
  // is reported with what broke.
  it('checkInvariants reports a member with no path, a hop not linked, a missing hop at a relay, an inactive node with members, a teardown memory over its cap', () => {
    const net = line();
    const b = net.nodes[1];
    type Inside = {
      ctx: {
        active: boolean;
        paths: {
          vset: { add(x: number): number[]; remove(x: number): boolean };
          routes: { add(r: object): boolean; remove(ea: number, id: number): unknown };
          tornDownEarly: Set<string>;
        };
      };
    };
    const p = (b as unknown as Inside).ctx.paths;
    assert.deepEqual(b.checkInvariants(), []);
    const X = 0x020000000031;
    p.vset.add(X);
    assert.deepEqual(b.checkInvariants(), ['vset member 02:00:00:00:00:31 has no path']);
    p.vset.remove(X);
    // A relay entry of X-Y whose hop toward Y is no neighbour at all, then one with no hops.
    const Y = 0x020000000032;
    p.routes.add({ ea: X, eb: Y, pathId: 5, na: A, nb: Y });
    assert.deepEqual(b.checkInvariants(), [`path ${X}/5: next hop 02:00:00:00:00:32 is not linked`]);
    p.routes.remove(X, 5);
    p.routes.add({ ea: X, eb: Y, pathId: 6, na: null, nb: null });
    assert.deepEqual(b.checkInvariants(), [
      `path ${X}/6: no na, yet ea is not me`,
      `path ${X}/6: no nb, yet eb is not me`,
    ]);
    p.routes.remove(X, 6);
    assert.deepEqual(b.checkInvariants(), []);
    const inside = (b as unknown as Inside).ctx;
    inside.active = false;
    assert.deepEqual(b.checkInvariants(), ['an inactive node has virtual neighbours']);
    inside.active = true;
    // (An inactive node with no members is as it should be.)
    assert.deepEqual(new TestNet([A]).nodes[0].checkInvariants(), []);
    for (let i = 0; i <= TORN_DOWN_EARLY_KEPT; i++) p.tornDownEarly.add(`k${i}`);
    assert.deepEqual(b.checkInvariants(), ['tornDownEarly over its cap']);
  });
});
