// One seed, one sample: the lab half of a check (over a fake LabProbe) and its simulator half (over a small
// simulated network of real nodes) of the same topology draw the same ping-all pairs and the same DHT keys,
// from the same nodes, because both call the one sampling function of their check (sample.ts).

import assert from 'node:assert/strict';
import type { Address } from '../../../src/vrr/address.ts';
import type { DhtResult } from '../../../src/vrr/dht/index.ts';
import type { SimNetwork } from '../../../src/sim/network.ts';
import type { SimDht } from '../../../src/checks/sim-probe.ts';
import { dhtCheck } from '../../../src/checks/dht/index.ts';
import { simDhtCheck } from '../../../src/checks/dht/sim.ts';
import { pingAllCheck } from '../../../src/checks/ping-all/index.ts';
import { runPingAll } from '../../../src/checks/ping-all/lab.ts';
import { pingAll, type PingNetwork } from '../../../src/checks/ping-all/sim.ts';
import { choosePairs, LAB_SAMPLING, SIM_SAMPLING } from '../../../src/checks/ping-all/sample.ts';
import type { Topology } from '../../../src/topology/types.ts';
import { convergedNetwork } from '../../sim/helpers/converged.ts';
import { gridTopology } from '../../sim/helpers/topologies.ts';
import { fakeLab, fakeIpv4, fakeIpv6, pingOutput, type FakeLab } from './fake-probe.ts';

const SEED = 5;
const DHT = { keys: 24, expect: { foundPct: 100 } };

// A fake lab of the topology's nodes and links whose pings all answer and whose DHT is one shared store; it
// records which pairs were pinged and which node put and got which key.
function labOf(topology: Topology): { lab: FakeLab; pinged: string[]; dht: string[] } {
  const names = topology.nodes.map((n) => n.name);
  const byAddress = new Map(
    names.flatMap((name, i) => [
      [fakeIpv4(i), name],
      [fakeIpv6(i), name],
    ]),
  );
  const pinged: string[] = [];
  const dht: string[] = [];
  const store = new Map<string, unknown>();
  const lab = fakeLab(names.length, {
    names,
    upLinks: topology.links.map((l) => [l.a, l.b]),
    exec: (node, argv) => {
      const address = argv.at(-1)!;
      pinged.push(`${node} -> ${byAddress.get(address)}`);
      return { exitCode: 0, stdout: pingOutput(address, 3, 3), stderr: '' };
    },
    ctl: (node, verb, args) => {
      dht.push(`${verb === 'dht.put' ? 'put' : 'get'} ${String(args.key)} at ${node}`);
      if (verb === 'dht.put') store.set(String(args.key), args.value);
      return { ok: true, found: store.has(String(args.key)), value: store.get(String(args.key)), hops: 1 };
    },
  });
  return { lab, pinged, dht };
}

// The network, seen through a recorder: every probe's pair and every DHT call's key and node.
function recorded(network: SimNetwork): { net: PingNetwork; pinged: string[]; dht: string[] } {
  const pinged: string[] = [];
  const dht: string[] = [];
  const net = Object.create(network) as SimNetwork;
  net.sendData = (from: string, dst: Address, payload: Uint8Array, opts?: { nextHeader?: number }) => {
    pinged.push(`${from} -> ${network.nameOf(dst)}`);
    return network.sendData(from, dst, payload, opts);
  };
  net.node = (name: string) => {
    const node = network.node(name);
    if (!node?.dht) return node;
    const real = node.dht;
    const spy: SimDht = {
      put: (key, value, opts, done) => {
        dht.push(`put ${key} at ${name}`);
        real.put(key, value, opts, done);
      },
      get: (key, done: (r: DhtResult) => void) => {
        dht.push(`get ${key} at ${name}`);
        real.get(key, done);
      },
    };
    return Object.assign(Object.create(node), { dht: spy });
  };
  return { net, pinged, dht };
}

// The distinct entries in first-seen order (a lab pings each pair once per family, a sim retries lost probes).
const distinct = (lines: string[]): string[] => [...new Set(lines)];

describe('checks: one seed, the same sample in a lab and in the simulator', function () {
  this.timeout(360_000);
  // 30 nodes: above the lab's sampling threshold (20), below the simulator's (400).
  const topology = gridTopology(5, 6);
  let network: SimNetwork;

  before(() => {
    network = convergedNetwork(topology, SEED);
  });

  it('ping-all with the same limits pings the same pairs in the same order', async () => {
    const limits = { sampleAbove: 20, samplePairs: 50 };
    const lab = labOf(topology);
    const labResult = await runPingAll(lab.lab, SEED, limits);
    const sim = recorded(network);
    const simResult = pingAll(sim.net, limits);
    assert.equal(labResult.figures.pairs, 50);
    assert.equal(simResult.figures.pairs, 50);
    assert.equal(simResult.passed, true, simResult.problems.join('\n'));
    assert.deepEqual(distinct(lab.pinged), distinct(sim.pinged));
  });

  it("ping-all with each half's default limits: every pair the lab pings is pinged in the replay", async () => {
    const lab = labOf(topology);
    const labResult = await pingAllCheck.lab(lab.lab, { spec: null, seed: SEED });
    const sim = recorded(network);
    const simResult = pingAllCheck.sim(sim.net as SimNetwork, { spec: null, seed: SEED });
    assert.equal(labResult.figures.pairs, LAB_SAMPLING.pairs); // the lab samples 30 nodes' 870 pairs
    assert.equal(simResult.figures.pairs, 30 * 29); // the simulator pings them all
    const simPairs = new Set(sim.pinged);
    for (const pair of distinct(lab.pinged))
      assert.ok(simPairs.has(pair), `${pair} not pinged in the replay`);
  });

  it("a lab's sample is the first pairs of the simulator's when both sample", () => {
    const names = Array.from({ length: 500 }, (_, i) => `n${i}`);
    const ring = names.map((a, i) => [a, names[(i + 1) % names.length]] as const);
    const sim = choosePairs(SEED, names, ring, SIM_SAMPLING);
    const lab = choosePairs(SEED, names, ring, LAB_SAMPLING);
    assert.equal(sim.sampled && lab.sampled, true);
    assert.deepEqual(lab.pairs, sim.pairs.slice(0, LAB_SAMPLING.pairs));
  });

  it('dht puts the same keys from the same nodes and gets each from the same other node', async () => {
    const lab = labOf(topology);
    const labResult = await dhtCheck.lab(lab.lab, { spec: DHT, seed: SEED });
    const sim = recorded(network);
    const simResult = simDhtCheck(sim.net as SimNetwork, DHT, SEED);
    assert.equal(labResult.passed, true, JSON.stringify(labResult.problems));
    assert.equal(simResult.passed, true, simResult.problems.join('\n'));
    assert.equal(lab.dht.length, 2 * DHT.keys);
    assert.deepEqual(lab.dht, sim.dht);
  });
});
