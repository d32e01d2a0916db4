// A TAP device (IFF_TAP | IFF_NO_PI) on Node's loop: whole Ethernet frames in and out, never blocking.

import { nativeBinding, type LinkCounters, type NativeChannel, type NativeOpened } from './binding.ts';
import { netnsPath } from './netns-path.ts';
import { checkBudget, checkInterfaceName, checkMac } from './validate.ts';

/** Options for openTap; anything left out keeps the kernel's default. */
export interface TapOptions {
  /** MTU to set (bytes of the Ethernet payload). */
  mtu?: number;
  /** Ethernet address to set, 48-bit (the overlay TAP carries the node's VRR address). */
  mac?: number;
  /** Bring the interface up (IFF_UP) once configured. */
  up?: boolean;
  /** Most frames handed to one onFrames call; the rest wait for the next loop turn. Default 64. */
  budget?: number;
  /**
   * Checksum and TCP segmentation offload (IFF_VNET_HDR, TUN_F_CSUM|TSO4|TSO6): the host's TCP hands the device
   * super-packets of up to 64 KiB, which onFrames still delivers as the MTU-sized segments, checksums complete.
   * With batchWrites, in-order TCP segments of one flow written in one batch reach the host merged (GRO).
   */
  offload?: boolean;
  /** Write the frames written during a batch when it ends (see runBatched); write() then says true when queued. */
  batchWrites?: boolean;
  /** The network namespace to create the device in (see netns-path.ts); default the current one. */
  netns?: string;
}

/** An open TAP device. The device exists as long as it is open: close() removes it. */
export class TapDevice {
  /** The interface name the kernel gave (the requested one, or the completion of a "%d" pattern). */
  readonly name: string;
  readonly ifindex: number;
  /** MTU and MAC as read back after configuration. */
  readonly mtu: number;
  readonly mac: number;
  readonly #channel: NativeChannel;
  readonly #budget: number;

  /** Wraps what the addon opened; use openTap(). */
  constructor(opened: NativeOpened, budget: number) {
    this.name = opened.name;
    this.ifindex = opened.ifindex;
    this.mtu = opened.mtu;
    this.mac = opened.mac;
    this.#channel = opened.channel;
    this.#budget = budget;
  }

  /**
   * Writes one whole Ethernet frame to the kernel; false (and a counted drop) when it was refused. With batched
   * writes, inside a batch the frame is queued (true) and written when the batch ends.
   */
  write(frame: Uint8Array): boolean {
    return this.#channel.write(frame);
  }

  /** write() of the frame dst, src, etherType, payload, its header built natively (the payload is not copied in JS). */
  writeEthernet(dst: number, src: number, etherType: number, payload: Uint8Array): boolean {
    return this.#channel.writeEthernet(dst, src, etherType, payload);
  }

  /**
   * Starts delivering the frames the kernel sends on the device, in batches. Calling it again replaces the
   * callback. An exception thrown by cb reaches process 'uncaughtException' (and so kills the process
   * unless handled). While listening, the device keeps the process alive (see unref()).
   */
  onFrames(cb: (frames: Buffer[]) => void): void {
    this.#channel.start((frames) => cb(frames), this.#budget);
  }

  /** Counters: rx, tx, txDropped, ... */
  get counters(): LinkCounters {
    return this.#channel.stats();
  }

  /** Lets the process exit even while this device is listening (like net.Socket.unref). */
  unref(): this {
    this.#channel.unref();
    return this;
  }

  /** Undoes unref(). */
  ref(): this {
    this.#channel.ref();
    return this;
  }

  /** Stops listening and closes the device (which removes it); calling it again does nothing. */
  close(): void {
    this.#channel.close();
  }
}

/** Creates the TAP device `name` (at most 15 bytes) in opts.netns (default: the current one), non-blocking. */
export function openTap(name: string, opts: TapOptions = {}): TapDevice {
  checkInterfaceName('openTap', name);
  if (opts.mtu !== undefined && !(Number.isInteger(opts.mtu) && opts.mtu >= 68 && opts.mtu <= 65535)) {
    throw new RangeError(`openTap: expected mtu to be an integer in [68, 65535], found ${opts.mtu}`);
  }
  if (opts.mac !== undefined) checkMac('openTap', 'mac', opts.mac);
  const budget = checkBudget('openTap', opts.budget);
  const opened = nativeBinding().openTap(
    name,
    opts.mtu ?? 0,
    opts.mac ?? -1,
    opts.up ?? false,
    opts.offload ?? false,
    netnsPath(opts.netns),
  );
  if (opts.batchWrites) opened.channel.batchWrites(true);
  return new TapDevice(opened, budget);
}
