import assert from 'node:assert/strict';
import {
  OptionType,
  type SetupFailOption,
  type SetupOption,
  type SetupReqOption,
} from '../../../../../src/vrr/wire/index.ts';
import {
  assertBadBody,
  assertRoundTrip,
  decodeOptions,
  frameWith,
  withOptionLen,
} from './option-test-kit.ts';

const MAX_ADDRESS = 2 ** 48 - 1;
type SetupFamily = SetupReqOption | SetupOption | SetupFailOption;

function family(vset: number[], id = 0xffffffff): SetupFamily[] {
  const ends = { src: MAX_ADDRESS, dst: 0x020000000001, proxy: 0 };
  return [
    { type: OptionType.SETUP_REQ, token: id, ...ends, vset },
    { type: OptionType.SETUP, pathId: id, ...ends, vset },
    { type: OptionType.SETUP_FAIL, token: id, ...ends, vset },
  ];
}

describe('SETUP_REQ, SETUP and SETUP_FAIL options', () => {
  it('round-trip with empty, small and largest (251-slot) vsets', () => {
    const big = Array.from({ length: 251 }, (_, i) => 0x020000000000 + i);
    for (const vset of [[], [1, MAX_ADDRESS], big])
      for (const option of family(vset)) assertRoundTrip(option);
    for (const option of family([], 0)) assertRoundTrip(option);
  });

  it('share one layout: VsetCount, Token/PathId, Src, Dst, Proxy, vset slots with zero extra bytes', () => {
    for (const option of family([0x020000000005], 0x01020304)) {
      const body = Array.from(frameWith(option).subarray(16));
      assert.deepEqual(body.slice(0, 8), [option.type, 5, 1, 0, 1, 2, 3, 4]);
      assert.deepEqual(body.slice(8, 16), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0]);
      assert.deepEqual(body.slice(32, 40), [2, 0, 0, 0, 0, 5, 0, 0]);
    }
  });

  it('ignore the Reserved byte and slot extra bytes on receipt', () => {
    for (const option of family([7])) {
      const frame = frameWith(option);
      frame[16 + 3] = 0xaa;
      frame[16 + 8 + 6] = 0xbb;
      frame[16 + 32 + 7] = 0xcc;
      assert.deepEqual(decodeOptions(frame), [option]);
    }
  });

  it('reject a VsetCount that does not fit in Len, and a Len under 32 bytes', () => {
    for (const option of family([7, 8])) {
      const frame = frameWith(option);
      frame[16 + 2] = 3;
      assert.match(assertBadBody(frame), /3 vset slots/);
      assert.match(assertBadBody(withOptionLen(frameWith(option), 3)), /needs 32 bytes/);
    }
  });

  it('refuse to encode an id beyond u32 or a vset beyond 251 slots', () => {
    for (const option of family([], 2 ** 32)) assert.throws(() => frameWith(option), RangeError);
    for (const option of family(new Array(252).fill(1))) assert.throws(() => frameWith(option), RangeError);
    for (const option of family([2 ** 48])) assert.throws(() => frameWith(option), RangeError);
  });
});
