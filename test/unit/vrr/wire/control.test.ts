import assert from 'node:assert/strict';
import { parseAddress } from '../../../../src/vrr/address.ts';
import {
  createOptionRegistry,
  decodePacket,
  encodePacket,
  NeighborState,
  OptionType,
  type ControlPacket,
  type DecodeResult,
  type KnownOption,
  type OptionCodec,
} from '../../../../src/vrr/wire/index.ts';
import { createRng } from '../../../../src/vrr/rng.ts';
import { fromHex } from './hex.ts';
import { randomOption } from './random-packets.ts';

const SENDER = parseAddress('02:00:00:00:00:0a');
const HELLO: KnownOption = {
  type: OptionType.HELLO,
  active: false,
  helloSeq: 9,
  part: 0,
  parts: 1,
  reps: [],
  neighbors: [
    { address: parseAddress('02:00:00:00:00:0b'), state: NeighborState.LINKED_INACTIVE, quality: 17 },
  ],
};
const ACK: KnownOption = { type: OptionType.ACK, seq: 0xbeef };

function control(options: KnownOption[], seq = 0): ControlPacket {
  return { kind: 'control', flags: 0, sender: SENDER, seq, options };
}

/** Builds a control frame from raw option bytes, Total Length set. */
function rawControl(optionBytes: Uint8Array): Uint8Array {
  const frame = new Uint8Array(16 + optionBytes.length);
  frame.set(encodePacket(control([])));
  frame.set(optionBytes, 16);
  frame[2] = frame.length >>> 8;
  frame[3] = frame.length & 0xff;
  return frame;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const optionsOf = (options: KnownOption[]) => encodePacket(control(options)).subarray(16);

function okControl(result: DecodeResult): ControlPacket {
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.packet.kind, 'control');
  return result.packet as ControlPacket;
}

