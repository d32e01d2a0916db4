// The DHT in the simulator (src/sim): a SimNetwork built by the simulator's own node factory (every node a
// SimVrrNode carrying the DHT and multicast, as vrrd and the scenario runner have them), and the bookkeeping the
// 100-node figures share (issue requests, run the clock until they settle).

import { SimNetwork } from '../../../../src/sim/network.ts';
import { SimVrrNode, simVrrNodeFactory } from '../../../../src/sim/node-factory.ts';
import { isRingConsistent } from '../../../../src/checks/ring-consistent/sim.ts';
import { assignAddresses } from '../../../../src/topology/index.ts';
import type { Topology } from '../../../../src/topology/types.ts';
import type { Dht, DhtOptions, DhtResult } from '../../../../src/vrr/dht/index.ts';

/** A simulated network of the simulator's real nodes (a restarted node gets a fresh Dht). */
export class DhtSim {
  readonly network: SimNetwork;

  constructor(topology: Topology, seed: number, dhtOptions: DhtOptions = {}) {
    this.network = new SimNetwork(topology, {
      seed,
      addresses: assignAddresses(topology, seed),
      createNode: simVrrNodeFactory({ dht: dhtOptions }),
    });
    this.network.start();
  }

  /** The Dht of a running node. */
  dht(name: string): Dht {
    const node = this.network.node(name);
    if (!(node instanceof SimVrrNode)) throw new Error(`node ${name} is not running`);
    return node.dht;
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

  /**
   * Starts every call (spaced `gapMs` apart in virtual time) and runs the clock until all have settled.
   * Returns the results in call order.
   */
  runAll(calls: ((done: (r: DhtResult) => void) => void)[], gapMs = 2, limitMs = 120_000): DhtResult[] {
    const results: (DhtResult | null)[] = calls.map(() => null);
    let open = calls.length;
    calls.forEach((call, i) => {
      call((r) => {
        if (results[i] !== null) throw new Error(`done called twice for call ${i}`);
        results[i] = r;
        open--;
      });
      if (gapMs > 0) this.network.runFor(gapMs);
    });
    const deadline = this.network.now() + limitMs;
    this.network.runUntilTrue(() => open === 0, { everyMs: 100, deadlineMs: deadline });
    if (open > 0) throw new Error(`${open} DHT calls still open after ${limitMs} ms`);
    return results as DhtResult[];
  }
}

/** Mean, 95th percentile and maximum of a list of numbers. */
export function summary(values: number[]): { mean: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? 0;
  return { mean: Math.round(mean * 100) / 100, p95, max: sorted[sorted.length - 1] ?? 0 };
}
