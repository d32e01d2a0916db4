// The DHT's public surface (docs/protocol.md, DHT): what the daemon and the simulator import.

export { Dht, type DhtResult, type DhtPutOptions, type DhtOptions, type DhtEntryView } from './dht.ts';
export { hashKey, keyBytes, keyId, type DhtKey } from './hash-key.ts';
export { DhtStore, isExpired, type DhtEntry, type DhtRole } from './store.ts';
export { compareCopies, compareBytes, type Versioned } from './conflict.ts';
export { DHT_MAX_ENTRY_BYTES, DHT_MAX_KEY_BYTES } from '../wire/options/dht-fields.ts';
export { DHT_OPTION_CODECS, registerDhtCodecs } from '../wire/options/dht-codecs.ts';
