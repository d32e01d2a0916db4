import assert from 'node:assert/strict';
import { parseAddress } from '../../../../src/vrr/address.ts';
import {
  authTagOffset,
  decodePacket,
  encodePacket,
  FLAG_AUTH,
  OptionType,
  type DecodeResult,
  type DropReason,
  type Packet,
} from '../../../../src/vrr/wire/index.ts';
import { fromHex } from './hex.ts';
import { VECTORS } from './vectors.ts';

const ACK_PACKET: Packet = {
  kind: 'control',
  flags: 0,
  sender: parseAddress('02:00:00:00:00:0b'),
  seq: 0,
  options: [{ type: OptionType.ACK, seq: 2 }],
};

function assertDrop(result: DecodeResult, reason: DropReason): void {
  assert.equal(result.ok, false, `expected a ${reason} drop, got ${JSON.stringify(result)}`);
  if (!result.ok) {
    assert.equal(result.reason, reason, result.detail);
    assert.ok(result.detail.length > 0);
  }
}

function withTotalLength(frame: Uint8Array, totalLength: number): Uint8Array {
  const copy = frame.slice();
  copy[2] = totalLength >>> 8;
  copy[3] = totalLength & 0xff;
  return copy;
}

describe('decodePacket: common header', () => {
  it('drops frames shorter than the common header as too-short', () => {
    for (const length of [0, 1, 2, 3])
      assertDrop(decodePacket(new Uint8Array(length).fill(0x10)), 'too-short');
  });

  it('drops a control frame shorter than 16 bytes and a data frame shorter than 20 as too-short', () => {
    assertDrop(decodePacket(fromHex('10 00 00 10 02 00 00 00 00 0b')), 'too-short');
    assertDrop(decodePacket(fromHex('11 00 00 14 40 00 08 00 02 00 00 00 00 0a 02 00')), 'too-short');
  });

  it('drops any version but 1 as bad-version', () => {
    for (const first of [0x00, 0x20, 0xf0, 0x21]) {
      const frame = encodePacket(ACK_PACKET);
      frame[0] = first;
      assertDrop(decodePacket(frame), 'bad-version');
    }
  });

  it('drops kinds other than 0 and 1 as bad-kind', () => {
    for (const first of [0x12, 0x1f]) {
      const frame = encodePacket(ACK_PACKET);
      frame[0] = first;
      assertDrop(decodePacket(frame), 'bad-kind');
    }
  });

  it('drops a Total Length below the header or beyond the frame as bad-length', () => {
    const frame = encodePacket(ACK_PACKET);
    assertDrop(decodePacket(withTotalLength(frame, 15)), 'bad-length');
    assertDrop(decodePacket(withTotalLength(frame, 0)), 'bad-length');
    assertDrop(decodePacket(withTotalLength(frame, frame.length + 1)), 'bad-length');
    assertDrop(decodePacket(frame.subarray(0, frame.length - 1)), 'bad-length');
    const data = fromHex(VECTORS.find((v) => v.packet.kind === 'data')!.hex);
    assertDrop(decodePacket(withTotalLength(data, 19)), 'bad-length');
  });

  it('drops an AUTH packet too short to hold header and tag as bad-length', () => {
    const control = encodePacket(ACK_PACKET); // 24 bytes: AUTH would need 16 + 24
    control[1] = FLAG_AUTH;
    assertDrop(decodePacket(control), 'bad-length');
    const data = encodePacket({ ...VECTORS[7].packet, flags: FLAG_AUTH } as Packet).subarray(0, 28);
    assertDrop(decodePacket(withTotalLength(data, 28)), 'bad-length');
  });

  it('accepts the shortest packets: a control packet without options, a data packet without payload', () => {
    const control = decodePacket(fromHex('10 00 00 10 02 00 00 00 00 0b 00 00 00 00 00 00'));
    assert.ok(control.ok && control.packet.kind === 'control' && control.packet.options.length === 0);
    assert.equal(control.ok && control.truncated, undefined);
    const data = decodePacket(fromHex('11 00 00 14 40 00 08 00 02 00 00 00 00 0a 02 00 00 00 00 14'));
    assert.ok(data.ok && data.packet.kind === 'data' && data.packet.payload.length === 0);
  });

  it('ignores bytes past Total Length (Ethernet padding), zero or not', () => {
    for (const vector of VECTORS) {
      const bytes = fromHex(vector.hex);
      const expected = decodePacket(bytes);
      for (const fill of [0x00, 0xff, 0x01]) {
        const padded = new Uint8Array(Math.max(60, bytes.length + 7)).fill(fill);
        padded.set(bytes);
        assert.deepEqual(decodePacket(padded), expected, `${vector.name}, padding 0x${fill.toString(16)}`);
      }
    }
  });

  it('ignores reserved flag bits and reserved bytes on receipt, and sends them as zero', () => {
    const frame = encodePacket(ACK_PACKET);
    frame[1] = 0x7f;
    frame.fill(0xee, 12, 16); // control Reserved
    frame.fill(0xee, 20, 24); // ACK Reserved
    const result = decodePacket(frame);
    assert.ok(result.ok);
    assert.equal(result.packet.flags, 0x7f, 'decoded flags are reported as received');
    assert.deepEqual({ ...result.packet, flags: 0 }, ACK_PACKET);
    const again = encodePacket(result.packet);
    assert.equal(again[1], 0);
    assert.deepEqual(again, encodePacket(ACK_PACKET));
  });

  it('decodes Buffers and subarray views at any offset', () => {
    const bytes = fromHex(VECTORS[0].hex);
    const big = Buffer.alloc(bytes.length + 13);
    big.set(bytes, 13);
    const result = decodePacket(big.subarray(13));
    assert.ok(result.ok);
    assert.deepEqual(result.packet, VECTORS[0].packet);
  });
});

