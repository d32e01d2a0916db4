import assert from 'node:assert/strict';
import { runRingCheck } from '../../../../src/checks/ring-consistent/lab.ts';
import { fakeLab } from '../fake-probe.ts';

const A = '02:00:00:00:00:01';
const B = '02:00:00:00:00:02';

// Two linked nodes, each the other's whole vset, one vset-path between them: a consistent ring.
const tables: Record<string, Record<string, unknown>> = {
  n0: {
    vset: { active: true, vsetSize: 2, members: [{ address: B }] },
    routes: [{ ea: A, eb: B, pathId: 1, na: null, nb: B }],
    neighbors: [{ address: B, state: 'linked' }],
  },
  n1: {
    vset: { active: true, vsetSize: 2, members: [{ address: A }] },
    routes: [{ ea: A, eb: B, pathId: 1, na: A, nb: null }],
    neighbors: [{ address: A, state: 'linked' }],
  },
};

describe('testbed verify: ring-consistent on a lab', () => {
  it('collects vset, routes and neighbors from every alive vrrd and checks the ring', async () => {
    const asked: string[] = [];
    const lab = fakeLab(2, {
      ctl: (node, verb) => {
        asked.push(`${node} ${verb}`);
        return tables[node][verb];
      },
    });
    const result = await runRingCheck(lab);
    assert.equal(result.name, 'ring-consistent');
    assert.equal(result.passed, true, JSON.stringify(result.problems));
    assert.deepEqual(result.figures, {
      nodes: 2,
      partitions: 1,
      inactiveNodes: 0,
      wrongVsets: 0,
      routes: 2,
      brokenHops: 0,
      missingPaths: 0,
    });
    assert.deepEqual(asked.sort(), [
      'n0 neighbors',
      'n0 routes',
      'n0 vset',
      'n1 neighbors',
      'n1 routes',
      'n1 vset',
    ]);
  });

  it('fails naming a vrrd that does not answer, and what the checker makes of it', async () => {
    const lab = fakeLab(2, {
      ctl: (node, verb) => {
        if (node === 'n1') throw new Error('connect ENOENT /run/lab/n1.sock');
        return tables[node][verb];
      },
    });
    const result = await runRingCheck(lab);
    assert.equal(result.passed, false);
    assert.equal(
      result.problems![0],
      'n1: vrrd did not answer vset/routes/neighbors: connect ENOENT /run/lab/n1.sock',
    );
    assert.ok(result.problems!.includes(`n1 (${B}) is not active`), JSON.stringify(result.problems));
    assert.equal(result.figures.inactiveNodes, 1);
  });

  it('finds a wrong vset', async () => {
    const lab = fakeLab(2, {
      ctl: (node, verb) =>
        node === 'n1' && verb === 'vset' ? { active: true, vsetSize: 2, members: [] } : tables[node][verb],
    });
    const result = await runRingCheck(lab);
    assert.equal(result.passed, false);
    assert.equal(result.figures.wrongVsets, 1);
    assert.ok(result.problems!.some((p) => p.startsWith(`n1 (${B}): vset lacks n0 (${A})`)));
  });
});
