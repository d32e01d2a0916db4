import assert from 'node:assert/strict';
import '../../../../../src/vrr/dht/index.ts'; // registers the DHT codecs
import { DHT_MAX_ENTRY_BYTES } from '../../../../../src/vrr/dht/index.ts';
import { DHT_FLAG_VERSION } from '../../../../../src/vrr/wire/options/dht-request.ts';
import { DhtOptionType, type DhtRequestOption } from '../../../../../src/vrr/wire/index.ts';
import {
  assertBadBody,
  assertRoundTrip,
  decodeOptions,
  frameWith,
  withOptionLen,
} from './option-test-kit.ts';

const MAX_ADDRESS = 2 ** 48 - 1;
const TYPES = [DhtOptionType.PUT, DhtOptionType.GET, DhtOptionType.DELETE] as const;

function request(
  type: DhtRequestOption['type'],
  key: Uint8Array,
  value: Uint8Array,
  extra: Partial<DhtRequestOption> = {},
): DhtRequestOption {
  return {
    type,
    hopCount: 255,
    hopLimit: 255,
    reqId: 0xffffffff,
    target: MAX_ADDRESS,
    origin: 0x020000000001,
    explicitVersion: true,
    version: 0xffffffff,
    ttlMs: 0xffffffff,
    key,
    value,
    ...extra,
  };
}

const bytesOf = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);

describe('DHT_PUT, DHT_GET and DHT_DELETE options', () => {
  it('round-trip with empty, short and largest keys and values', () => {
    for (const type of TYPES) {
      assertRoundTrip(request(type, bytesOf(0), bytesOf(0), { explicitVersion: false, version: 0 }));
      assertRoundTrip(request(type, bytesOf(1), bytesOf(3)));
      assertRoundTrip(request(type, bytesOf(255), bytesOf(DHT_MAX_ENTRY_BYTES - 255)));
      assertRoundTrip(request(type, bytesOf(1), bytesOf(DHT_MAX_ENTRY_BYTES - 1), { hopCount: 0, reqId: 0 }));
    }
  });

  it('share one layout: routed header, KeyLen, Flags, Origin, ValueLen, Version, TtlMs, key, value', () => {
    for (const type of TYPES) {
      const option = request(type, Uint8Array.of(0x6b), Uint8Array.of(1, 2), {
        hopCount: 3,
        hopLimit: 64,
        reqId: 0x0a0b0c0d,
        target: 0x020000000007,
        version: 0x01020304,
        ttlMs: 0x05060708,
      });
      const body = Array.from(frameWith(option).subarray(16));
      assert.equal(body.length, 40, '35 bytes padded to 40');
      assert.deepEqual(body.slice(0, 8), [type, 5, 3, 64, 10, 11, 12, 13]);
      assert.deepEqual(body.slice(8, 16), [2, 0, 0, 0, 0, 7, 1, DHT_FLAG_VERSION]);
      assert.deepEqual(body.slice(16, 24), [2, 0, 0, 0, 0, 1, 0, 2]);
      assert.deepEqual(body.slice(24, 32), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(body.slice(32), [0x6b, 1, 2, 0, 0, 0, 0, 0]);
    }
  });

  it('decode key and value as views into the frame, and ignore unknown flag bits and padding', () => {
    const option = request(DhtOptionType.PUT, Uint8Array.of(9), Uint8Array.of(8));
    const frame = frameWith(option);
    frame[16 + 15] |= 0xfe;
    frame[16 + 39] = 0xcc;
    const [decoded] = decodeOptions(frame) as DhtRequestOption[];
    assert.deepEqual(decoded, option);
    assert.equal(decoded.key.buffer, frame.buffer);
  });

  it('reject a key or value running past Len, and a Len under 32 bytes', () => {
    for (const type of TYPES) {
      const frame = frameWith(request(type, bytesOf(2), bytesOf(5)));
      frame[16 + 14] = 3; // KeyLen 3 + ValueLen 5 + 32 = 40: still fits
      assert.equal(decodeOptions(frame).length, 1);
      frame[16 + 23] = 6; // ValueLen 6: 41 bytes in a 40-byte option
      assert.match(assertBadBody(frame), /3-byte key and a 6-byte value/);
      assert.match(
        assertBadBody(withOptionLen(frameWith(request(type, bytesOf(0), bytesOf(0))), 3)),
        /needs 32/,
      );
    }
  });

  it('refuse to encode a key over 255 bytes, key + value over the limit, or fields out of range', () => {
    const put = DhtOptionType.PUT;
    assert.throws(() => frameWith(request(put, bytesOf(256), bytesOf(0))), /at most 255 bytes/);
    assert.throws(
      () => frameWith(request(put, bytesOf(10), bytesOf(DHT_MAX_ENTRY_BYTES - 9))),
      /at most 2000/,
    );
    assert.throws(() => frameWith(request(put, bytesOf(1), bytesOf(0), { hopCount: 256 })), RangeError);
    assert.throws(() => frameWith(request(put, bytesOf(1), bytesOf(0), { reqId: 2 ** 32 })), RangeError);
    assert.throws(() => frameWith(request(put, bytesOf(1), bytesOf(0), { version: -1 })), RangeError);
    assert.throws(() => frameWith(request(put, bytesOf(1), bytesOf(0), { ttlMs: 2 ** 32 })), RangeError);
    assert.throws(() => frameWith(request(put, bytesOf(1), bytesOf(0), { origin: 2 ** 48 })), RangeError);
    assert.throws(() => frameWith(request(put, bytesOf(1), bytesOf(0), { target: 0.5 })), RangeError);
  });
});
