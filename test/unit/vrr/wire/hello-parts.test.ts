import assert from 'node:assert/strict';
import {
  decodePacket,
  encodePacket,
  helloNeighborCapacity,
  NeighborState,
  splitHello,
  type HelloOption,
  type NeighborSlot,
} from '../../../../src/vrr/wire/index.ts';

const SENDER = 0x02000000000a;

function neighbors(count: number): NeighborSlot[] {
  return Array.from({ length: count }, (_, i) => ({
    address: 0x020000000000 + i,
    state: NeighborState.LINKED_ACTIVE,
    quality: i % 256,
  }));
}

const MANY = neighbors(256); // sliced by the exhaustive MTU test, which would otherwise allocate a fresh list per case

function helloFrame(hello: HelloOption, auth = false): Uint8Array {
  return encodePacket({ kind: 'control', flags: auth ? 0x80 : 0, sender: SENDER, seq: 0, options: [hello] });
}

const reps = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ address: 0x020000000100 + i, seq: i }));

describe('helloNeighborCapacity', () => {
  it('gives the figures of a 1500-byte frame (about 180 slots) and respects the 2040-byte option limit', () => {
    assert.equal(helloNeighborCapacity(1500, 0), 184);
    assert.equal(helloNeighborCapacity(1500, 2), 182);
    assert.equal(helloNeighborCapacity(1500, 2, { auth: true }), 179);
    assert.equal(helloNeighborCapacity(9000, 0), 254);
    assert.equal(helloNeighborCapacity(9000, 2), 252);
    assert.equal(helloNeighborCapacity(24, 0), 0);
    assert.equal(helloNeighborCapacity(32, 0), 1);
    assert.equal(helloNeighborCapacity(10, 2), 0);
    assert.equal(helloNeighborCapacity(Number.NaN, 0), 0);
  });

  it('is exact for every MTU up to 2200: the capacity fits, one more neighbour does not', () => {
    for (let mtu = 24; mtu <= 2200; mtu++) {
      for (const repCount of [0, 1, 2]) {
        for (const auth of [false, true]) {
          const capacity = helloNeighborCapacity(mtu, repCount, { auth });
          const hello: HelloOption = {
            type: 1,
            active: true,
            helloSeq: 1,
            part: 0,
            parts: 1,
            reps: reps(repCount),
            neighbors: MANY.slice(0, capacity),
          };
          const overhead = 24 + 8 * repCount + (auth ? 24 : 0);
          if (overhead > mtu) {
            assert.equal(capacity, 0);
            continue;
          }
          assert.ok(helloFrame(hello, auth).length <= mtu, `mtu ${mtu} reps ${repCount} auth ${auth}`);
          const oneMore = { ...hello, neighbors: MANY.slice(0, capacity + 1) };
          let fits: boolean;
          try {
            fits = helloFrame(oneMore, auth).length <= mtu;
          } catch {
            fits = false; // the option limit refused it
          }
          assert.ok(!fits, `mtu ${mtu} reps ${repCount} auth ${auth}: ${capacity + 1} would still fit`);
        }
      }
    }
  });

  it('refuses a RepCount outside 0-2', () => {
    assert.throws(() => helloNeighborCapacity(1500, 3), RangeError);
  });
});

describe('splitHello (a multi-part hello)', () => {
  it('splits 500 neighbours into 3 parts of at most 1500 bytes that reassemble to the list', () => {
    const all = neighbors(500);
    const capacity = helloNeighborCapacity(1500, 2);
    const parts = splitHello({ active: true, helloSeq: 77, reps: reps(2), neighbors: all }, capacity);
    assert.equal(parts.length, 3);
    const received: NeighborSlot[] = [];
    parts.forEach((part, index) => {
      const frame = helloFrame(part);
      assert.ok(frame.length <= 1500);
      const result = decodePacket(frame);
      assert.ok(result.ok && result.packet.kind === 'control');
      const hello = result.packet.options[0] as HelloOption;
      assert.equal(hello.helloSeq, 77);
      assert.equal(hello.part, index);
      assert.equal(hello.parts, 3);
      assert.deepEqual(hello.reps, reps(2), 'every part repeats the representatives');
      received.push(...hello.neighbors);
    });
    assert.deepEqual(received, all);
  });

  it('makes one part for a hello that fits, including an empty one', () => {
    assert.equal(
      splitHello({ active: false, helloSeq: 1, reps: [], neighbors: neighbors(184) }, 184).length,
      1,
    );
    const [only] = splitHello({ active: false, helloSeq: 1, reps: [], neighbors: [] }, 0);
    assert.deepEqual([only.part, only.parts, only.neighbors.length], [0, 1, 0]);
  });

  it('refuses a list needing more than 15 parts', () => {
    assert.doesNotThrow(() =>
      splitHello({ active: true, helloSeq: 1, reps: [], neighbors: neighbors(15 * 10) }, 10),
    );
    assert.throws(
      () => splitHello({ active: true, helloSeq: 1, reps: [], neighbors: neighbors(15 * 10 + 1) }, 10),
      RangeError,
    );
    assert.throws(
      () => splitHello({ active: true, helloSeq: 1, reps: [], neighbors: neighbors(1) }, 0),
      RangeError,
    );
  });
});
