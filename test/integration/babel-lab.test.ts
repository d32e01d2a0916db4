// babeld in the same lab: a 3x3 grid whose nodes run babeld instead of vrrd (topologies/grid-3x3-babeld.yaml)
// comes up in network namespaces, every ordered pair pings over the kernel routes babeld installed (IPv4 and
// IPv6), the vrrd-only checks say they are skipped, and a link failure on a used path is routed around.

import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { loadTopology } from '../../src/checks/topology.ts';
import { babelRoutes, waitForBabelRoutes } from '../../src/testbed/lab/babeld.ts';
import { downLabs } from '../../src/testbed/lab/down.ts';
import { heal, killNode, partition, restartNode, setLink } from '../../src/testbed/lab/faults.ts';
import { hostIpv4, plannedNode } from '../../src/testbed/lab/plan.ts';
import { upLab, type UpResult } from '../../src/testbed/lab/up.ts';
import { netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { NetnsRuntime } from '../../src/testbed/runtime/netns.ts';
import { runCheck } from '../../src/testbed/verify/index.ts';
import { labName, leftovers, pingAllPairs, privateStateRoot, testbedCli } from './fixtures/lab-kit.ts';
import { skipForMissing } from '../support/skip.ts';

describe('babeld nodes in a netns lab', function () {
  this.timeout(600_000);
  const runtime = new NetnsRuntime();
  const lab = labName('babel');
  let root = '';
  let up: UpResult | null = null;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) skipForMissing(this, 'babeld lab tests', reason);
    const babeld = await runtime.babeldCommand().catch((e: Error) => e);
    if (babeld instanceof Error) skipForMissing(this, 'babeld lab tests', babeld.message);
    root = privateStateRoot();
    up = await upLab(loadTopology(`${REPO_ROOT}/topologies/grid-3x3-babeld.yaml`), {
      seed: 42,
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

  it('comes up with a kernel route to every other node on every node', async () => {
    assert.ok(up);
    assert.notEqual(up.convergenceMs, null, 'babeld routes did not complete');
    for (const n of up.lab.plan.nodes) {
      assert.equal(n.protocol, 'babeld');
      assert.ok(existsSync(`${up.lab.identity.dir}/nodes/${n.name}/babeld.conf`));
      assert.equal((await babelRoutes(up.lab, n.name)).length, 2 * 8, n.name); // 8 others, IPv4 and IPv6
    }
  });

  it('passes ping-all over both families and skips the vrrd-only checks', async () => {
    const { pairs, failures } = await pingAllPairs(up!.lab);
    assert.equal(pairs, 72);
    assert.deepEqual(failures, []);
    const ping = await runCheck(up!.lab, 'ping-all', { checks: {}, seed: 42 });
    assert.ok(ping.passed, (ping.problems ?? []).join('\n'));
    const ring = await runCheck(up!.lab, 'ring-consistent', { checks: {}, seed: 42 });
    assert.equal(ring.passed, true);
    assert.match(ring.skipped ?? '', /skipped for 9 babeld node/);
  });

  it('testbed status shows babeld nodes with their kernel route counts', async () => {
    const r = await testbedCli(['status', lab, '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const status = JSON.parse(r.stdout) as {
      nodes: { name: string; protocol: string; daemon: string; routes: number | null }[];
    };
    for (const n of status.nodes) {
      assert.deepEqual([n.protocol, n.daemon, n.routes], ['babeld', 'running', 16], n.name);
    }
  });

  it('routes around a failed link, splits and heals with a partition, and a crashed node rejoins on restart', async () => {
    const l = up!.lab;
    await setLink(l, 'r2c2', 'r2c3', false);
    assert.notEqual(await waitForBabelRoutes(l, 60_000, 500), null, 'routes after link down');
    let { failures } = await pingAllPairs(l);
    assert.deepEqual(failures, []);

    await partition(l, [['r1c1', 'r1c2', 'r1c3']]);
    assert.notEqual(await waitForBabelRoutes(l, 60_000, 500), null, 'routes within each side');
    const across = await l.exec('r1c1', [
      'ping',
      '-c',
      '1',
      '-W',
      '1',
      hostIpv4(plannedNode(l.plan, 'r3c3')),
    ]);
    assert.notEqual(across.exitCode, 0, 'a ping across the partition must not arrive');
    await heal(l);
    assert.notEqual(await waitForBabelRoutes(l, 60_000, 500), null, 'routes after heal');

    await killNode(l, 'r1c2');
    await restartNode(l, 'r1c2');
    assert.notEqual(await waitForBabelRoutes(l, 60_000, 500), null, 'routes after restart');
    ({ failures } = await pingAllPairs(l));
    assert.deepEqual(failures, []);
  });
});
