import assert from 'node:assert/strict';
import '../../../../../src/vrr/dht/index.ts'; // registers the DHT codecs
import { DHT_MAX_ENTRY_BYTES } from '../../../../../src/vrr/dht/index.ts';
import {
  DhtOptionType,
  DhtStatus,
  type DhtReplyOption,
  type DhtStatusValue,
} from '../../../../../src/vrr/wire/index.ts';
import {
  assertBadBody,
  assertRoundTrip,
  decodeOptions,
  frameWith,
  withOptionLen,
} from './option-test-kit.ts';

function reply(value: Uint8Array, extra: Partial<DhtReplyOption> = {}): DhtReplyOption {
  return {
    type: DhtOptionType.REPLY,
    hopCount: 1,
    hopLimit: 64,
    reqId: 0xdeadbeef,
    target: 0x02000000000a,
    requestHops: 7,
    status: DhtStatus.OK,
    owner: 0x020000000014,
    version: 3,
    ttlMs: 0,
    value,
    ...extra,
  };
}

describe('DHT_REPLY option', () => {
  it('round-trips every status, with empty and largest values', () => {
    for (const status of Object.values(DhtStatus)) {
      assertRoundTrip(reply(new Uint8Array(0), { status }));
      assertRoundTrip(reply(new Uint8Array(DHT_MAX_ENTRY_BYTES).fill(7), { status }));
    }
  });

  it('lays out RequestHops, Status, Owner, ValueLen, Version, TtlMs, value', () => {
    const body = Array.from(frameWith(reply(Uint8Array.of(0x76), { ttlMs: 0x0102 })).subarray(16));
    assert.deepEqual(body.slice(0, 8), [0x13, 5, 1, 64, 0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual(body.slice(8, 16), [2, 0, 0, 0, 0, 0x0a, 7, DhtStatus.OK]);
    assert.deepEqual(body.slice(16, 32), [2, 0, 0, 0, 0, 0x14, 0, 1, 0, 0, 0, 3, 0, 0, 1, 2]);
    assert.deepEqual(body.slice(32), [0x76, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('rejects an unknown Status, a value past Len and a Len under 32 bytes', () => {
    const frame = frameWith(reply(Uint8Array.of(1)));
    frame[16 + 15] = 4;
    assert.match(assertBadBody(frame), /unknown Status 4/);
    const long = frameWith(reply(Uint8Array.of(1)));
    long[16 + 23] = 9;
    assert.match(assertBadBody(long), /9-byte value/);
    assert.match(assertBadBody(withOptionLen(frameWith(reply(new Uint8Array(0))), 3)), /needs 32/);
    assert.equal(decodeOptions(frameWith(reply(Uint8Array.of(1)))).length, 1);
  });

  it('refuses to encode an unknown status, a value over the limit or hops over 255', () => {
    assert.throws(() => frameWith(reply(new Uint8Array(0), { status: 9 as DhtStatusValue })), /status/);
    assert.throws(() => frameWith(reply(new Uint8Array(DHT_MAX_ENTRY_BYTES + 1))), RangeError);
    assert.throws(() => frameWith(reply(new Uint8Array(0), { requestHops: 256 })), RangeError);
  });
});
