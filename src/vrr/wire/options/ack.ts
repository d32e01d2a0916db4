// ACK (0x06): acknowledges the control packet whose Sequence it carries.
//  0 Type  1 Len=1  2-3 Acknowledged Sequence  4-7 Reserved

import { checkUint, readU16, writeU16 } from '../fields.ts';
import type { OptionCodec } from '../option-codec.ts';
import { OptionType, type AckOption } from '../types.ts';

/** Bytes of the ACK option. */
export const ACK_LENGTH = 8;

/** The ACK codec. A longer Len is accepted (the extra bytes are ignored), so the option can grow. */
export const ackCodec: OptionCodec<AckOption> = {
  type: OptionType.ACK,
  name: 'ACK',
  length() {
    return ACK_LENGTH;
  },
  write(option, out, start) {
    checkUint(option.seq, 0xffff, 'ACK seq');
    writeU16(out, start + 2, option.seq);
  },
  read(frame, start) {
    return { type: OptionType.ACK, seq: readU16(frame, start + 2) };
  },
};
