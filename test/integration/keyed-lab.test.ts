// A keyed lab (topologies/keyed-3x3.yaml) in network namespaces: nine vrrd seal every frame with the network key
// written into their own node directories (mode 0600), a stranger without the key is linked to r1c1 and sends
// well-formed hellos, and nobody ever links it; the nine form their ring and every ping between them is answered.

import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { loadTopology } from '../../src/checks/topology.ts';
import { downLabs } from '../../src/testbed/lab/down.ts';
import { labPaths } from '../../src/testbed/lab/lab-dir.ts';
import { plannedNode } from '../../src/testbed/lab/plan.ts';
import { upLab, type UpResult } from '../../src/testbed/lab/up.ts';
import { netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { NetnsRuntime } from '../../src/testbed/runtime/netns.ts';
import { runCheck } from '../../src/testbed/verify/index.ts';
import { labName, leftovers, privateStateRoot } from './fixtures/lab-kit.ts';
import { skipForMissing } from '../support/skip.ts';

interface NeighborRow {
  address: string;
  state: string;
}

describe('a keyed lab with a stranger (netns)', function () {
  this.timeout(300_000);
  const runtime = new NetnsRuntime();
  const lab = labName('keyed');
  let root = '';
  let up: UpResult | null = null;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) skipForMissing(this, 'keyed lab tests', reason);
    root = privateStateRoot();
    up = await upLab(loadTopology(`${REPO_ROOT}/topologies/keyed-3x3.yaml`), {
      seed: 33,
      runtime,
      lab,
      progress: () => {},
    });
  });

  after(async () => {
    if (root) {
      await downLabs(lab, async () => [runtime]);
      assert.deepEqual(await leftovers(lab, runtime), []);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('writes the key only into keyed nodes, mode 0600, and forms the ring of the nine', () => {
    assert.ok(up);
    assert.notEqual(up.convergenceMs, null, 'the nine never formed a consistent ring');
    for (const n of up.lab.plan.nodes) {
      const file = labPaths.key(up.lab.identity.dir, n.name);
      if (n.name === 'stranger') {
        assert.throws(() => statSync(file), /ENOENT/, 'the stranger has no key');
      } else {
        assert.equal(statSync(file).mode & 0o777, 0o600, file);
      }
    }
  });

  it('never links the stranger, though r1c1 hears its hellos', async () => {
    const stranger = plannedNode(up!.lab.plan, 'stranger').address;
    for (const n of up!.lab.plan.nodes) {
      if (n.name === 'stranger') continue;
      const rows = await up!.lab.ctl<NeighborRow[]>(n.name, 'neighbors');
      assert.ok(
        !rows.some((r) => r.address === stranger),
        `${n.name} lists the stranger: ${JSON.stringify(rows)}`,
      );
    }
    const strangerRows = await up!.lab.ctl<NeighborRow[]>('stranger', 'neighbors');
    assert.ok(!strangerRows.some((r) => r.state === 'linked'), 'the stranger links nobody');
    const stats = await up!.lab.ctl<{ node: Record<string, number> }>('r1c1', 'stats');
    assert.ok((stats.node['auth.missingTag'] ?? 0) > 0, 'r1c1 dropped the stranger frames as untagged');
  });

  it('passes ring-consistent and ping-all among the members', async () => {
    for (const check of ['ring-consistent', 'ping-all']) {
      const result = await runCheck(up!.lab, check, { checks: {}, seed: 33 });
      assert.ok(result.passed, `${check}: ${(result.problems ?? []).join('\n')}`);
    }
  });
});
