import assert from 'node:assert/strict';
import { OptionType, TEARDOWN_FLAG_VSET, type TeardownOption } from '../../../../../src/vrr/wire/index.ts';
import {
  assertBadBody,
  assertRoundTrip,
  decodeOptions,
  frameWith,
  withOptionLen,
} from './option-test-kit.ts';

const MAX_ADDRESS = 2 ** 48 - 1;

function teardown(vset: number[] | null, pathId = 0xffffffff): TeardownOption {
  return { type: OptionType.TEARDOWN, pathId, ea: MAX_ADDRESS, vset };
}

describe('TEARDOWN option', () => {
  it('round-trips without a vset (null), with an empty one and with the largest (253 slots)', () => {
    const big = Array.from({ length: 253 }, (_, i) => i);
    for (const vset of [null, [], [1, MAX_ADDRESS], big]) assertRoundTrip(teardown(vset));
    assertRoundTrip(teardown(null, 0));
  });

  it('sends VSET clear and VsetCount 0 for null, VSET set for an empty vset', () => {
    assert.deepEqual(
      Array.from(frameWith(teardown(null, 0x0a0b0c0d)).subarray(16, 24)),
      [5, 2, 0, 0, 10, 11, 12, 13],
    );
    assert.deepEqual(Array.from(frameWith(teardown([], 1)).subarray(16, 20)), [5, 2, 0, TEARDOWN_FLAG_VSET]);
  });

  it('ignores unknown flag bits', () => {
    const frame = frameWith(teardown(null));
    frame[16 + 3] = 0xfe;
    assert.deepEqual(decodeOptions(frame), [teardown(null)]);
  });

  it('rejects a VsetCount without the VSET flag, a count that does not fit, and a Len under 16 bytes', () => {
    const noFlag = frameWith(teardown([1]));
    noFlag[16 + 3] = 0;
    assert.match(assertBadBody(noFlag), /without the VSET flag/);
    const tooMany = frameWith(teardown([1]));
    tooMany[16 + 2] = 2;
    assert.match(assertBadBody(tooMany), /2 vset slots/);
    assert.match(assertBadBody(withOptionLen(frameWith(teardown(null)), 1)), /needs 16 bytes/);
  });

  it('refuses to encode a pathId beyond u32, a vset beyond 253 slots, or a bad address', () => {
    assert.throws(() => frameWith(teardown(null, 2 ** 32)), RangeError);
    assert.throws(() => frameWith(teardown(new Array(254).fill(1))), RangeError);
    assert.throws(() => frameWith({ ...teardown(null), ea: -1 }), RangeError);
  });
});