describe('decodePacket: AUTH tag', () => {
  it('exposes the last 24 bytes as authTag and does not parse them as options', () => {
    // A tag whose bytes would read as a Len-0 option if the codec parsed them.
    const tag = new Uint8Array(24);
    const packet: Packet = { ...ACK_PACKET, flags: FLAG_AUTH, authTag: tag };
    const result = decodePacket(encodePacket(packet));
    assert.ok(result.ok);
    assert.equal(result.truncated, undefined);
    assert.deepEqual(result.packet, packet);
  });

  it('keeps the tag out of a data payload', () => {
    const vector = VECTORS.find((v) => v.packet.kind === 'data' && v.packet.authTag)!;
    const result = decodePacket(fromHex(vector.hex));
    assert.ok(result.ok && result.packet.kind === 'data');
    assert.deepEqual(result.packet.payload, Uint8Array.of(0x60, 0, 0, 0));
    assert.equal(result.packet.authTag?.length, 24);
  });

  it('reserves 24 zero bytes at authTagOffset when FLAG_AUTH is set without a tag (the signer fills them)', () => {
    const frame = encodePacket({ ...ACK_PACKET, flags: FLAG_AUTH });
    assert.equal(frame.length, 24 + 24);
    assert.equal(frame[1], FLAG_AUTH);
    assert.equal(authTagOffset(frame.length), 24);
    assert.deepEqual(frame.subarray(24), new Uint8Array(24));
  });

  it('sends AUTH whenever a tag is given, and refuses a tag that is not 24 bytes', () => {
    assert.equal(encodePacket({ ...ACK_PACKET, authTag: new Uint8Array(24) })[1], FLAG_AUTH);
    assert.throws(() => encodePacket({ ...ACK_PACKET, authTag: new Uint8Array(15) }), RangeError);
  });
});

describe('encodePacket', () => {
  it('sets Total Length to the encoded size', () => {
    for (const vector of VECTORS.filter((v) => v.encodable)) {
      const frame = encodePacket(vector.packet);
      assert.equal((frame[2] << 8) | frame[3], frame.length, vector.name);
    }
  });

  it('refuses values its fields cannot hold', () => {
    const bad: Packet[] = [
      { ...ACK_PACKET, seq: 0x10000 },
      { ...ACK_PACKET, sender: 2 ** 48 },
      { ...ACK_PACKET, sender: -1 },
      { ...ACK_PACKET, sender: 1.5 },
      { ...(VECTORS[7].packet as Packet & { kind: 'data' }), hopLimit: 256 },
      { ...(VECTORS[7].packet as Packet & { kind: 'data' }), nextHeader: 0x10000 },
      { ...(VECTORS[7].packet as Packet & { kind: 'data' }), payload: new Uint8Array(0xffff - 19) },
    ];
    for (const packet of bad)
      assert.throws(() => encodePacket(packet), RangeError, JSON.stringify(packet).slice(0, 80));
  });

  it('refuses a control packet longer than 65535 bytes', () => {
    const teardown = { type: OptionType.TEARDOWN, pathId: 1, ea: 1, vset: new Array(253).fill(1) } as const;
    const options = new Array(33).fill(teardown); // 33 * 2040 > 65535
    assert.throws(() => encodePacket({ ...ACK_PACKET, options }), RangeError);
  });
});
