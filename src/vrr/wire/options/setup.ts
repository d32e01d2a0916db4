// SETUP_REQ (0x02), SETUP (0x03) and SETUP_FAIL (0x04): one layout, three codecs built by one factory.
//  0 Type  1 Len  2 VsetCount  3 Reserved  4-7 Token (SETUP_REQ, SETUP_FAIL) or PathId (SETUP)
//  8 Src slot  16 Dst slot  24 Proxy slot  32 VsetCount slots

import type { Address } from '../../address.ts';
import { checkUint, readU32, writeU32 } from '../fields.ts';
import { MalformedOption, type OptionCodec } from '../option-codec.ts';
import { SLOT_LENGTH, readAddressList, readWireAddress, writeAddressList, writeSlot } from '../slots.ts';
import { OptionType, type SetupFailOption, type SetupOption, type SetupReqOption } from '../types.ts';

/** Bytes of a setup-family option before its vset slots. */
export const SETUP_FIXED_LENGTH = 32;

/** Any of the three options sharing the setup layout. */
export type SetupFamilyOption = SetupReqOption | SetupOption | SetupFailOption;

/** The u32 at offset 4: PathId for SETUP, Token for the other two. */
function idOf(option: SetupFamilyOption): number {
  return option.type === OptionType.SETUP ? option.pathId : option.token;
}

/** Builds a codec for one member of the family; `build` names the id field of its shape. */
function setupFamilyCodec<O extends SetupFamilyOption>(
  type: O['type'],
  name: string,
  idName: string,
  build: (id: number, src: Address, dst: Address, proxy: Address, vset: Address[]) => O,
): OptionCodec<O> {
  // Labels are built once here, not on every write.
  const labels = {
    count: `${name} vset.length`,
    id: `${name} ${idName}`,
    src: `${name} src`,
    dst: `${name} dst`,
    proxy: `${name} proxy`,
    vset: `${name} vset`,
  };
  return {
    type,
    name,
    length(option) {
      return SETUP_FIXED_LENGTH + SLOT_LENGTH * option.vset.length;
    },
    write(option, out, start) {
      checkUint(option.vset.length, 0xff, labels.count);
      checkUint(idOf(option), 0xffffffff, labels.id);
      out[start + 2] = option.vset.length;
      writeU32(out, start + 4, idOf(option));
      writeSlot(out, start + 8, option.src, 0, labels.src);
      writeSlot(out, start + 16, option.dst, 0, labels.dst);
      writeSlot(out, start + 24, option.proxy, 0, labels.proxy);
      writeAddressList(out, start + SETUP_FIXED_LENGTH, option.vset, labels.vset);
    },
    read(frame, start, length) {
      if (length < SETUP_FIXED_LENGTH) {
        return new MalformedOption(`${name} needs ${SETUP_FIXED_LENGTH} bytes, Len holds ${length}`);
      }
      const vsetCount = frame[start + 2];
      if (SETUP_FIXED_LENGTH + SLOT_LENGTH * vsetCount > length) {
        return new MalformedOption(`${name} lists ${vsetCount} vset slots, Len holds ${length} bytes`);
      }
      return build(
        readU32(frame, start + 4),
        readWireAddress(frame, start + 8),
        readWireAddress(frame, start + 16),
        readWireAddress(frame, start + 24),
        readAddressList(frame, start + SETUP_FIXED_LENGTH, vsetCount),
      );
    },
  };
}

/** The SETUP_REQ codec. */
export const setupReqCodec: OptionCodec<SetupReqOption> = setupFamilyCodec(
  OptionType.SETUP_REQ,
  'SETUP_REQ',
  'token',
  (token, src, dst, proxy, vset) => ({ type: OptionType.SETUP_REQ, token, src, dst, proxy, vset }),
);

/** The SETUP codec. */
export const setupCodec: OptionCodec<SetupOption> = setupFamilyCodec(
  OptionType.SETUP,
  'SETUP',
  'pathId',
  (pathId, src, dst, proxy, vset) => ({ type: OptionType.SETUP, pathId, src, dst, proxy, vset }),
);

/** The SETUP_FAIL codec. */
export const setupFailCodec: OptionCodec<SetupFailOption> = setupFamilyCodec(
  OptionType.SETUP_FAIL,
  'SETUP_FAIL',
  'token',
  (token, src, dst, proxy, vset) => ({ type: OptionType.SETUP_FAIL, token, src, dst, proxy, vset }),
);
