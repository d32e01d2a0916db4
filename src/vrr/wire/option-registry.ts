// Which codec handles which option Type. The control-packet codec only ever asks a registry, so extensions
// plug in without touching it.
//
// How to add an option (DHT 0x10-0x1F, multicast 0x20-0x2F, or anything else):
//  1. Add its decoded shape to src/vrr/wire/types.ts with a numeric literal `type` (e.g. `type: 0x10`), and add
//     it to the `KnownOption` union so the core's switches see it.
//  2. In your module (e.g. src/vrr/dht/wire.ts), write an `OptionCodec` (option-codec.ts): `length(option)` =
//     bytes from the Type byte through the last meaningful byte; `write(option, out, start)` fills bytes
//     start+2 onward (Type, Len and zero padding are done for you; throw a RangeError for a value that does not
//     fit); `read(frame, start, length)` returns the option, or `new MalformedOption(why)` when the body
//     contradicts its own counts. Offsets are from the Type byte, as in the layout tables of docs/wire.md.
//     Helpers: fields.ts (readU16, writeU32, checkUint...), slots.ts (writeSlot, readAddressList...).
//  3. Register it once, at module load: `defaultOptionRegistry.register(dhtPutCodec);`. Registering the same
//     codec twice is harmless; a different codec for a taken Type throws. Tests build their own registry with
//     `createOptionRegistry()` and pass it to encodePacket/decodePacket.
//  4. Add its layout and a hex vector to docs/wire.md.
// A node that has not registered a Type skips such options and counts them (unknownOptions): never an error.

import { hexByte } from './fields.ts';
import type { OptionCodec } from './option-codec.ts';
import { ackCodec } from './options/ack.ts';
import { authChallengeCodec, authResponseCodec } from './options/auth-challenge.ts';
import { helloCodec } from './options/hello.ts';
import { setupCodec, setupFailCodec, setupReqCodec } from './options/setup.ts';
import { teardownCodec } from './options/teardown.ts';

/** The codecs of the core option set (docs/wire.md), registered in every registry. */
export const CORE_OPTION_CODECS: readonly OptionCodec<any>[] = [
  helloCodec,
  setupReqCodec,
  setupCodec,
  setupFailCodec,
  teardownCodec,
  ackCodec,
  authChallengeCodec,
  authResponseCodec,
];

/** A table from option Type (0-255) to its codec. */
export class OptionRegistry {
  // Indexed by Type: one array load per option on the decode path.
  private readonly codecs: (OptionCodec | undefined)[] = new Array(256).fill(undefined);

  /** Registers a codec; throws if its Type is out of range or already taken by another codec. */
  register<O extends { type: number }>(codec: OptionCodec<O>): this {
    const { type } = codec;
    if (!Number.isInteger(type) || type < 0 || type > 0xff) {
      throw new RangeError(`option codec ${codec.name}: expected a Type in [0, 255], found ${type}`);
    }
    const existing = this.codecs[type];
    if (existing !== undefined && existing !== codec) {
      throw new Error(
        `option Type 0x${hexByte(type)} is already registered (${existing.name}); cannot add ${codec.name}`,
      );
    }
    this.codecs[type] = codec as OptionCodec;
    return this;
  }

  /** The codec for a Type, or undefined when the Type is unknown here. */
  lookup(type: number): OptionCodec | undefined {
    return this.codecs[type];
  }

  /** The registered Types, ascending. */
  types(): number[] {
    const types: number[] = [];
    for (let t = 0; t < this.codecs.length; t++) if (this.codecs[t] !== undefined) types.push(t);
    return types;
  }
}

/** A new registry holding the core options only. */
export function createOptionRegistry(): OptionRegistry {
  const registry = new OptionRegistry();
  for (const codec of CORE_OPTION_CODECS) registry.register(codec);
  return registry;
}

/** The registry encodePacket/decodePacket use unless given another: core options plus registered extensions. */
export const defaultOptionRegistry: OptionRegistry = createOptionRegistry();