describe('control packets', () => {
  it('round-trips several options in order, with the Sequence', () => {
    const rng = createRng(7);
    for (let i = 0; i < 200; i++) {
      const packet = control(
        Array.from({ length: 1 + rng.int(5) }, () => randomOption(rng)),
        rng.int(0x10000),
      );
      const result = decodePacket(encodePacket(packet));
      assert.deepEqual(okControl(result), packet);
      assert.ok(result.ok && result.truncated === undefined && result.unknownOptions.length === 0);
    }
  });

  it('skips an unknown option before a HELLO and still yields the hello', () => {
    const unknown = fromHex('42 02 ff ff ff ff ff ff 00 11 22 33 44 55 66 77');
    const result = decodePacket(rawControl(concat(unknown, optionsOf([HELLO]))));
    assert.deepEqual(okControl(result).options, [HELLO]);
    assert.ok(result.ok);
    assert.deepEqual(result.unknownOptions, [0x42]);
    assert.equal(result.truncated, undefined);
  });

  it('lists every unknown option code, Type 0 included, in order', () => {
    const bytes = concat(
      fromHex('00 01 00 00 00 00 00 00'),
      optionsOf([ACK]),
      fromHex('ff 01 00 00 00 00 00 00'),
    );
    const result = decodePacket(rawControl(bytes));
    assert.deepEqual(okControl(result).options, [ACK]);
    assert.ok(result.ok);
    assert.deepEqual(result.unknownOptions, [0x00, 0xff]);
  });

  it('stops at a Len-0 option: options before it are kept, truncated = bad-option', () => {
    const result = decodePacket(
      rawControl(concat(optionsOf([ACK]), fromHex('06 00 00 01 00 00 00 00'), optionsOf([HELLO]))),
    );
    assert.deepEqual(okControl(result).options, [ACK]);
    assert.ok(result.ok);
    assert.equal(result.truncated, 'bad-option');
    assert.match(result.truncatedDetail ?? '', /Len 0/);
  });

  it('stops at an option running past Total Length', () => {
    const bytes = concat(optionsOf([HELLO]), fromHex('06 02 00 01 00 00 00 00'));
    const result = decodePacket(rawControl(bytes));
    assert.deepEqual(okControl(result).options, [HELLO]);
    assert.ok(result.ok);
    assert.equal(result.truncated, 'bad-option');
    assert.match(result.truncatedDetail ?? '', /runs past the options' end/);
  });

  it('stops at a single stray byte after the last option', () => {
    const result = decodePacket(rawControl(concat(optionsOf([ACK]), Uint8Array.of(0))));
    assert.deepEqual(okControl(result).options, [ACK]);
    assert.ok(result.ok && result.truncated === 'bad-option');
  });

  it('returns ok with no options and truncated set when the first option is malformed', () => {
    const result = decodePacket(rawControl(fromHex('01 00 00 00 00 00 00 00')));
    assert.deepEqual(okControl(result).options, []);
    assert.ok(result.ok && result.truncated === 'bad-option');
  });

  it('treats a Total Length that cuts an option as the option running past it', () => {
    const frame = encodePacket(control([ACK, HELLO]));
    frame[3] -= 8; // Total Length now ends inside the HELLO
    const result = decodePacket(frame);
    assert.deepEqual(okControl(result).options, [ACK]);
    assert.ok(result.ok && result.truncated === 'bad-option');
  });

  it('stops at a known option whose body contradicts its counts (bad-option-body), keeping earlier ones', () => {
    const frame = encodePacket(control([ACK, HELLO, ACK]));
    frame[24 + 6] = 2; // HELLO NeighborCount 2, but Len holds one slot
    const result = decodePacket(frame);
    assert.deepEqual(okControl(result).options, [ACK]);
    assert.ok(result.ok);
    assert.equal(result.truncated, 'bad-option-body');
    assert.match(result.truncatedDetail ?? '', /HELLO/);
  });

  it('turns an extension reader that throws into bad-option-body instead of throwing', () => {
    const thrower: OptionCodec<{ type: number }> = {
      type: 0x1f,
      name: 'THROWER',
      length: () => 8,
      write() {},
      read() {
        throw new Error('boom');
      },
    };
    const registry = createOptionRegistry().register(thrower);
    const result = decodePacket(
      rawControl(concat(optionsOf([ACK]), fromHex('1f 01 00 00 00 00 00 00'))),
      registry,
    );
    assert.deepEqual(okControl(result).options, [ACK]);
    assert.ok(result.ok && result.truncated === 'bad-option-body');
    assert.match(result.truncatedDetail ?? '', /boom/);
  });

  it('treats an extension reader returning something other than its option as bad-option-body', () => {
    for (const returned of [null, 42, { type: 0x99 }, { detail: 'from another MalformedOption class' }]) {
      const liar: OptionCodec<{ type: number }> = {
        type: 0x1e,
        name: 'LIAR',
        length: () => 8,
        write() {},
        read: () => returned as { type: number },
      };
      const registry = createOptionRegistry().register(liar);
      const frame = rawControl(concat(optionsOf([ACK]), fromHex('1e 01 00 00 00 00 00 00')));
      const result = decodePacket(frame, registry);
      assert.deepEqual(okControl(result).options, [ACK]);
      assert.ok(result.ok && result.truncated === 'bad-option-body', JSON.stringify(returned));
    }
  });

  it('zero-pads an option body to a multiple of 8 bytes', () => {
    const odd: OptionCodec<{ type: number; value: number }> = {
      type: 0x2a,
      name: 'ODD',
      length: () => 3,
      write: (option, out, start) => {
        out[start + 2] = option.value;
      },
      read: (frame, start) => ({ type: 0x2a, value: frame[start + 2] }),
    };
    const registry = createOptionRegistry().register(odd);
    const frame = encodePacket(control([{ type: 0x2a, value: 9 } as unknown as KnownOption]), registry);
    assert.deepEqual(frame.subarray(16), fromHex('2a 01 09 00 00 00 00 00'));
  });

  it('refuses to encode an option with no registered codec', () => {
    assert.throws(
      () => encodePacket(control([{ type: 0x77 } as unknown as KnownOption])),
      /no registered codec/,
    );
  });
});
