// The VRR/1 codec's public surface: what the core, simulator and daemon import (docs/wire.md describes it).

export * from './types.ts';
export { encodePacket, decodePacket } from './packet.ts';
export {
  helloNeighborCapacity,
  splitHello,
  type HelloCapacityOptions,
  type HelloContent,
} from './hello-parts.ts';
export {
  createDecodeStats,
  countDecode,
  framesCounted,
  addDecodeStats,
  DROP_REASONS,
  type DecodeStats,
} from './decode-stats.ts';
export {
  OptionRegistry,
  createOptionRegistry,
  defaultOptionRegistry,
  CORE_OPTION_CODECS,
} from './option-registry.ts';
export {
  MalformedOption,
  OPTION_UNIT,
  MAX_OPTION_LENGTH,
  OPTION_HEADER_LENGTH,
  type OptionCodec,
} from './option-codec.ts';
export { authTagOffset } from './auth-tag.ts';
export { HELLO_FLAG_ACTIVE, MAX_HELLO_REPS, MAX_HELLO_PARTS } from './options/hello.ts';
export { TEARDOWN_FLAG_VSET } from './options/teardown.ts';
// Building blocks for extension codecs (DHT, multicast).
export { readU16, readU32, writeU16, writeU32, checkUint, hexByte } from './fields.ts';
export {
  SLOT_LENGTH,
  checkAddress,
  writeSlot,
  readWireAddress,
  writeWireAddress,
  readAddressList,
  writeAddressList,
} from './slots.ts';
