// Two namespaces joined by one veth pair, for the native link tests and the link I/O bench (a bare lab: no
// controller, no vrrd). Everything created is named `vrrt-<pid>-...`, so runs never collide, and destroy()
// removes it all, even after a failure half-way through create().

import { createNamespaceSync, createVethPairSync, deleteNamespaceSync, ipSync } from '../links/netns.ts';

/** Two namespaces joined by a veth pair (ifA in nsA, ifB in nsB), both ends up, no IPv6 on them. */
export class VethLab {
  readonly nsA: string;
  readonly nsB: string;
  readonly ifA = 'va0';
  readonly ifB = 'vb0';
  #created: string[] = [];

  /** Names the lab; nothing exists until create(). */
  constructor(label: string) {
    const prefix = `vrrt-${process.pid}-${label}`;
    this.nsA = `${prefix}-a`;
    this.nsB = `${prefix}-b`;
  }

  /** Creates both namespaces and the veth pair (created directly inside them: the host's names are untouched). */
  create(): this {
    for (const ns of [this.nsA, this.nsB]) {
      createNamespaceSync(ns);
      this.#created.push(ns);
    }
    // No IPv6 chatter (router solicitations, MLD) on the test link: only what the test sends crosses it.
    createVethPairSync(
      { netns: this.nsA, ifname: this.ifA },
      { netns: this.nsB, ifname: this.ifB },
      { noIpv6: true },
    );
    return this;
  }

  /** The MAC of an interface inside a namespace, as a 48-bit number. */
  macOf(ns: string, ifname: string): number {
    const [link] = JSON.parse(ipSync('-n', ns, '-j', 'link', 'show', ifname)) as { address: string }[];
    return parseInt(link.address.replaceAll(':', ''), 16);
  }

  /** Deletes the namespaces (which deletes the veth pair); safe to call twice or after a partial create. */
  destroy(): void {
    for (const ns of this.#created.splice(0)) deleteNamespaceSync(ns);
  }
}
