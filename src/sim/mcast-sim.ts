// Multicast in the simulator: a SimNetwork whose node factory attaches a Multicast to every VrrNode, a record
// of every group packet each node delivered, and a steady-stream driver shared by the multicast tests and
// bench/multicast.ts.

import { SimNetwork } from './network.ts';
import { isRingConsistent } from '../checks/ring-consistent/sim.ts';
import { assignAddresses } from '../topology/index.ts';
import type { Topology } from '../topology/types.ts';
import type { Address } from '../vrr/address.ts';
import { Multicast, type MulticastOptions } from '../vrr/multicast/index.ts';
import { VrrNode } from '../vrr/node.ts';
import { createRng } from '../vrr/rng.ts';
import { randomGeometricTopology } from '../topology/code-topologies.ts';

/** A simulated network with a Multicast on every node (a restarted node gets a fresh one). */
export class McastSim {
  readonly network: SimNetwork;
  private readonly exts = new Map<Address, Multicast>();
  /** Per node name, per "src/group", the stream sequence numbers delivered there, in arrival order. */
  readonly received = new Map<string, Map<string, number[]>>();

  constructor(topology: Topology, seed: number, options: MulticastOptions = {}) {
    const addresses = assignAddresses(topology, seed);
    const names = new Map([...addresses].map(([n, a]) => [a, n]));
    this.network = new SimNetwork(topology, {
      seed,
      addresses,
      createNode: (config, env) => {
        const node = new VrrNode(
          { address: config.address, vsetSize: config.vsetSize, helloMs: config.helloMs },
          env,
        );
        const name = names.get(config.address)!;
        const onDeliver = (p: { src: Address; dst: Address; payload: Uint8Array }) => {
          let byStream = this.received.get(name);
          if (!byStream) this.received.set(name, (byStream = new Map()));
          const k = `${p.src}/${p.dst}`;
          let list = byStream.get(k);
          if (!list) byStream.set(k, (list = []));
          list.push(streamSeq(p.payload));
        };
        this.exts.set(config.address, node.attach(new Multicast(node.services, { ...options, onDeliver })));
        return node;
      },
    });
    this.network.start();
  }

  /** The Multicast of a running node. */
  mc(name: string): Multicast {
    const m = this.network.isAlive(name) ? this.exts.get(this.network.addressOf(name)) : undefined;
    if (!m) throw new Error(`node ${name} is not running`);
    return m;
  }

  /** Names of the running nodes, in topology order. */
  alive(): string[] {
    return this.network.nodeNames().filter((n) => this.network.isAlive(n));
  }

  /** Runs until the ring is consistent (checked every second); returns the time or throws. */
  converge(deadlineMs = this.network.now() + 600_000): number {
    const at = this.network.runUntilTrue(() => isRingConsistent(this.network), {
      everyMs: 1000,
      deadlineMs,
    });
    if (at === null) throw new Error(`the ring is not consistent at ${deadlineMs / 1000} s`);
    return at;
  }

  /** Sequence numbers node `name` received from source `src` on `group`. */
  got(name: string, src: string, group: Address): number[] {
    return this.received.get(name)?.get(`${this.network.addressOf(src)}/${group}`) ?? [];
  }

  /**
   * Sends `count` packets from `src` to `group`, one every `gapMs`, numbered from `first`; `during(i)` runs
   * before packet i (to inject events mid-stream). Returns the next free sequence number.
   */
  stream(
    src: string,
    group: Address,
    first: number,
    count: number,
    gapMs = 20,
    during?: (i: number) => void,
  ): number {
    for (let i = 0; i < count; i++) {
      during?.(i);
      this.mc(src).send(group, streamPayload(first + i));
      this.network.runFor(gapMs);
    }
    return first + count;
  }

  /** Every running node's table invariants. */
  checkInvariants(): void {
    for (const n of this.alive()) this.mc(n).checkInvariants();
  }
}

/** A stream packet's payload: a 4-byte sequence number and padding to 400 bytes (a 160 kbit/s stream at 50/s). */
export function streamPayload(seq: number): Uint8Array {
  const p = new Uint8Array(400);
  new DataView(p.buffer).setUint32(0, seq);
  return p;
}

/** The sequence number of a stream payload. */
export function streamSeq(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
}

/** Range [a, b) as an array. */
export function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

/**
 * Tree coherence across the running nodes, as a list of problems (empty = coherent): for every tree, X lists D
 * downstream exactly when D's upstream is X (no orphaned branch, no copy sent to a node that drops it).
 */
export function treeProblems(sim: McastSim): string[] {
  const problems: string[] = [];
  const rows = new Map<string, Map<Address, { upstream: Address | null; downstream: Address[] }>>();
  for (const n of sim.alive()) {
    const me = sim.network.addressOf(n);
    for (const r of sim.mc(n).table()) {
      const k = `${r.root}/${r.group}`;
      if (!rows.has(k)) rows.set(k, new Map());
      rows.get(k)!.set(me, r);
    }
  }
  for (const [k, byNode] of rows) {
    for (const [me, r] of byNode) {
      for (const d of r.downstream) {
        if (byNode.get(d)?.upstream !== me)
          problems.push(`${k}: ${me} sends to ${d}, whose upstream is not ${me}`);
      }
      if (r.upstream !== null && !byNode.get(r.upstream)?.downstream.includes(me)) {
        problems.push(`${k}: ${me} has upstream ${r.upstream}, which does not send to it`);
      }
    }
  }
  return problems;
}

/** A converged 100-node network and a seeded shuffle of its node names to pick sources and members from. */
export function convergedMcastSim(seed: number) {
  const sim = new McastSim(randomGeometricTopology(100, 4), seed);
  sim.converge();
  const names = sim.alive();
  const rng = createRng(seed * 7 + 1);
  const shuffled = [...names];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  return {
    sim,
    names,
    pick: (n: number, avoid: string[] = []) => shuffled.filter((x) => !avoid.includes(x)).slice(0, n),
  };
}
