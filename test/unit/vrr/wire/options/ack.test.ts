import assert from 'node:assert/strict';
import { OptionType } from '../../../../../src/vrr/wire/index.ts';
import { assertRoundTrip, decodeOptions, frameWith, withOptionLen } from './option-test-kit.ts';

describe('ACK option', () => {
  it('round-trips every edge Sequence', () => {
    for (const seq of [0, 1, 0x7fff, 0xffff]) assertRoundTrip({ type: OptionType.ACK, seq });
  });

  it('is 8 bytes: Type, Len=1, Sequence, 4 reserved zero bytes', () => {
    assert.deepEqual(
      Array.from(frameWith({ type: OptionType.ACK, seq: 0x0102 }).subarray(16)),
      [6, 1, 1, 2, 0, 0, 0, 0],
    );
  });

  it('accepts a longer Len and nonzero reserved bytes (ignored)', () => {
    const frame = withOptionLen(frameWith({ type: OptionType.ACK, seq: 9 }), 2);
    frame.fill(0xee, 16 + 4);
    assert.deepEqual(decodeOptions(frame), [{ type: OptionType.ACK, seq: 9 }]);
  });

  it('refuses to encode a Sequence beyond u16', () => {
    assert.throws(() => frameWith({ type: OptionType.ACK, seq: 0x10000 }), RangeError);
    assert.throws(() => frameWith({ type: OptionType.ACK, seq: -1 }), RangeError);
  });
});
