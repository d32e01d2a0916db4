import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { formatAddress, isGroupAddress, isNodeAddress } from '../../../../src/vrr/address.ts';
import { hashKey, keyBytes, keyId } from '../../../../src/vrr/dht/index.ts';

describe('hashKey', () => {
  it('is the first 6 bytes of SHA-256 with the first octet made locally administered unicast', () => {
    assert.equal(formatAddress(hashKey('k')), '82:54:c3:29:a9:28');
    // SHA-256("hello") starts 2c f2 4d ba 5f b0: 0x2c gets bit 0x02.
    assert.equal(createHash('sha256').update('hello').digest('hex').slice(0, 12), '2cf24dba5fb0');
    assert.equal(formatAddress(hashKey('hello')), '2e:f2:4d:ba:5f:b0');
  });

  it('hashes a string as its UTF-8 bytes', () => {
    assert.equal(hashKey('héllo'), hashKey(new TextEncoder().encode('héllo')));
    assert.deepEqual(keyBytes('é'), Uint8Array.of(0xc3, 0xa9));
  });

  it('gives node-like addresses spread over the whole ring', () => {
    const firstOctets = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const h = hashKey(`key-${i}`);
      assert.ok(isNodeAddress(h) && !isGroupAddress(h), formatAddress(h));
      firstOctets.add(Math.floor(h / 2 ** 40));
    }
    assert.ok(firstOctets.size > 60, `only ${firstOctets.size} of the 64 possible first octets`);
  });

  it('names key bytes by their hex for maps', () => {
    assert.equal(keyId(Uint8Array.of(0, 0xab)), '00ab');
    assert.equal(keyId(new Uint8Array([9, 1, 2]).subarray(1)), '0102');
  });
});
