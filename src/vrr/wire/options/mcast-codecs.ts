// The multicast option codecs as one list, so the multicast module (and tests' own registries) register them.

import type { OptionCodec } from '../option-codec.ts';
import type { OptionRegistry } from '../option-registry.ts';
import {
  mcastJoinCodec,
  mcastLeaveCodec,
  mcastMembersCodec,
  mcastRegisterCodec,
  mcastReplicateCodec,
  mcastSourcesCodec,
  mcastWithdrawCodec,
} from './mcast-membership.ts';
import {
  mcastAttachedCodec,
  mcastBranchCodec,
  mcastFellCodec,
  mcastPruneCodec,
  mcastSeedCodec,
} from './mcast-tree.ts';

/** Every multicast option codec (Types 0x20-0x26, 0x28-0x2C). */
export const MCAST_OPTION_CODECS: readonly OptionCodec<any>[] = [
  mcastRegisterCodec,
  mcastMembersCodec,
  mcastWithdrawCodec,
  mcastJoinCodec,
  mcastSourcesCodec,
  mcastLeaveCodec,
  mcastReplicateCodec,
  mcastSeedCodec,
  mcastFellCodec,
  mcastBranchCodec,
  mcastPruneCodec,
  mcastAttachedCodec,
];

/** Registers the multicast codecs in a registry (idempotent). */
export function registerMcastCodecs(registry: OptionRegistry): OptionRegistry {
  for (const codec of MCAST_OPTION_CODECS) registry.register(codec);
  return registry;
}
