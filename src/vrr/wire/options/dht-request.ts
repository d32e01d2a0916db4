// DHT_PUT (0x10), DHT_GET (0x11) and DHT_DELETE (0x12): one layout, three codecs built by one factory.
//  0 Type  1 Len  2 HopCount  3 HopLimit  4-7 ReqId  8-13 Target (hash of the key)  14 KeyLen
//  15 Flags (0x01 VERSION)  16-21 Origin  22-23 ValueLen  24-27 Version  28-31 TtlMs  32 key, then value

import { MalformedOption, type OptionCodec } from '../option-codec.ts';
import { DhtOptionType, type DhtRequestOption } from '../types.ts';
import {
  checkEntrySize,
  readEntryFields,
  readRoutedHeader,
  writeEntryFields,
  writeRoutedHeader,
} from './dht-fields.ts';

/** Bytes of a request before its key. */
export const DHT_REQUEST_FIXED_LENGTH = 32;

/** Request flag: the PUT names its version (else the owner assigns its stored version + 1). */
export const DHT_FLAG_VERSION = 0x01;

function requestCodec(type: DhtRequestOption['type'], name: string): OptionCodec<DhtRequestOption> {
  return {
    type,
    name,
    length(option) {
      return DHT_REQUEST_FIXED_LENGTH + option.key.length + option.value.length;
    },
    write(option, out, start) {
      checkEntrySize(option.key, option.value, name);
      writeRoutedHeader(option, out, start, name);
      out[start + 14] = option.key.length;
      out[start + 15] = option.explicitVersion ? DHT_FLAG_VERSION : 0;
      writeEntryFields(
        out,
        start,
        {
          address: option.origin,
          valueLength: option.value.length,
          version: option.version,
          ttlMs: option.ttlMs,
        },
        name,
        'origin',
      );
      out.set(option.key, start + DHT_REQUEST_FIXED_LENGTH);
      out.set(option.value, start + DHT_REQUEST_FIXED_LENGTH + option.key.length);
    },
    read(frame, start, length) {
      if (length < DHT_REQUEST_FIXED_LENGTH) {
        return new MalformedOption(`${name} needs ${DHT_REQUEST_FIXED_LENGTH} bytes, Len holds ${length}`);
      }
      const keyLength = frame[start + 14];
      const f = readEntryFields(frame, start);
      const keyAt = start + DHT_REQUEST_FIXED_LENGTH;
      if (DHT_REQUEST_FIXED_LENGTH + keyLength + f.valueLength > length) {
        return new MalformedOption(
          `${name} carries a ${keyLength}-byte key and a ${f.valueLength}-byte value, Len holds ${length} bytes`,
        );
      }
      return {
        type,
        ...readRoutedHeader(frame, start),
        origin: f.address,
        explicitVersion: (frame[start + 15] & DHT_FLAG_VERSION) !== 0,
        version: f.version,
        ttlMs: f.ttlMs,
        // Views into the frame, like data payloads: the DHT copies what it keeps.
        key: frame.subarray(keyAt, keyAt + keyLength),
        value: frame.subarray(keyAt + keyLength, keyAt + keyLength + f.valueLength),
      };
    },
  };
}

/** The DHT_PUT codec. */
export const dhtPutCodec: OptionCodec<DhtRequestOption> = requestCodec(DhtOptionType.PUT, 'DHT_PUT');

/** The DHT_GET codec. */
export const dhtGetCodec: OptionCodec<DhtRequestOption> = requestCodec(DhtOptionType.GET, 'DHT_GET');

/** The DHT_DELETE codec. */
export const dhtDeleteCodec: OptionCodec<DhtRequestOption> = requestCodec(DhtOptionType.DELETE, 'DHT_DELETE');
