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
