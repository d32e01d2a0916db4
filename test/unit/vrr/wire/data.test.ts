import assert from 'node:assert/strict';
import { createRng } from '../../../../src/vrr/rng.ts';
import { DataFlag, decodePacket, encodePacket, type DataPacket } from '../../../../src/vrr/wire/index.ts';
import { randomPacket } from './random-packets.ts';

describe('data packets', () => {
  it('round-trip with every header field', () => {
    const rng = createRng(11);
    let seen = 0;
    while (seen < 300) {
      const packet = randomPacket(rng);
      if (packet.kind !== 'data') continue;
      seen++;
      const result = decodePacket(encodePacket(packet));
      assert.ok(result.ok);
      assert.deepEqual(result.packet, packet);
      assert.deepEqual(result.unknownOptions, []);
    }
  });

  it('exposes the payload as a view into the frame, not a copy', () => {
    const packet: DataPacket = {
      kind: 'data',
      flags: 0,
      hopLimit: 1,
      dataFlags: DataFlag.KEY | DataFlag.GROUP,
      nextHeader: 0x86dd,
      src: 2 ** 48 - 1,
      dst: 0,
      payload: Uint8Array.of(1, 2, 3),
    };
    const frame = encodePacket(packet);
    const result = decodePacket(frame);
    assert.ok(result.ok && result.packet.kind === 'data');
    assert.equal(result.packet.payload.buffer, frame.buffer);
    assert.equal(result.packet.payload.byteOffset, frame.byteOffset + 20);
    assert.equal(result.packet.dataFlags, 0x03);
    assert.equal(result.packet.src, 2 ** 48 - 1);
  });

  it('carries the largest payload Total Length allows', () => {
    const payload = new Uint8Array(0xffff - 20).fill(0x5a);
    const packet: DataPacket = {
      kind: 'data',
      flags: 0,
      hopLimit: 64,
      dataFlags: 0,
      nextHeader: 0x0800,
      src: 1,
      dst: 2,
      payload,
    };
    const frame = encodePacket(packet);
    assert.equal(frame.length, 0xffff);
    const result = decodePacket(frame);
    assert.ok(result.ok && result.packet.kind === 'data' && result.packet.payload.length === payload.length);
  });
});
