// Checks that ask vrrd (ring-consistent, dht, multicast) see only a lab's vrrd nodes: on a lab of babeld nodes
// they are skipped and say so; ping-all applies to every node.

import assert from 'node:assert/strict';
import { restrictProbe } from '../../../src/checks/lab-probe.ts';
import { CHECKS } from '../../../src/checks/registry.ts';
import { runLabCheck } from '../../../src/checks/run-lab.ts';
import { fakeLab } from './fake-probe.ts';

describe('checks and node protocols', () => {
  it('ring-consistent, dht and multicast apply to vrrd nodes only; ping-all to all', () => {
    const only = Object.fromEntries(CHECKS.map((c) => [c.name, c.protocols ?? null]));
    assert.deepEqual(only, {
      'ping-all': null,
      dht: ['vrrd'],
      multicast: ['vrrd'],
      'ring-consistent': ['vrrd'],
    });
  });

  it('restrictProbe leaves out the other nodes and their links', () => {
    const lab = fakeLab(4, { babeld: ['n2', 'n3'] });
    const vrrd = restrictProbe(lab, ['vrrd']);
    assert.deepEqual(vrrd.aliveNodes(), ['n0', 'n1']);
    assert.deepEqual(vrrd.upLinks(), [['n0', 'n1']]);
  });

  it('skips ring-consistent on a lab of babeld nodes, saying so, without asking any node', async () => {
    const lab = fakeLab(3, { babeld: ['n0', 'n1', 'n2'] });
    const result = await runLabCheck(lab, 'ring-consistent', { checks: {}, seed: 1 });
    assert.equal(result.passed, true);
    assert.equal(result.skipped, 'applies to vrrd nodes only: skipped for 3 babeld node(s)');
  });

  it('runs ring-consistent on the vrrd nodes of a mixed lab (it asks none of the babeld ones)', async () => {
    const asked = new Set<string>();
    const lab = fakeLab(3, {
      babeld: ['n2'],
      ctl: (node) => {
        asked.add(node);
        throw new Error('no daemon');
      },
    });
    const result = await runLabCheck(lab, 'ring-consistent', { checks: {}, seed: 1 });
    assert.equal(result.skipped, undefined);
    assert.deepEqual([...asked].sort(), ['n0', 'n1']);
  });
});
