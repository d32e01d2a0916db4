// DHT_REPLICATE (0x14), DHT_HANDOFF (0x15) and DHT_RELEASE (0x16): one stored entry in transit between nodes.
//  0 Type  1 Len  2 HopCount  3 HopLimit  4-7 ReqId (transfer id)  8-13 Target  14 KeyLen
//  15 Flags (0x01 TOMBSTONE)  16-21 Origin  22-23 ValueLen  24-27 Version  28-31 TtlMs
//  32-37 Source  38-39 Reserved  40 key, then value

import { MalformedOption, type OptionCodec } from '../option-codec.ts';
import { readWireAddress, writeSlot } from '../slots.ts';
import { DhtOptionType, type DhtTransferOption } from '../types.ts';
import {
  DHT_TRANSFER_FIXED_LENGTH,
  checkEntrySize,
  readEntryFields,
  readRoutedHeader,
  writeEntryFields,
  writeRoutedHeader,
} from './dht-fields.ts';

/** Transfer flag: the entry is a deletion marker. */
export const DHT_FLAG_TOMBSTONE = 0x01;

function transferCodec(type: DhtTransferOption['type'], name: string): OptionCodec<DhtTransferOption> {
  return {
    type,
    name,
    length(option) {
      return DHT_TRANSFER_FIXED_LENGTH + option.key.length + option.value.length;
    },
    write(option, out, start) {
      checkEntrySize(option.key, option.value, name);
      writeRoutedHeader(option, out, start, name);
      out[start + 14] = option.key.length;
      out[start + 15] = option.tombstone ? DHT_FLAG_TOMBSTONE : 0;
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
      writeSlot(out, start + 32, option.source, 0, `${name} source`);
      out.set(option.key, start + DHT_TRANSFER_FIXED_LENGTH);
      out.set(option.value, start + DHT_TRANSFER_FIXED_LENGTH + option.key.length);
    },
    read(frame, start, length) {
      if (length < DHT_TRANSFER_FIXED_LENGTH) {
        return new MalformedOption(`${name} needs ${DHT_TRANSFER_FIXED_LENGTH} bytes, Len holds ${length}`);
      }
      const keyLength = frame[start + 14];
      const f = readEntryFields(frame, start);
      const keyAt = start + DHT_TRANSFER_FIXED_LENGTH;
      if (DHT_TRANSFER_FIXED_LENGTH + keyLength + f.valueLength > length) {
        return new MalformedOption(
          `${name} carries a ${keyLength}-byte key and a ${f.valueLength}-byte value, Len holds ${length} bytes`,
        );
      }
      return {
        type,
        ...readRoutedHeader(frame, start),
        tombstone: (frame[start + 15] & DHT_FLAG_TOMBSTONE) !== 0,
        origin: f.address,
        version: f.version,
        ttlMs: f.ttlMs,
        source: readWireAddress(frame, start + 32),
        key: frame.subarray(keyAt, keyAt + keyLength),
        value: frame.subarray(keyAt + keyLength, keyAt + keyLength + f.valueLength),
      };
    },
  };
}

/** The DHT_REPLICATE codec. */
export const dhtReplicateCodec: OptionCodec<DhtTransferOption> = transferCodec(
  DhtOptionType.REPLICATE,
  'DHT_REPLICATE',
);

/** The DHT_HANDOFF codec. */
export const dhtHandoffCodec: OptionCodec<DhtTransferOption> = transferCodec(
  DhtOptionType.HANDOFF,
  'DHT_HANDOFF',
);

/** The DHT_RELEASE codec. */
export const dhtReleaseCodec: OptionCodec<DhtTransferOption> = transferCodec(
  DhtOptionType.RELEASE,
  'DHT_RELEASE',
);
