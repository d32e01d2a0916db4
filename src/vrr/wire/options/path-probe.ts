// PATH_PROBE (0x09): an endpoint's end-to-end check of one of its paths (src/vrr/path-check.ts).
//  0 Type  1 Len  2 Flags (0x01 TOWARD_B, 0x02 ECHO)  3 reserved  4-7 PathId  8 Ea slot  16-19 Nonce

import { checkUint, readU32, writeU32 } from '../fields.ts';
import { MalformedOption, type OptionCodec } from '../option-codec.ts';
import { readWireAddress, writeSlot } from '../slots.ts';
import { OptionType, PATH_PROBE_ECHO, PATH_PROBE_TOWARD_B, type PathProbeOption } from '../types.ts';

/** Bytes of PATH_PROBE from its Type byte through Nonce. */
export const PATH_PROBE_LENGTH = 20;
const KNOWN_FLAGS = PATH_PROBE_TOWARD_B | PATH_PROBE_ECHO;

/** The PATH_PROBE codec. Unknown flag bits are sent as zero and ignored on receipt. */
export const pathProbeCodec: OptionCodec<PathProbeOption> = {
  type: OptionType.PATH_PROBE,
  name: 'PATH_PROBE',

  length() {
    return PATH_PROBE_LENGTH;
  },

  write(option, out, start) {
    checkUint(option.flags, 0xff, 'PATH_PROBE flags');
    checkUint(option.pathId, 0xffffffff, 'PATH_PROBE pathId');
    checkUint(option.nonce, 0xffffffff, 'PATH_PROBE nonce');
    out[start + 2] = option.flags & KNOWN_FLAGS;
    writeU32(out, start + 4, option.pathId);
    writeSlot(out, start + 8, option.ea, 0, 'PATH_PROBE ea');
    writeU32(out, start + 16, option.nonce);
  },

  read(frame, start, length) {
    if (length < PATH_PROBE_LENGTH) {
      return new MalformedOption(`PATH_PROBE needs ${PATH_PROBE_LENGTH} bytes, Len holds ${length}`);
    }
    return {
      type: OptionType.PATH_PROBE,
      flags: frame[start + 2] & KNOWN_FLAGS,
      pathId: readU32(frame, start + 4),
      ea: readWireAddress(frame, start + 8),
      nonce: readU32(frame, start + 16),
    };
  },
};
