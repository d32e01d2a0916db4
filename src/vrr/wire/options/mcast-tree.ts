// Multicast tree options (0x28-0x2C): SEED, FELL, BRANCH, PRUNE, ATTACHED, one hop each, sequenced per neighbour.
//  0 Type  1 Len  2 Flags (0x01 FINAL, 0x02 ATTACHED)  3 HopCount  4-7 Seq  8 Root slot  16 Group slot  24 Target slot

import { checkUint, readU32, writeU32 } from '../fields.ts';
import { MalformedOption, type OptionCodec } from '../option-codec.ts';
import { readWireAddress, writeSlot } from '../slots.ts';
import { McastOptionType, type McastTreeOption } from '../types.ts';

/** Bytes of every tree option. */
export const MCAST_TREE_LENGTH = 32;

function treeCodec(type: McastTreeOption['type'], name: string): OptionCodec<McastTreeOption> {
  return {
    type,
    name,
    length() {
      return MCAST_TREE_LENGTH;
    },
    write(o, out, start) {
      checkUint(o.flags, 0xff, `${name} flags`);
      checkUint(o.hopCount, 0xff, `${name} hopCount`);
      checkUint(o.seq, 0xffffffff, `${name} seq`);
      out[start + 2] = o.flags;
      out[start + 3] = o.hopCount;
      writeU32(out, start + 4, o.seq);
      writeSlot(out, start + 8, o.root, 0, `${name} root`);
      writeSlot(out, start + 16, o.group, 0, `${name} group`);
      writeSlot(out, start + 24, o.target, 0, `${name} target`);
    },
    read(frame, start, length) {
      if (length < MCAST_TREE_LENGTH) {
        return new MalformedOption(`${name} needs ${MCAST_TREE_LENGTH} bytes, Len holds ${length}`);
      }
      return {
        type,
        flags: frame[start + 2],
        hopCount: frame[start + 3],
        seq: readU32(frame, start + 4),
        root: readWireAddress(frame, start + 8),
        group: readWireAddress(frame, start + 16),
        target: readWireAddress(frame, start + 24),
      };
    },
  };
}

/** MCAST_SEED (0x28): the source asks a member (routed toward it) to branch. */
export const mcastSeedCodec = treeCodec(McastOptionType.SEED, 'MCAST_SEED');
/** MCAST_FELL (0x29): the upstream tears the tree below it down (FINAL: the root withdrew). */
export const mcastFellCodec = treeCodec(McastOptionType.FELL, 'MCAST_FELL');
/** MCAST_BRANCH (0x2A): a downstream joins the tree: its sender becomes a next hop. */
export const mcastBranchCodec = treeCodec(McastOptionType.BRANCH, 'MCAST_BRANCH');
/** MCAST_PRUNE (0x2B): a downstream leaves the tree: its sender stops being a next hop. */
export const mcastPruneCodec = treeCodec(McastOptionType.PRUNE, 'MCAST_PRUNE');
/** MCAST_ATTACHED (0x2C): the upstream is connected to the root, so its downstream is too (ends a pending branch). */
export const mcastAttachedCodec = treeCodec(McastOptionType.ATTACHED, 'MCAST_ATTACHED');
