// A keyed mesh in the simulator: the same files as a lab, with `security` set. The keyed nodes form their ring and
// deliver every ping; a stranger without the key, linked to a corner and sending well-formed hellos, is never
// anyone's neighbour, and a restarted node is taken back through the nonce challenge.

import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run-sim.ts';
import { SimNetwork } from '../../src/sim/network.ts';
import { vrrNodeFactory } from '../../src/sim/node-factory.ts';
import { parseTopology } from '../../src/checks/topology.ts';
import { assignAddresses } from '../../src/topology/index.ts';
import type { VrrNode } from '../../src/vrr/node.ts';

const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** A 3x3 grid written out node by node, plus an optional stranger (without the key) linked to r1c1. */
function grid(withStranger = false): string {
  const names: string[] = [];
  const links: string[] = [];
  for (let r = 1; r <= 3; r++) {
    for (let c = 1; c <= 3; c++) {
      names.push(`  r${r}c${c}: {}`);
      if (c < 3) links.push(`  - [r${r}c${c}, r${r}c${c + 1}]`);
      if (r < 3) links.push(`  - [r${r}c${c}, r${r + 1}c${c}]`);
    }
  }
  if (withStranger) {
    names.push('  stranger: { keyed: false }');
    links.push('  - [stranger, r1c1]');
  }
  return [
    'name: keyed-grid',
    'seed: 9',
    `security: { key: "${KEY}" }`,
    'nodes:',
    ...names,
    'links:',
    ...links,
    '',
  ].join('\n');
}

describe('a keyed mesh in the simulator', function () {
  this.timeout(180_000);

  it('forms a consistent ring and delivers every ping-all probe', () => {
    const report = runSimulation(parseTopology(grid(), 'keyed.yaml'), { seed: 9 });
    const problems = report.checks.flatMap((c) => (c.problems ?? []).map((p) => `${c.name}: ${p}`));
    assert.equal(report.passed, true, problems.join('\n'));
    const ping = report.checks.find((c) => c.name === 'ping-all')!;
    assert.equal(ping.figures.delivered, ping.figures.pairs);
  });

  it('never links a stranger without the key, and takes a restarted node back', () => {
    const topology = parseTopology(grid(true), 'keyed.yaml');
    assert.ok(topology.nodes.some((n) => n.name === 'stranger' && n.keyed === false));
    const net = new SimNetwork(topology, {
      seed: 9,
      addresses: assignAddresses(topology, 9),
      createNode: vrrNodeFactory,
    });
    net.start();
    net.runFor(60_000);
    const stranger = net.addressOf('stranger');
    assert.ok(!net.nodeNames().includes('stranger') && net.allNodeNames().includes('stranger'));
    assert.ok(net.snapshots().every((s) => s.name !== 'stranger'), 'the checks leave the stranger out');
    for (const name of net.allNodeNames()) {
      const node = net.node(name) as unknown as VrrNode;
      const linked = node
        .neighbors()
        .filter((n) => n.state === 'linked')
        .map((n) => n.address);
      if (name === 'stranger') assert.deepEqual(linked, [], 'the stranger links nobody');
      else assert.ok(!linked.includes(stranger), `${name} linked the stranger`);
    }
    const corner = net.node('r1c1') as unknown as VrrNode;
    assert.ok((corner.counters()['auth.missingTag'] ?? 0) > 0, "the corner dropped the stranger's frames");
    net.crash('r2c2');
    net.runFor(1_000);
    net.restart('r2c2');
    net.runFor(30_000);
    const center = net.node('r2c2') as unknown as VrrNode;
    assert.equal(
      center.neighbors().filter((n) => n.state === 'linked').length,
      4,
      'the restarted centre relinks',
    );
  });
});
