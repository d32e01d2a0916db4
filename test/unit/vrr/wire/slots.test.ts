import assert from 'node:assert/strict';
import {
  checkAddress,
  readAddressList,
  writeAddressList,
  writeSlot,
} from '../../../../src/vrr/wire/slots.ts';

describe('address slots', () => {
  it('write the address and the 2 extra bytes; lists use zero extra bytes', () => {
    const bytes = new Uint8Array(24);
    writeSlot(bytes, 0, 0x0200000000ff, 0x1234, 'a');
    assert.deepEqual(Array.from(bytes.subarray(0, 8)), [2, 0, 0, 0, 0, 0xff, 0x12, 0x34]);
    const end = writeAddressList(bytes, 8, [2 ** 48 - 1, 0], 'list');
    assert.equal(end, 24);
    assert.deepEqual(Array.from(bytes.subarray(8, 16)), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0]);
    assert.deepEqual(readAddressList(bytes, 8, 2), [2 ** 48 - 1, 0]);
  });

  it('refuse anything that is not a 48-bit address', () => {
    for (const bad of [-1, 2 ** 48, 0.5, Number.NaN]) assert.throws(() => checkAddress(bad, 'addr'), /addr/);
    assert.doesNotThrow(() => checkAddress(2 ** 48 - 1, 'addr'));
  });
});
