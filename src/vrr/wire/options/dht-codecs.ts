// The DHT's option codecs as one list, so the DHT module (and tests' own registries) register them together.

import type { OptionCodec } from '../option-codec.ts';
import type { OptionRegistry } from '../option-registry.ts';
import { dhtReplyCodec } from './dht-reply.ts';
import { dhtDeleteCodec, dhtGetCodec, dhtPutCodec } from './dht-request.ts';
import { dhtHandoffCodec, dhtReleaseCodec, dhtReplicateCodec } from './dht-transfer.ts';

/** Every DHT option codec (Types 0x10-0x16). */
export const DHT_OPTION_CODECS: readonly OptionCodec<any>[] = [
  dhtPutCodec,
  dhtGetCodec,
  dhtDeleteCodec,
  dhtReplyCodec,
  dhtReplicateCodec,
  dhtHandoffCodec,
  dhtReleaseCodec,
];

/** Registers the DHT codecs in a registry (idempotent: registering the same codecs again is a no-op). */
export function registerDhtCodecs(registry: OptionRegistry): OptionRegistry {
  for (const codec of DHT_OPTION_CODECS) registry.register(codec);
  return registry;
}
