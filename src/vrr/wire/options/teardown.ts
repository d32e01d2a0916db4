// TEARDOWN (0x05): removes the path (Ea, PathId) hop by hop.
//  0 Type  1 Len  2 VsetCount  3 Flags (0x01 VSET)  4-7 PathId  8 Ea slot  16 VsetCount slots

import { checkUint, readU32, writeU32 } from '../fields.ts';
import { MalformedOption, type OptionCodec } from '../option-codec.ts';
import { SLOT_LENGTH, readAddressList, readWireAddress, writeAddressList, writeSlot } from '../slots.ts';
import { OptionType, type TeardownOption } from '../types.ts';

/** TEARDOWN flag: a deliberate teardown with the sender's vset attached. */
export const TEARDOWN_FLAG_VSET = 0x01;
/** Bytes of TEARDOWN before its vset slots. */
export const TEARDOWN_FIXED_LENGTH = 16;

/** The TEARDOWN codec. `vset: null` is sent as VSET clear and VsetCount 0; `vset: []` as VSET set, count 0. */
export const teardownCodec: OptionCodec<TeardownOption> = {
  type: OptionType.TEARDOWN,
  name: 'TEARDOWN',

  length(option) {
    return TEARDOWN_FIXED_LENGTH + SLOT_LENGTH * (option.vset === null ? 0 : option.vset.length);
  },

  write(option, out, start) {
    checkUint(option.pathId, 0xffffffff, 'TEARDOWN pathId');
    if (option.vset !== null) {
      checkUint(option.vset.length, 0xff, 'TEARDOWN vset.length');
      out[start + 2] = option.vset.length;
      out[start + 3] = TEARDOWN_FLAG_VSET;
      writeAddressList(out, start + TEARDOWN_FIXED_LENGTH, option.vset, 'TEARDOWN vset');
    }
    writeU32(out, start + 4, option.pathId);
    writeSlot(out, start + 8, option.ea, 0, 'TEARDOWN ea');
  },

  read(frame, start, length) {
    if (length < TEARDOWN_FIXED_LENGTH) {
      return new MalformedOption(`TEARDOWN needs ${TEARDOWN_FIXED_LENGTH} bytes, Len holds ${length}`);
    }
    const vsetCount = frame[start + 2];
    const hasVset = (frame[start + 3] & TEARDOWN_FLAG_VSET) !== 0;
    // A count without the flag is a contradiction, not a vset to guess at.
    if (!hasVset && vsetCount !== 0)
      return new MalformedOption(`TEARDOWN VsetCount ${vsetCount} without the VSET flag`);
    if (TEARDOWN_FIXED_LENGTH + SLOT_LENGTH * vsetCount > length) {
      return new MalformedOption(`TEARDOWN lists ${vsetCount} vset slots, Len holds ${length} bytes`);
    }
    return {
      type: OptionType.TEARDOWN,
      pathId: readU32(frame, start + 4),
      ea: readWireAddress(frame, start + 8),
      vset: hasVset ? readAddressList(frame, start + TEARDOWN_FIXED_LENGTH, vsetCount) : null,
    };
  },
};
