import assert from 'node:assert/strict';
import {
  checkUint,
  createOptionRegistry,
  decodePacket,
  defaultOptionRegistry,
  encodePacket,
  MalformedOption,
  OptionType,
  readU32,
  writeU32,
  type KnownOption,
  type OptionCodec,
} from '../../../../src/vrr/wire/index.ts';

/** A stand-in for a DHT option (0x10): a key and a variable-length value. */
interface TestPutOption {
  type: 0x10;
  key: number;
  value: Uint8Array;
}

const testPutCodec: OptionCodec<TestPutOption> = {
  type: 0x10,
  name: 'TEST_PUT',
  length: (option) => 8 + option.value.length,
  write(option, out, start) {
    checkUint(option.value.length, 0xff, 'TEST_PUT value.length');
    out[start + 2] = option.value.length;
    writeU32(out, start + 4, option.key);
    out.set(option.value, start + 8);
  },
  read(frame, start, length) {
    const size = frame[start + 2];
    if (8 + size > length) return new MalformedOption(`TEST_PUT value of ${size} bytes, Len holds ${length}`);
    return { type: 0x10, key: readU32(frame, start + 4), value: frame.slice(start + 8, start + 8 + size) };
  },
};

const put: TestPutOption = { type: 0x10, key: 0xcafe, value: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9) };
const ack: KnownOption = { type: OptionType.ACK, seq: 1 };
const packetWith = (options: unknown[]) => ({
  kind: 'control' as const,
  flags: 0,
  sender: 1,
  seq: 0,
  options: options as KnownOption[],
});

describe('option registry', () => {
  it('starts with the nine core options', () => {
    assert.deepEqual(createOptionRegistry().types(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(defaultOptionRegistry.types().slice(0, 9), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('lets an extension plug in and round-trip without touching the core codec', () => {
    const registry = createOptionRegistry().register(testPutCodec);
    const frame = encodePacket(packetWith([ack, put, ack]), registry);
    assert.equal(frame.length, 16 + 8 + 24 + 8, 'the 17-byte option is padded to 24');
    const result = decodePacket(frame, registry);
    assert.ok(result.ok && result.packet.kind === 'control' && result.truncated === undefined);
    assert.deepEqual(result.packet.options, [ack, put, ack]);
  });

  it('leaves a registry without the extension treating it as unknown', () => {
    const frame = encodePacket(packetWith([put, ack]), createOptionRegistry().register(testPutCodec));
    const result = decodePacket(frame, createOptionRegistry());
    assert.ok(result.ok && result.packet.kind === 'control');
    assert.deepEqual(result.packet.options, [ack]);
    assert.deepEqual(result.unknownOptions, [0x10]);
  });

  it('reports an extension body that contradicts itself as bad-option-body', () => {
    const registry = createOptionRegistry().register(testPutCodec);
    const frame = encodePacket(packetWith([ack, put]), registry);
    frame[24 + 2] = 200;
    const result = decodePacket(frame, registry);
    assert.ok(result.ok && result.packet.kind === 'control');
    assert.deepEqual(result.packet.options, [ack]);
    assert.equal(result.truncated, 'bad-option-body');
  });

  it('accepts the same codec twice, refuses a second codec for a taken Type and Types out of range', () => {
    const registry = createOptionRegistry().register(testPutCodec).register(testPutCodec);
    assert.throws(() => registry.register({ ...testPutCodec }), /already registered/);
    assert.throws(
      () => registry.register({ ...testPutCodec, type: OptionType.HELLO }),
      /already registered \(HELLO\)/,
    );
    assert.throws(() => registry.register({ ...testPutCodec, type: 256 }), RangeError);
    assert.throws(() => registry.register({ ...testPutCodec, type: -1 }), RangeError);
  });

  it('refuses an option longer than 2040 bytes', () => {
    const registry = createOptionRegistry().register({ ...testPutCodec, length: () => 2041 });
    assert.throws(() => encodePacket(packetWith([put]), registry), /2-2040 bytes/);
  });
});
