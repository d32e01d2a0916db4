// A simulated network of real VrrNodes (with the DHT and multicast, as the simulator's factory builds them),
// run until its ring is consistent: the starting point of the dht and multicast check tests.

import assert from 'node:assert/strict';
import { SimNetwork } from '../../../src/sim/network.ts';
import { vrrNodeFactory } from '../../../src/sim/node-factory.ts';
import { isRingConsistent } from '../../../src/checks/ring-consistent/sim.ts';
import { assignAddresses } from '../../../src/topology/index.ts';
import type { Topology } from '../../../src/topology/types.ts';

/** Builds and starts the network, runs it until its ring is consistent (or fails the test). */
export function convergedNetwork(topology: Topology, seed: number): SimNetwork {
  const network = new SimNetwork(topology, {
    seed,
    addresses: assignAddresses(topology, seed),
    createNode: vrrNodeFactory,
  });
  network.start();
  const at = runUntilConsistent(network);
  assert.notEqual(at, null, `${topology.name}: the ring never became consistent`);
  return network;
}

/** Runs until the ring is consistent, for at most `forMs` more; the time it was, or null. */
export function runUntilConsistent(network: SimNetwork, forMs = 120_000): number | null {
  return network.runUntilTrue(() => isRingConsistent(network), {
    everyMs: 500,
    deadlineMs: network.now() + forMs,
  });
}
