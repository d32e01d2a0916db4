// Loads the compiled link I/O addon (build/Release/vrr_link_io.node) and types its raw interface.
// Loaded lazily, on the first open, so that importing the daemon never fails where the addon is not needed.

import { createRequire } from 'node:module';

/** Counters kept by the native side for one open device or socket. */
export interface LinkCounters {
  /** Frames handed to JS. */
  rx: number;
  rxBytes: number;
  /** Frames read but not handed on: our own transmissions, frames for other hosts, runts. */
  rxFiltered: number;
  /** Read errors (e.g. ENETDOWN once when the interface goes down). */
  rxErrors: number;
  /** Frames written. */
  tx: number;
  txBytes: number;
  /** Writes refused because a queue was full (EAGAIN/ENOBUFS): a router drops, it does not queue. */
  txDropped: number;
  /** Writes refused for any other reason (interface down, frame too big, channel closed). */
  txErrors: number;
  /** errno name of the last failure (e.g. "ENETDOWN"), or null. */
  lastError: string | null;
  /** TSO super-packets read from an offloading TAP (each handed on as the segments it stands for). */
  rxOffloaded: number;
  /** Frames written as parts of merged TCP super-packets (an offloading TAP with batched writes). */
  txMerged: number;
  /** Batches of queued frames written (batched writes). */
  txBatches: number;
}

/** The native object behind a TapDevice or PacketSocket. */
export interface NativeChannel {
  /** Starts (or re-targets) polling; sources is set for packet sockets only. */
  start(callback: (frames: Buffer[], sources: Float64Array | undefined) => void, budget: number): void;
  write(frame: Uint8Array): boolean;
  send(dst: number, payload: Uint8Array): boolean;
  writeEthernet(dst: number, src: number, etherType: number, payload: Uint8Array): boolean;
  close(): void;
  stats(): LinkCounters;
  ref(): void;
  unref(): void;
  /** Queue the frames written during a batch (a channel callback, runBatched) and write them when it ends. */
  batchWrites(on: boolean): void;
}

/** What both native open functions return. */
export interface NativeOpened {
  channel: NativeChannel;
  name: string;
  ifindex: number;
  mtu: number;
  mac: number;
}

/** An interface as an ioctl socket of its namespace reads it. */
export interface NativeInterface {
  name: string;
  ifindex: number;
  mtu: number;
  mac: number;
  /** ARPHRD_* (1 = Ethernet, 772 = loopback). */
  hwType: number;
  /** IFF_* flags, low 16 bits. */
  flags: number;
  /** The driver's carrier now (ETHTOOL_GLINK): 1, 0, or -1 when the driver cannot tell. */
  carrier: number;
}

/** An IP address on an interface. */
export interface NativeAddress {
  family: 4 | 6;
  address: string;
  prefixLength: number;
}

/** The addon's exports. netns arguments are absolute paths of namespace files; '' is the current namespace. */
export interface NativeBinding {
  openTap(name: string, mtu: number, mac: number, up: boolean, offload: boolean, netns: string): NativeOpened;
  openPacketSocket(ifname: string, etherType: number, rcvBufBytes: number, netns: string): NativeOpened;
  openInterfaceQuery(netns: string): number;
  queryInterface(fd: number, name: string): NativeInterface | null;
  listInterfaces(netns: string): string[];
  interfaceAddresses(netns: string, name: string): NativeAddress[];
  runBatched<T>(fn: () => T): T;
  trimMemory(): boolean;
}

const ADDON_PATH = './build/Release/vrr_link_io.node';
let loaded: NativeBinding | null = null;

/** The addon, loaded on first use; throws an Error saying how to build it when it has not been built. */
export function nativeBinding(): NativeBinding {
  if (loaded !== null) return loaded;
  const require = createRequire(import.meta.url);
  try {
    loaded = require(ADDON_PATH) as NativeBinding;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new Error(
      `the link I/O addon src/daemon/native/${ADDON_PATH.slice(2)} could not be loaded ` +
        `(run npm install / npm run build:native): ${detail}`,
      { cause },
    );
  }
  return loaded;
}
