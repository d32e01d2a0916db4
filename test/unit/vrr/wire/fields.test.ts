import assert from 'node:assert/strict';
import { checkUint, hexByte, readU16, readU32, writeU16, writeU32 } from '../../../../src/vrr/wire/fields.ts';

describe('integer fields', () => {
  it('read and write big-endian u16 and u32 across the whole range', () => {
    const bytes = new Uint8Array(6);
    for (const value of [0, 1, 0x7fffffff, 0x80000000, 0xdeadbeef, 0xffffffff]) {
      writeU32(bytes, 1, value);
      assert.equal(readU32(bytes, 1), value);
    }
    writeU32(bytes, 0, 0x01020304);
    assert.deepEqual(Array.from(bytes.subarray(0, 4)), [1, 2, 3, 4]);
    for (const value of [0, 0x00ff, 0xff00, 0xffff]) {
      writeU16(bytes, 3, value);
      assert.equal(readU16(bytes, 3), value);
    }
  });

  it('checkUint accepts [0, max] integers only', () => {
    assert.doesNotThrow(() => checkUint(0, 1, 'x'));
    assert.doesNotThrow(() => checkUint(255, 255, 'x'));
    for (const bad of [-1, 256, 1.5, Number.NaN, Infinity])
      assert.throws(() => checkUint(bad, 255, 'field'), /field/);
  });

  it('hexByte gives two digits', () => {
    assert.equal(hexByte(5), '05');
    assert.equal(hexByte(0xab), 'ab');
  });
});
