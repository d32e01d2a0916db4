import assert from 'node:assert/strict';
import '../../../../../src/vrr/dht/index.ts'; // registers the DHT codecs
import { DHT_MAX_ENTRY_BYTES } from '../../../../../src/vrr/dht/index.ts';
import { DHT_FLAG_TOMBSTONE } from '../../../../../src/vrr/wire/options/dht-transfer.ts';
import { DhtOptionType, type DhtTransferOption } from '../../../../../src/vrr/wire/index.ts';
import {
  assertBadBody,
  assertRoundTrip,
  decodeOptions,
  frameWith,
  withOptionLen,
} from './option-test-kit.ts';

const TYPES = [DhtOptionType.REPLICATE, DhtOptionType.HANDOFF, DhtOptionType.RELEASE] as const;

function transfer(
  type: DhtTransferOption['type'],
  key: Uint8Array,
  value: Uint8Array,
  extra: Partial<DhtTransferOption> = {},
): DhtTransferOption {
  return {
    type,
    hopCount: 0,
    hopLimit: 64,
    reqId: 0x11223344,
    target: 0x020000000012,
    tombstone: false,
    origin: 0x02000000000a,
    version: 5,
    ttlMs: 1000,
    source: 0x020000000014,
    key,
    value,
    ...extra,
  };
}

describe('DHT_REPLICATE, DHT_HANDOFF and DHT_RELEASE options', () => {
  it('round-trip with and without TOMBSTONE, and with the largest key and value', () => {
    for (const type of TYPES) {
      for (const tombstone of [false, true]) {
        assertRoundTrip(transfer(type, Uint8Array.of(1), new Uint8Array(0), { tombstone }));
      }
      const key = new Uint8Array(255).fill(1);
      assertRoundTrip(transfer(type, key, new Uint8Array(DHT_MAX_ENTRY_BYTES - 255).fill(2)));
    }
  });

  it('lay out the Source slot at 32 and key and value from 40', () => {
    for (const type of TYPES) {
      const option = transfer(type, Uint8Array.of(0x6b), Uint8Array.of(0x76), { tombstone: true });
      const body = Array.from(frameWith(option).subarray(16));
      assert.equal(body.length, 48);
      assert.deepEqual(body.slice(0, 8), [type, 6, 0, 64, 0x11, 0x22, 0x33, 0x44]);
      assert.deepEqual(body.slice(8, 16), [2, 0, 0, 0, 0, 0x12, 1, DHT_FLAG_TOMBSTONE]);
      assert.deepEqual(body.slice(16, 32), [2, 0, 0, 0, 0, 0x0a, 0, 1, 0, 0, 0, 5, 0, 0, 3, 0xe8]);
      assert.deepEqual(body.slice(32, 40), [2, 0, 0, 0, 0, 0x14, 0, 0]);
      assert.deepEqual(body.slice(40), [0x6b, 0x76, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('ignore the Source slot extra bytes and unknown flags', () => {
    const option = transfer(DhtOptionType.HANDOFF, Uint8Array.of(1), Uint8Array.of(2));
    const frame = frameWith(option);
    frame[16 + 38] = 0xff;
    frame[16 + 15] = 0xf0;
    assert.deepEqual(decodeOptions(frame), [option]);
  });

  it('reject a key or value past Len and a Len under 40 bytes', () => {
    for (const type of TYPES) {
      const frame = frameWith(transfer(type, Uint8Array.of(1), Uint8Array.of(2)));
      frame[16 + 14] = 7; // 40 + 7 + 1 = 48 bytes: still fits
      assert.equal(decodeOptions(frame).length, 1);
      frame[16 + 14] = 8;
      assert.match(assertBadBody(frame), /8-byte key/);
      const short = withOptionLen(frameWith(transfer(type, new Uint8Array(0), new Uint8Array(0))), 4);
      assert.match(assertBadBody(short), /needs 40/);
    }
  });

  it('refuse to encode entries over the limit', () => {
    const key = new Uint8Array(1);
    assert.throws(
      () => frameWith(transfer(DhtOptionType.REPLICATE, key, new Uint8Array(DHT_MAX_ENTRY_BYTES))),
      RangeError,
    );
    assert.throws(
      () => frameWith(transfer(DhtOptionType.HANDOFF, key, new Uint8Array(0), { source: -1 })),
      RangeError,
    );
  });
});
