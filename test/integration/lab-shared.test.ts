// A real lab in network namespaces run by shared vrrd hosts (`--daemons shared`): the 3x3 grid comes up with
// one host process per core instead of nine, the ring is consistent, every ordered pair pings over IPv4 and
// IPv6, the DHT check passes, a node is crashed and restarted inside its host while the others run on, status
// and lab.json say which mode ran, and `down` leaves nothing (hosts included).

import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { downLabs } from '../../src/testbed/lab/down.ts';
import { findLabHosts, hostPaths } from '../../src/testbed/lab/daemon-hosts.ts';
import { daemonState } from '../../src/testbed/lab/daemons.ts';
import { killNode, restartNode } from '../../src/testbed/lab/faults.ts';
import { labPaths } from '../../src/testbed/lab/lab-dir.ts';
import { waitForRing } from '../../src/testbed/lab/ring-wait.ts';
import { upLab, type UpResult } from '../../src/testbed/lab/up.ts';
import { NetnsRuntime } from '../../src/testbed/runtime/netns.ts';
import { loadTopology } from '../../src/checks/topology.ts';
import { runCheck } from '../../src/testbed/verify/index.ts';
import { netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { labName, leftovers, pingAllPairs, privateStateRoot, testbedCli } from './fixtures/lab-kit.ts';
import { skipForMissing } from '../support/skip.ts';

describe('testbed lab in network namespaces, shared vrrd hosts', function () {
  this.timeout(600_000);
  const runtime = new NetnsRuntime();
  const lab = labName('shared');
  let root = '';
  let up: UpResult | null = null;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) skipForMissing(this, 'shared-mode lab tests', reason);
    root = privateStateRoot();
    up = await upLab(loadTopology(`${REPO_ROOT}/topologies/grid-3x3.yaml`), {
      seed: 42,
      runtime,
      lab,
      daemons: 'shared',
      progress: () => {},
    });
  });

  after(async () => {
    if (root) await downLabs(lab, async () => [runtime]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('comes up with a consistent ring, nine nodes in one host per core', () => {
    assert.ok(up);
    assert.notEqual(up.convergenceMs, null, up.ring.problems.join('\n'));
    const daemons = up.lab.state.daemons!;
    assert.equal(daemons.mode, 'shared');
    assert.equal(daemons.hosts.length, Math.min(availableParallelism(), 9));
    assert.deepEqual(
      daemons.hosts.flatMap((h) => h.nodes).sort(),
      up.lab.plan.nodes.map((n) => n.name).sort(),
    );
    const pids = new Set(Object.values(up.lab.state.nodes).map((n) => n.daemonPid));
    assert.equal(pids.size, daemons.hosts.length, 'every node runs in its host');
    assert.equal(findLabHosts(lab).length, daemons.hosts.length);
    // lab.json says so too, and each node's socket and log are where a vrrd of its own would have them.
    const saved = JSON.parse(readFileSync(labPaths.state(up.lab.identity.dir), 'utf8'));
    assert.equal(saved.daemons.mode, 'shared');
    for (const n of up.lab.plan.nodes) {
      assert.equal(statSync(up.lab.socket(n.name)).mode & 0o777, 0o600);
      assert.match(readFileSync(up.lab.logFile(n.name), 'utf8'), /"msg":"vrrd ready".*"mode":"shared"/);
    }
    assert.equal(statSync(hostPaths.file(up.lab.identity.dir, 0)).mode & 0o777, 0o600);
  });

  it('pings every ordered pair over the overlay, IPv4 and IPv6', async () => {
    const { pairs, failures } = await pingAllPairs(up!.lab);
    assert.equal(pairs, 72);
    assert.deepEqual(failures, []);
  });

  it('passes the DHT check', async () => {
    const l = up!.lab;
    const topology = loadTopology(`${REPO_ROOT}/topologies/grid-3x3.yaml`);
    const result = await runCheck(l, 'dht', { checks: topology.checks, seed: 42, topology });
    assert.ok(result.passed, (result.problems ?? []).join('\n'));
  });

  it('crashes one node inside its host and restarts it, the others running on', async () => {
    const l = up!.lab;
    const hello = l.plan.nodes[0].vrr.helloMs;
    const hostPid = l.state.nodes.r2c2.daemonPid;
    assert.match(await killNode(l, 'r2c2'), /kill r2c2: vrrd killed/);
    assert.equal(daemonState(l, 'r2c2'), 'killed');
    assert.equal(existsSync(l.socket('r2c2')), false, 'the crashed node closed its socket');
    assert.equal(daemonState(l, 'r2c1'), 'running');
    let ring = await waitForRing(l, 40 * hello, 500);
    assert.ok(ring.consistent, `after the crash: ${ring.last.problems.join('\n')}`);
    assert.match(await restartNode(l, 'r2c2'), new RegExp(`restart r2c2: vrrd pid ${hostPid}`));
    assert.equal(daemonState(l, 'r2c2'), 'running');
    ring = await waitForRing(l, 40 * hello, 500);
    assert.ok(ring.consistent, `after the restart: ${ring.last.problems.join('\n')}`);
  });

  it('status through the CLI says shared and every node runs', async () => {
    const r = await testbedCli(['status', lab, '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const status = JSON.parse(r.stdout);
    assert.equal(status.daemons.mode, 'shared');
    assert.equal(status.ring.passed, true);
    assert.ok(status.nodes.every((n: { daemon: string }) => n.daemon === 'running'));
    const text = await testbedCli(['status', lab]);
    assert.match(text.stdout, /shared vrrd host/);
  });

  it('down stops the hosts and leaves nothing', async () => {
    const r = await testbedCli(['down', lab, '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const removed = JSON.parse(r.stdout).labs[0].removed;
    assert.equal(removed.namespaces, 9);
    assert.ok(removed.processes >= up!.lab.state.daemons!.hosts.length);
    assert.deepEqual(findLabHosts(lab), []);
    assert.deepEqual(await leftovers(lab, runtime), []);
  });
});
