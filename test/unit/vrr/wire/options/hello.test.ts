import assert from 'node:assert/strict';
import { NeighborState, OptionType, type HelloOption } from '../../../../../src/vrr/wire/index.ts';
import {
  assertBadBody,
  assertRoundTrip,
  decodeOptions,
  frameWith,
  withOptionLen,
} from './option-test-kit.ts';

const MAX_ADDRESS = 2 ** 48 - 1;

function hello(overrides: Partial<HelloOption> = {}): HelloOption {
  return {
    type: OptionType.HELLO,
    active: true,
    helloSeq: 0xffff,
    part: 14,
    parts: 15,
    reps: [
      { address: MAX_ADDRESS, seq: 0xffff },
      { address: 0, seq: 0 },
    ],
    neighbors: [
      { address: MAX_ADDRESS, state: NeighborState.LINKED_ACTIVE, quality: 255 },
      { address: 0x020000000002, state: NeighborState.LINKED_INACTIVE, quality: 0 },
      { address: 0x020000000003, state: NeighborState.PENDING, quality: 128 },
    ],
    ...overrides,
  };
}

describe('HELLO option', () => {
  it('round-trips extreme field values', () => {
    assertRoundTrip(hello());
    assertRoundTrip(hello({ active: false, helloSeq: 0, part: 0, parts: 1, reps: [], neighbors: [] }));
  });

  it('round-trips the largest hello one option can hold (2 reps + 252 neighbours = 2040 bytes)', () => {
    const neighbors = Array.from({ length: 252 }, (_, i) => ({
      address: 0x020000000000 + i,
      state: NeighborState.PENDING,
      quality: i,
    }));
    const option = hello({ neighbors });
    assert.equal(frameWith(option).length, 16 + 2040);
    assertRoundTrip(option);
  });

  it('lays out Flags, RepCount, HelloSeq, NeighborCount and Part|Parts as specified', () => {
    const frame = frameWith(hello({ helloSeq: 0x1234, part: 2, parts: 5 }));
    assert.deepEqual(Array.from(frame.subarray(16, 24)), [0x01, 6, 0x01, 2, 0x12, 0x34, 3, 0x25]);
  });

  it('ignores unknown flag bits and extra body bytes beyond the slots', () => {
    const frame = withOptionLen(frameWith(hello({ reps: [], neighbors: [] })), 3);
    frame[18] = 0xfe; // ACTIVE clear, other bits set
    const [decoded] = decodeOptions(frame) as HelloOption[];
    assert.deepEqual(decoded, hello({ reps: [], neighbors: [], active: false }));
  });

  it('rejects a body whose counts do not fit in Len', () => {
    const frame = frameWith(hello());
    frame[16 + 6] = 4; // 4 neighbours listed, 3 present
    assert.match(assertBadBody(frame), /3 neighbours|4 neighbours/);
  });

  it('rejects RepCount above 2, Parts 0, Part >= Parts and an unknown neighbour state', () => {
    const cases: Array<[number, number]> = [
      [16 + 3, 3], // RepCount 3
      [16 + 7, 0x00], // Parts 0
      [16 + 7, 0x33], // Part 3 of 3
      [16 + 8 + 16 + 6, 0], // first neighbour's state 0
      [16 + 8 + 16 + 6, 4], // first neighbour's state 4
    ];
    for (const [offset, value] of cases) {
      const frame = frameWith(hello());
      frame[offset] = value;
      assertBadBody(frame);
    }
  });

  it('refuses to encode values its fields cannot hold', () => {
    const bad: HelloOption[] = [
      hello({
        reps: [
          { address: 1, seq: 0 },
          { address: 2, seq: 0 },
          { address: 3, seq: 0 },
        ],
      }),
      hello({ helloSeq: 0x10000 }),
      hello({ parts: 16, part: 0 }),
      hello({ parts: 0, part: 0 }),
      hello({ parts: 2, part: 2 }),
      hello({ reps: [{ address: 1, seq: 0x10000 }] }),
      hello({ neighbors: [{ address: 1, state: 4 as 1, quality: 0 }] }),
      hello({ neighbors: [{ address: 1, state: 1, quality: 256 }] }),
      hello({ neighbors: [{ address: 2 ** 48, state: 1, quality: 0 }] }),
      hello({
        reps: [],
        neighbors: Array.from({ length: 256 }, () => ({ address: 1, state: 1 as const, quality: 0 })),
      }),
      hello({
        reps: [],
        neighbors: Array.from({ length: 255 }, () => ({ address: 1, state: 1 as const, quality: 0 })),
      }),
    ];
    for (const option of bad) assert.throws(() => frameWith(option), RangeError);
  });
});
