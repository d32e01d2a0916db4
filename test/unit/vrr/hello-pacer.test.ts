// When hellos go out (src/vrr/hello-pacer.ts), through the node's public API and the test harness: fast while the
// neighbour set changes, back to the period once it is stable, and never two within the gap.

import assert from 'node:assert/strict';
import { decodePacket } from '../../../src/vrr/wire/index.ts';
import { createOptionRegistry } from '../../../src/vrr/wire/option-registry.ts';
import { OptionType } from '../../../src/vrr/wire/types.ts';
import { TestNet } from './harness.ts';

const A = 0x020000000010;
const B = 0x020000000020;
const C = 0x020000000030;

/** Records the times node `i` sent a hello (a frame whose options include one), once per hello round. */
function helloTimes(net: TestNet, i: number): number[] {
  const times: number[] = [];
  const registry = createOptionRegistry();
  net.tap = (from, port, frame) => {
    if (from !== i || port !== 0) return frame;
    const decoded = decodePacket(frame, registry);
    if (
      decoded.ok &&
      decoded.packet.kind === 'control' &&
      decoded.packet.options.some((o) => o.type === OptionType.HELLO)
    )
      times.push(net.now);
    return frame;
  };
  return times;
}

const gaps = (times: number[]): number[] => times.slice(1).map((t, k) => t - times[k]);

describe('vrr/hello-pacer (when hellos go out)', () => {
  it('sends hellos every quarter period while the neighbour set changes, then once a period', () => {
    const net = new TestNet([A, B]).link(0, 1);
    const times = helloTimes(net, 0);
    net.start();
    net.run(1000);
    // From start: the set is empty and fills. Within the first period, fast hellos (and triggered ones).
    assert.ok(times.length >= 4, `${times.length} hellos in the first period`);
    net.run(9000);
    const late = times.filter((t) => t >= 4000);
    const lateGaps = gaps(late);
    assert.ok(
      lateGaps.every((g) => g >= 900 && g <= 1100),
      `a stable set: one hello a period (gaps ${lateGaps.join(', ')})`,
    );
    for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), []);
  });

  it('goes fast again when a neighbour appears, and falls back a period after the last change', () => {
    const net = new TestNet([A, B, C]).link(0, 1);
    const times = helloTimes(net, 0);
    net.start();
    net.run(10_000);
    const mark = times.length;
    net.link(0, 2); // C appears on a new port of A
    net.run(3000);
    const after = times.slice(mark);
    const window = after.filter((t) => t < 10_000 + 1000);
    assert.ok(window.length >= 4, `fast hellos after the change (${window.length} in a period)`);
    const settled = gaps(after.filter((t) => t >= 11_500));
    assert.ok(
      settled.every((g) => g >= 900),
      `then a period apart (${settled.join(', ')})`,
    );
  });

  it('never sends two hellos closer than minHelloGapMs, however many changes trigger them', () => {
    // Six neighbours appear at once around A: every one of them is a change that asks for a hello.
    const addresses = [A, ...[1, 2, 3, 4, 5, 6].map((k) => B + k)];
    const net = new TestNet(addresses, 3);
    for (let k = 1; k < addresses.length; k++) net.link(0, k);
    const times = helloTimes(net, 0);
    net.start();
    net.run(5000);
    const gap = net.nodes[0].config.minHelloGapMs;
    assert.ok(
      gaps(times).every((g) => g >= gap),
      `gaps ${gaps(times).join(', ')} (at least ${gap})`,
    );
    for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), []);
  });

  it('checks its configuration', () => {
    assert.throws(
      () => new TestNet([A], 1, { fastHelloMs: 2000 }),
      /fastHelloMs: expected a number in \(0, helloMs\]/,
    );
    assert.throws(
      () => new TestNet([A], 1, { minHelloGapMs: 500 }),
      /minHelloGapMs: expected a number in \[0, fastHelloMs\]/,
    );
  });
});
