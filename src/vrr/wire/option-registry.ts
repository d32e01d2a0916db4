// Which codec handles which option Type. The control-packet codec only ever asks a registry, so extensions
// plug in without touching it. Every VrrNode has a registry of its own; nothing registers into a shared one.
//
// How to add an option (DHT 0x10-0x1F, multicast 0x20-0x2F, or anything else):
//  1. Add its decoded shape to src/vrr/wire/types.ts with a numeric literal `type` (e.g. `type: 0x10`), and add
//     it to the `KnownOption` union so the core's switches see it.
//  2. In your module (e.g. src/vrr/wire/options/dht-request.ts), write an `OptionCodec` (option-codec.ts):
//     `length(option)` = bytes from the Type byte through the last meaningful byte; `write(option, out, start)`
//     fills bytes start+2 onward (Type, Len and zero padding are done for you; throw a RangeError for a value that
//     does not fit); `read(frame, start, length)` returns the option, or `new MalformedOption(why)` when the body
//     contradicts its own counts. Offsets are from the Type byte, as in the layout tables of docs/wire.md.
//     Helpers: fields.ts (readU16, writeU32, checkUint...), slots.ts (writeSlot, readAddressList...).
//  3. Hand the codec to whatever encodes and decodes it; never register it as a side effect of importing a module.
//     An extension lists its codecs in `optionCodecs` (NodeExtension, src/vrr/extension.ts, e.g.
//     `readonly optionCodecs = DHT_OPTION_CODECS`) and node.attach(extension) registers them in that node's
//     registry. Code that decodes frames outside a node (tests, tools) builds its own registry:
//     `registerDhtCodecs(createOptionRegistry())`, and passes it to encodePacket/decodePacket. Registering the same
//     codec twice is harmless; a different codec for a taken Type throws.
//  4. Add its layout and a hex vector to docs/wire.md.
// A node that has not registered a Type skips such options and counts them (unknownOptions): never an error.

import { hexByte } from './fields.ts';
import type { OptionCodec } from './option-codec.ts';
import { ackCodec } from './options/ack.ts';
import { authChallengeCodec, authResponseCodec } from './options/auth-challenge.ts';
import { helloCodec } from './options/hello.ts';
import { pathProbeCodec } from './options/path-probe.ts';
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
  pathProbeCodec,
];

/** A table from option Type (0-255) to its codec. */
export class OptionRegistry {
  // Indexed by Type: one array load per option on the decode path.
  private readonly codecs: (OptionCodec | undefined)[] = new Array(256).fill(undefined);
  private sealed = false;

  /** Registers a codec; throws if its Type is out of range or already taken by another codec, or if sealed. */
  register<O extends { type: number }>(codec: OptionCodec<O>): this {
    const { type } = codec;
    if (this.sealed && this.codecs[type] !== codec) {
      throw new Error(
        `option codec ${codec.name}: this registry is sealed (a shared one); register it in a registry of your own`,
      );
    }
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

  /** Refuses every later registration of a new codec: a registry shared by everything must not change. */
  seal(): this {
    this.sealed = true;
    return this;
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

/**
 * The registry encodePacket/decodePacket use unless given another: the core options only, sealed, so that no
 * module can change what every other one decodes. Extensions' options need a registry that holds their codecs.
 */
export const defaultOptionRegistry: OptionRegistry = createOptionRegistry().seal();
