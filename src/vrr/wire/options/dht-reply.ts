// DHT_REPLY (0x13): the answer to a request or the acknowledgement of a transfer, routed to its target exactly.
//  0 Type  1 Len  2 HopCount  3 HopLimit  4-7 ReqId (echoed)  8-13 Target (the requester)  14 RequestHops
//  15 Status  16-21 Owner (the answering node)  22-23 ValueLen  24-27 Version  28-31 TtlMs  32 value

import { checkUint } from '../fields.ts';
import { MalformedOption, type OptionCodec } from '../option-codec.ts';
import { DhtOptionType, DhtStatus, type DhtReplyOption, type DhtStatusValue } from '../types.ts';
import {
  DHT_MAX_ENTRY_BYTES,
  readEntryFields,
  readRoutedHeader,
  writeEntryFields,
  writeRoutedHeader,
} from './dht-fields.ts';

/** Bytes of a reply before its value. */
export const DHT_REPLY_FIXED_LENGTH = 32;

const STATUSES: ReadonlySet<number> = new Set(Object.values(DhtStatus));

/** The DHT_REPLY codec. */
export const dhtReplyCodec: OptionCodec<DhtReplyOption> = {
  type: DhtOptionType.REPLY,
  name: 'DHT_REPLY',
  length(option) {
    return DHT_REPLY_FIXED_LENGTH + option.value.length;
  },
  write(option, out, start) {
    checkUint(option.requestHops, 0xff, 'DHT_REPLY requestHops');
    if (!STATUSES.has(option.status)) {
      throw new RangeError(`DHT_REPLY status: expected one of 0-3, found ${option.status}`);
    }
    checkUint(option.value.length, DHT_MAX_ENTRY_BYTES, 'DHT_REPLY value.length');
    writeRoutedHeader(option, out, start, 'DHT_REPLY');
    out[start + 14] = option.requestHops;
    out[start + 15] = option.status;
    writeEntryFields(
      out,
      start,
      {
        address: option.owner,
        valueLength: option.value.length,
        version: option.version,
        ttlMs: option.ttlMs,
      },
      'DHT_REPLY',
      'owner',
    );
    out.set(option.value, start + DHT_REPLY_FIXED_LENGTH);
  },
  read(frame, start, length) {
    if (length < DHT_REPLY_FIXED_LENGTH) {
      return new MalformedOption(`DHT_REPLY needs ${DHT_REPLY_FIXED_LENGTH} bytes, Len holds ${length}`);
    }
    const status = frame[start + 15];
    if (!STATUSES.has(status)) return new MalformedOption(`DHT_REPLY has unknown Status ${status}`);
    const f = readEntryFields(frame, start);
    if (DHT_REPLY_FIXED_LENGTH + f.valueLength > length) {
      return new MalformedOption(
        `DHT_REPLY carries a ${f.valueLength}-byte value, Len holds ${length} bytes`,
      );
    }
    const at = start + DHT_REPLY_FIXED_LENGTH;
    return {
      type: DhtOptionType.REPLY,
      ...readRoutedHeader(frame, start),
      requestHops: frame[start + 14],
      status: status as DhtStatusValue,
      owner: f.address,
      version: f.version,
      ttlMs: f.ttlMs,
      value: frame.subarray(at, at + f.valueLength),
    };
  },
};
