// The multicast extension's public surface (docs/protocol.md, Multicast and broadcast): what the daemon and the
// simulator import.

export { Multicast, type MulticastOptions, type TreeView } from './multicast.ts';
export { groupKey, MembershipStore, type GroupRecord } from './membership.ts';
export { TreeTable, treeKey, type TreeEntry } from './tree-table.ts';
export { MCAST_OPTION_CODECS, registerMcastCodecs } from '../wire/options/mcast-codecs.ts';
