// Link I/O for vrrd: TAP devices and AF_PACKET sockets on Node's loop, through a small N-API addon
// (built by `npm install` / `npm run build:native`; see docs/architecture.md, "Link I/O"). Every open can
// target another network namespace (netns.h in this directory says how): one vrrd can host nodes that live in
// many namespaces, each link and TAP opened inside its node's own.

export { openTap, TapDevice, type TapOptions } from './tap-device.ts';
export {
  openPacketSocket,
  PacketSocket,
  VRR_ETHERTYPE,
  BROADCAST_MAC,
  type PacketSocketOptions,
  type ReceivedFrame,
} from './packet-socket.ts';
export type { LinkCounters, NativeAddress } from './binding.ts';
export { runBatched, trimMemory } from './batch.ts';
export {
  InterfaceQuery,
  interfaceAddresses,
  listInterfaceNames,
  type InterfaceState,
} from './namespace-interfaces.ts';
export { netnsCommandPrefix, netnsPath, NETNS_RUN_DIR } from './netns-path.ts';
