// An AF_PACKET socket bound to one interface and one EtherType: the daemon's real links. Receives
// (source MAC, payload after the Ethernet header); sends a payload to a MAC, the header built natively.

import { nativeBinding, type LinkCounters, type NativeChannel, type NativeOpened } from './binding.ts';
import { netnsPath } from './netns-path.ts';
import { checkBudget, checkInterfaceName, checkMac } from './validate.ts';

/** The EtherType of VRR frames (IEEE 802 Local Experimental EtherType 1). */
export const VRR_ETHERTYPE = 0x88b5;

/** ff:ff:ff:ff:ff:ff as a number. */
export const BROADCAST_MAC = 2 ** 48 - 1;

/** One received frame: who sent it and the bytes after its Ethernet header (veth: unpadded; NICs: padded). */
export interface ReceivedFrame {
  /** Ethernet source address, 48-bit. */
  src: number;
  payload: Buffer;
}

/** Options for openPacketSocket. */
export interface PacketSocketOptions {
  /** Socket receive buffer; default 2 MiB, so a burst of ~1,000 frames waits for the loop instead of dropping. */
  rcvBufBytes?: number;
  /** Most frames handed to one onFrames call; the rest wait for the next loop turn. Default 64. */
  budget?: number;
  /**
   * Queue the frames sent during a batch (any channel's onFrames callback, or runBatched) and send them with one
   * sendmmsg when it ends; send() then says true when queued and a refusal shows only in the counters.
   */
  batchWrites?: boolean;
  /**
   * The network namespace to open the socket in (a name under /run/netns or an absolute path such as
   * /proc/PID/ns/net; see netns-path.ts). Default: the current one. The socket stays in it for good.
   */
  netns?: string;
}

/** An open packet socket. MAC, MTU and ifindex are read once, at open. */
export class PacketSocket {
  readonly ifname: string;
  readonly etherType: number;
  readonly ifindex: number;
  /** The interface's MTU: the largest payload send() can carry. */
  readonly mtu: number;
  /** The interface's Ethernet address, 48-bit: the source of every frame sent. */
  readonly mac: number;
  readonly #channel: NativeChannel;
  readonly #budget: number;

  /** Wraps what the addon opened; use openPacketSocket(). */
  constructor(opened: NativeOpened, etherType: number, budget: number) {
    this.ifname = opened.name;
    this.ifindex = opened.ifindex;
    this.mtu = opened.mtu;
    this.mac = opened.mac;
    this.etherType = etherType;
    this.#channel = opened.channel;
    this.#budget = budget;
  }

  /**
   * Sends payload to dstMac (null = broadcast) without blocking: false when the frame was refused (a full
   * queue counts in txDropped, anything else, like an oversized payload or a down link, in txErrors).
   */
  send(dstMac: number | null, payload: Uint8Array): boolean {
    const dst = dstMac ?? BROADCAST_MAC;
    checkMac('send', 'dstMac', dst);
    return this.#channel.send(dst, payload);
  }

  /**
   * Starts delivering received frames of this EtherType, in batches. Calling it again replaces the callback.
   * An exception thrown by cb reaches process 'uncaughtException' (and so kills the process unless handled).
   * While listening, the socket keeps the process alive (see unref()).
   */
  onFrames(cb: (frames: ReceivedFrame[]) => void): void {
    this.#channel.start((payloads, sources) => {
      const frames: ReceivedFrame[] = new Array(payloads.length);
      for (let i = 0; i < payloads.length; i++) frames[i] = { src: sources![i], payload: payloads[i] };
      cb(frames);
    }, this.#budget);
  }

  /** Counters: rx, tx, txDropped, ... */
  get counters(): LinkCounters {
    return this.#channel.stats();
  }

  /** Lets the process exit even while this socket is listening (like net.Socket.unref). */
  unref(): this {
    this.#channel.unref();
    return this;
  }

  /** Undoes unref(). */
  ref(): this {
    this.#channel.ref();
    return this;
  }

  /** Stops listening and closes the socket; calling it again does nothing. */
  close(): void {
    this.#channel.close();
  }
}

/** Opens a non-blocking packet socket on interface ifname (of opts.netns) that sees only frames of etherType. */
export function openPacketSocket(
  ifname: string,
  etherType: number = VRR_ETHERTYPE,
  opts: PacketSocketOptions = {},
): PacketSocket {
  checkInterfaceName('openPacketSocket', ifname);
  // Below 0x0600 the field is an 802.3 length, not an EtherType.
  if (!Number.isInteger(etherType) || etherType < 0x0600 || etherType > 0xffff) {
    throw new RangeError(
      `openPacketSocket: expected an EtherType in [0x0600, 0xffff], found ${Number.isInteger(etherType) ? '0x' + etherType.toString(16) : etherType}`,
    );
  }
  const rcvBuf = opts.rcvBufBytes ?? 2 * 1024 * 1024;
  if (!Number.isInteger(rcvBuf) || rcvBuf < 0 || rcvBuf > 2 ** 30) {
    throw new RangeError(
      `openPacketSocket: expected rcvBufBytes to be an integer in [0, 2^30], found ${rcvBuf}`,
    );
  }
  const budget = checkBudget('openPacketSocket', opts.budget);
  const opened = nativeBinding().openPacketSocket(ifname, etherType, rcvBuf, netnsPath(opts.netns));
  if (opts.batchWrites) opened.channel.batchWrites(true);
  return new PacketSocket(opened, etherType, budget);
}
