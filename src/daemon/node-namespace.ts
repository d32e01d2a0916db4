// The network namespace a node's interfaces live in, and the one way the daemon reaches them: interface state
// (carrier polling, the default interfaces and address), the IP addresses on the overlay, `ip` commands, and the
// namespace every packet socket and TAP is opened in. A vrrd of its own node runs inside the namespace (`ip netns
// exec`), reads sysfs and runs `ip` as it is; a vrrd hosting many nodes stays in its own namespace and reaches
// each node's through the addon (sockets opened inside it, see native/netns.h) and `ip -n` / nsenter.

import {
  readHostInterface,
  listHostInterfaces,
  OperStateReader,
  type HostInterface,
} from './host-interfaces.ts';
import {
  InterfaceQuery,
  interfaceAddresses,
  listInterfaceNames,
  netnsPath,
  NETNS_RUN_DIR,
  type InterfaceState,
} from './native/index.ts';
import { parseCidr, type Cidr } from '../topology/ip-address.ts';

/** Where a node's interfaces are. */
export class NodeNamespace {
  /** The namespace as configured (a name under /run/netns or a path), or null for the process's own. */
  readonly netns: string | null;
  /** The socket reading the namespace's interfaces (null: the own namespace, read through sysfs, or closed). */
  #query: InterfaceQuery | null;
  /** The own namespace's carriers, read through sysfs files kept open. */
  readonly #operState = new OperStateReader();

  private constructor(netns: string | null, query: InterfaceQuery | null) {
    this.netns = netns;
    this.#query = query;
  }

  /** The process's own namespace (sysfs as mounted, `ip` as it is). */
  static own(): NodeNamespace {
    return new NodeNamespace(null, null);
  }

  /** Another namespace, by name or path; throws, naming it, when it cannot be entered. */
  static join(netns: string): NodeNamespace {
    try {
      return new NodeNamespace(netns, new InterfaceQuery(netns));
    } catch (error) {
      throw new Error(`netns ${netns}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The namespace for messages: its name or path, or "own". */
  get label(): string {
    return this.netns ?? 'own';
  }

  /** The netns option of openPacketSocket/openTap (undefined: here). */
  get openOption(): string | undefined {
    return this.netns ?? undefined;
  }

  /** One interface, or null when the namespace has none of that name. */
  readInterface(name: string): HostInterface | null {
    if (this.netns === null) return readHostInterface(name);
    if (this.#query === null) return null; // closed: the node is stopping
    const state = this.#query.read(name);
    return state === null ? null : toHostInterface(state);
  }

  /**
   * Whether an interface is up with its carrier, at the least cost: the daemon asks this of every link every
   * poll. In the own namespace one pread of its sysfs operstate file, kept open (OperStateReader; "up" is true,
   * anything else, such as "unknown" from a driver that reports none, is false, and the caller then reads the
   * interface in full); in another, one query.
   */
  carrierUp(name: string): boolean {
    if (this.netns === null) return this.#operState.read(name) === 'up';
    const i = this.readInterface(name);
    return i !== null && i.up && i.carrier;
  }

  /** Every interface of the namespace, sorted by name. */
  listInterfaces(): HostInterface[] {
    if (this.netns === null) return listHostInterfaces();
    return listInterfaceNames(this.netns)
      .map((name) => this.readInterface(name))
      .filter((i): i is HostInterface => i !== null);
  }

  /** The IPv4 and IPv6 addresses on an interface (read natively: no `ip` spawn). */
  addresses(ifname: string): Cidr[] {
    const out: Cidr[] = [];
    for (const a of interfaceAddresses(this.openOption, ifname)) {
      try {
        out.push(parseCidr(`${a.address}/${a.prefixLength}`));
      } catch {
        // An address we do not read (none so far): not published, nothing else breaks.
      }
    }
    return out;
  }

  /** The argv that runs `ip ...args` in the namespace: `ip -n NAME` for a named one, nsenter for a path. */
  ipArgv(args: readonly string[]): string[] {
    if (this.netns === null) return ['ip', ...args];
    const path = netnsPath(this.netns);
    if (path.startsWith(`${NETNS_RUN_DIR}/`) && !path.slice(NETNS_RUN_DIR.length + 1).includes('/')) {
      return ['ip', '-n', path.slice(NETNS_RUN_DIR.length + 1), ...args];
    }
    return ['nsenter', `--net=${path}`, '--', 'ip', ...args];
  }

  /** Releases the query socket and the sysfs files; idempotent. */
  close(): void {
    this.#query?.close();
    this.#query = null;
    this.#operState.close();
  }
}

function toHostInterface(s: InterfaceState): HostInterface {
  return { name: s.name, mac: s.mac, mtu: s.mtu, up: s.up, carrier: s.running, loopback: s.loopback };
}
