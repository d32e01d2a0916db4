// A network namespace's interfaces, read through the addon without entering /sys (sysfs shows the namespace it
// was mounted in, not the one a node's links are in) and without spawning `ip`: the state of one interface
// (for carrier polling), every interface of the namespace, and the IP addresses on one.

import { closeSync } from 'node:fs';
import { nativeBinding, type NativeAddress, type NativeInterface } from './binding.ts';
import { netnsPath } from './netns-path.ts';
import { checkInterfaceName } from './validate.ts';

/** IFF_UP, IFF_LOOPBACK and IFF_RUNNING (the operational state: for a veth, the carrier). */
export const IFF = { up: 0x1, loopback: 0x8, running: 0x40 } as const;

/** ARPHRD_ETHER and ARPHRD_LOOPBACK: the hardware types whose address is a MAC. */
const MAC_HW_TYPES = new Set([1, 772]);

/** One interface's state. */
export interface InterfaceState {
  name: string;
  ifindex: number;
  mtu: number;
  /** 48-bit MAC, or null when the interface has no Ethernet address (an L3 tunnel). */
  mac: number | null;
  up: boolean;
  /**
   * Up with a carrier: the link can carry frames (a veth whose peer is down cannot). The driver's carrier, read
   * at once like /sys/class/net/<if>/carrier; IFF_RUNNING (which the kernel updates later) where it has none.
   */
  running: boolean;
  loopback: boolean;
}

/**
 * Reads interfaces of one namespace through a socket opened in it once: every later read is a few ioctls, with
 * no namespace switch. Close it when done (it holds one fd).
 */
export class InterfaceQuery {
  /** The namespace as given ('' = the current one), for messages. */
  readonly netns: string;
  #fd: number;

  /** Opens the query socket inside netns (a name or a path, see netns-path.ts). */
  constructor(netns: string | undefined) {
    this.netns = netns ?? '';
    this.#fd = nativeBinding().openInterfaceQuery(netnsPath(netns));
  }

  /** The interface's state, or null when the namespace has no interface of that name. */
  read(name: string): InterfaceState | null {
    if (this.#fd < 0) throw new Error(`InterfaceQuery(${this.netns || 'current netns'}): used after close()`);
    checkInterfaceName('InterfaceQuery.read', name);
    const raw = nativeBinding().queryInterface(this.#fd, name);
    return raw === null ? null : toState(raw);
  }

  /** Releases the socket; idempotent. */
  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }
}

/** The names of every interface of the namespace (a name or a path; '' = the current one), sorted. */
export function listInterfaceNames(netns: string | undefined): string[] {
  return nativeBinding().listInterfaces(netnsPath(netns)).sort();
}

/** The IPv4 and IPv6 addresses on an interface of the namespace ([] when it has none or does not exist). */
export function interfaceAddresses(netns: string | undefined, name: string): NativeAddress[] {
  checkInterfaceName('interfaceAddresses', name);
  return nativeBinding().interfaceAddresses(netnsPath(netns), name);
}

function toState(raw: NativeInterface): InterfaceState {
  return {
    name: raw.name,
    ifindex: raw.ifindex,
    mtu: raw.mtu,
    mac: MAC_HW_TYPES.has(raw.hwType) ? raw.mac : null,
    up: (raw.flags & IFF.up) !== 0,
    running:
      (raw.flags & IFF.up) !== 0 &&
      (raw.carrier === -1 ? (raw.flags & IFF.running) !== 0 : raw.carrier === 1),
    loopback: (raw.flags & IFF.loopback) !== 0,
  };
}
