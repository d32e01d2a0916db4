// Multicast membership options (0x20-0x26): REGISTER, MEMBERS, WITHDRAW, JOIN, SOURCES, LEAVE, REPLICATE.
//  0 Type  1 Len  2 HopCount  3 HopLimit  4 NSrc  5 NMem  6-7 Version (REPLICATE, else 0)
//  8 Target slot (extra: Seen, REPLICATE, else 0)  16 Group slot  24 Origin slot  32 NSrc source slots, then NMem
//  member slots

import { checkUint, writeU16 } from '../fields.ts';
import { MalformedOption, type OptionCodec } from '../option-codec.ts';
import { readAddressList, readWireAddress, writeAddressList, writeSlot } from '../slots.ts';
import { McastOptionType, type McastMembershipOption } from '../types.ts';

/** Bytes before the first listed address. */
export const MCAST_MEMBERSHIP_FIXED_LENGTH = 32;
/** Most addresses (sources + members) one membership option can list: (2040 - 32) / 8. */
export const MCAST_MAX_LISTED = 251;

function membershipCodec(
  type: McastMembershipOption['type'],
  name: string,
): OptionCodec<McastMembershipOption> {
  return {
    type,
    name,
    length(o) {
      return MCAST_MEMBERSHIP_FIXED_LENGTH + 8 * (o.sources.length + o.members.length);
    },
    write(o, out, start) {
      checkUint(o.hopCount, 0xff, `${name} hopCount`);
      checkUint(o.hopLimit, 0xff, `${name} hopLimit`);
      if (o.sources.length + o.members.length > MCAST_MAX_LISTED) {
        throw new RangeError(`${name}: at most ${MCAST_MAX_LISTED} listed addresses`);
      }
      out[start + 2] = o.hopCount;
      out[start + 3] = o.hopLimit;
      out[start + 4] = o.sources.length;
      out[start + 5] = o.members.length;
      const version = o.version ?? 0;
      const seen = o.seen ?? 0;
      checkUint(version, 0xffff, `${name} version`);
      checkUint(seen, 0xffff, `${name} seen`);
      writeU16(out, start + 6, version);
      writeSlot(out, start + 8, o.target, seen, `${name} target`);
      writeSlot(out, start + 16, o.group, 0, `${name} group`);
      writeSlot(out, start + 24, o.origin, 0, `${name} origin`);
      writeAddressList(out, start + 32, o.sources, `${name} sources`);
      writeAddressList(out, start + 32 + 8 * o.sources.length, o.members, `${name} members`);
    },
    read(frame, start, length) {
      if (length < MCAST_MEMBERSHIP_FIXED_LENGTH) {
        return new MalformedOption(
          `${name} needs ${MCAST_MEMBERSHIP_FIXED_LENGTH} bytes, Len holds ${length}`,
        );
      }
      const ns = frame[start + 4];
      const nm = frame[start + 5];
      if (MCAST_MEMBERSHIP_FIXED_LENGTH + 8 * (ns + nm) > length) {
        return new MalformedOption(`${name} lists ${ns + nm} addresses, Len holds ${length} bytes`);
      }
      const opt: McastMembershipOption = {
        type,
        hopCount: frame[start + 2],
        hopLimit: frame[start + 3],
        target: readWireAddress(frame, start + 8),
        group: readWireAddress(frame, start + 16),
        origin: readWireAddress(frame, start + 24),
        sources: readAddressList(frame, start + 32, ns),
        members: readAddressList(frame, start + 32 + 8 * ns, nm),
      };
      if (type === McastOptionType.REPLICATE) {
        opt.version = (frame[start + 6] << 8) | frame[start + 7];
        opt.seen = (frame[start + 14] << 8) | frame[start + 15];
      }
      return opt;
    },
  };
}

/** MCAST_REGISTER (0x20): a source announces itself to the group's RVP. */
export const mcastRegisterCodec = membershipCodec(McastOptionType.REGISTER, 'MCAST_REGISTER');
/** MCAST_MEMBERS (0x21): the RVP tells a source the group's members. */
export const mcastMembersCodec = membershipCodec(McastOptionType.MEMBERS, 'MCAST_MEMBERS');
/** MCAST_WITHDRAW (0x22): a source leaves the group. */
export const mcastWithdrawCodec = membershipCodec(McastOptionType.WITHDRAW, 'MCAST_WITHDRAW');
/** MCAST_JOIN (0x23): a member joins the group at its RVP. */
export const mcastJoinCodec = membershipCodec(McastOptionType.JOIN, 'MCAST_JOIN');
/** MCAST_SOURCES (0x24): the RVP tells a member the group's sources. */
export const mcastSourcesCodec = membershipCodec(McastOptionType.SOURCES, 'MCAST_SOURCES');
/** MCAST_LEAVE (0x25): a member leaves the group. */
export const mcastLeaveCodec = membershipCodec(McastOptionType.LEAVE, 'MCAST_LEAVE');
/** MCAST_REPLICATE (0x26): the RVP copies the group's membership to one of its virtual neighbours. */
export const mcastReplicateCodec = membershipCodec(McastOptionType.REPLICATE, 'MCAST_REPLICATE');
