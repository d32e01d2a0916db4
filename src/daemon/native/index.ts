// Link I/O for vrrd: TAP devices and AF_PACKET sockets on Node's loop, through a small N-API addon
// (built by `npm install` / `npm run build:native`; see docs/architecture.md, "Link I/O").

export { openTap, TapDevice, type TapOptions } from './tap-device.ts';
export {
  openPacketSocket,
  PacketSocket,
  VRR_ETHERTYPE,
  BROADCAST_MAC,
  type PacketSocketOptions,
  type ReceivedFrame,
} from './packet-socket.ts';
export type { LinkCounters } from './binding.ts';
export { runBatched, trimMemory } from './batch.ts';
