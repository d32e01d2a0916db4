// A real lab in network namespaces: the 3x3 grid comes up (ring consistent, all-pairs ping over IPv4 and IPv6),
// live faults change it and the ring repairs, `down` leaves nothing, and a controller killed with SIGKILL in
// the middle of `up` is followed by `down --all` that leaves nothing either.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { downLabs, availableRuntimes } from '../../src/testbed/lab/down.ts';
import { heal, killNode, partition, restartNode, setLink } from '../../src/testbed/lab/faults.ts';
import { waitForRing } from '../../src/testbed/lab/ring-wait.ts';
import { upLab, type UpResult } from '../../src/testbed/lab/up.ts';
import { NetnsRuntime } from '../../src/testbed/runtime/netns.ts';
import { runtimeOfKind } from '../../src/testbed/runtime/select.ts';
import { loadTopology } from '../../src/checks/topology.ts';
import { netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { labName, leftovers, pingAllPairs, privateStateRoot, testbedCli } from './fixtures/lab-kit.ts';
import { skipForMissing } from '../support/skip.ts';

describe('testbed lab in network namespaces', function () {
  // Measured on a shared 2-core machine: the 3x3 grid up 12.9 s, the tests 1-9 s; about 5x. The fault and the
  // failing-run tests have their own.
  this.timeout(60_000);
  const runtime = new NetnsRuntime();
  let root = '';

  before(function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) {
      skipForMissing(this, 'netns lab tests', reason);
    }
    root = privateStateRoot();
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  describe('a 3x3 grid', () => {
    const lab = labName('grid');
    let up: UpResult | null = null;

    before(async () => {
      up = await upLab(loadTopology(`${REPO_ROOT}/topologies/grid-3x3.yaml`), {
        seed: 42,
        runtime,
        lab,
        progress: () => {},
      });
    });

    after(async () => {
      await downLabs(lab, async () => [runtime]);
    });

    it('comes up with a consistent ring, every link shaped and saying how', () => {
      assert.ok(up);
      assert.notEqual(up.convergenceMs, null, up.ring.problems.join('\n'));
      assert.equal(up.lab.plan.nodes.length, 9);
      for (const link of up.lab.state.links) assert.notEqual(link.shapedBy, 'none'); // the file's 2ms delay
      assert.ok(up.lab.state.shaping?.reason);
    });

    it('pings every ordered pair over the overlay, IPv4 and IPv6', async () => {
      const { pairs, failures } = await pingAllPairs(up!.lab);
      assert.equal(pairs, 72);
      assert.deepEqual(failures, []);
    });

    it('repairs the ring after a link failure, a partition, a crash and a restart', async function () {
      this.timeout(180_000); // measured 44 s
      const l = up!.lab;
      const hello = l.plan.nodes[0].vrr.helloMs;
      await setLink(l, 'r2c2', 'r2c3', false);
      let ring = await waitForRing(l, 40 * hello, 500);
      assert.ok(ring.consistent, `after link down: ${ring.last.problems.join('\n')}`);

      await partition(l, [['r1c1', 'r1c2', 'r1c3']]);
      ring = await waitForRing(l, 40 * hello, 500);
      assert.ok(ring.consistent, `partitioned: ${ring.last.problems.join('\n')}`);
      assert.equal(ring.last.partitions, 2);
      await heal(l);
      await setLink(l, 'r2c2', 'r2c3', true);
      ring = await waitForRing(l, 40 * hello, 500);
      assert.ok(ring.consistent, `healed: ${ring.last.problems.join('\n')}`);
      assert.equal(ring.last.partitions, 1);

      await killNode(l, 'r2c2');
      ring = await waitForRing(l, 40 * hello, 500);
      assert.ok(ring.consistent, `after the crash: ${ring.last.problems.join('\n')}`);
      await restartNode(l, 'r2c2');
      ring = await waitForRing(l, 40 * hello, 500);
      assert.ok(ring.consistent, `after the restart: ${ring.last.problems.join('\n')}`);
    });

    it('status through the CLI reports the lab and a consistent ring', async () => {
      const r = await testbedCli(['status', lab, '--json']);
      assert.equal(r.exitCode, 0, r.stderr);
      const status = JSON.parse(r.stdout);
      assert.equal(status.ring.passed, true);
      assert.equal(status.nodes.length, 9);
      assert.ok(status.nodes.every((n: { daemon: string }) => n.daemon === 'running'));
    });

    it('down leaves nothing, and a second down finds nothing', async () => {
      const first = await testbedCli(['down', lab, '--json']);
      assert.equal(first.exitCode, 0, first.stderr);
      assert.equal(JSON.parse(first.stdout).labs[0].removed.namespaces, 9);
      assert.deepEqual(await leftovers(lab, runtime), []);
      const second = await testbedCli(['down', lab]);
      assert.equal(second.exitCode, 0);
      assert.match(second.stdout, /nothing to remove/);
    });
  });

  it('a controller killed with SIGKILL during up is cleaned up by down --all', async function () {
    const lab = labName('crash');
    const everywhere = await availableRuntimes(runtimeOfKind)();
    const found = (await Promise.all(everywhere.map((r) => r.listLabs()))).flat();
    const others = found.filter((l) => !l.lab.startsWith(`it${process.pid}-`));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/testbed/cli.ts',
        'up',
        'topologies/grid-5x5.yaml',
        '--runtime',
        'netns',
        '--name',
        lab,
      ],
      { cwd: REPO_ROOT, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Kill it once daemons are starting: namespaces, links and some vrrd exist, the ring does not yet.
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (/starting \d+ vrrd/.test(err)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`up exited (${code}) before starting daemons:\n${err}`)));
    });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.notDeepEqual(
      await leftovers(lab, runtime),
      [],
      'the killed up should have left something to clean',
    );

    // --all removes every lab of the machine: only when no one else's lab is up (a developer's machine).
    const args = others.length === 0 ? ['down', '--all'] : ['down', lab];
    if (others.length > 0)
      console.log(
        `      other labs are up (${others.map((l) => l.lab).join(', ')}): down ${lab} instead of --all`,
      );
    const r = await testbedCli(args);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(await leftovers(lab, runtime), []);
  });

  it('a lab whose check cannot hold exits non-zero, and junit.xml names the check and the step', async function () {
    this.timeout(100_000); // measured 22-23 s
    const reports = mkdtempSync(join(tmpdir(), 'vrr-unreachable-'));
    try {
      const r = await testbedCli([
        'run',
        'test/integration/fixtures/unreachable-member.yaml',
        '--runtime',
        'netns',
        '--name',
        labName('unreach'),
        '--report-dir',
        reports,
        '--settle',
        '20s',
      ]);
      assert.equal(r.exitCode, 1, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      const junit = readFileSync(join(reports, 'junit.xml'), 'utf8');
      const failing = [...junit.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"[^>]*>\s*<failure/g)];
      assert.deepEqual(
        failing.map((m) => m[2]),
        ['multicast'],
        junit,
      );
      assert.match(
        failing[0][1],
        /at 2s verify .*unreachable-member\.yaml:\d+/,
        'the step is named by its time, file and line',
      );
      const report = JSON.parse(readFileSync(join(reports, 'report.json'), 'utf8'));
      assert.equal(report.passed, false);
      assert.ok(existsSync(join(reports, 'timeline.jsonl')));
      // report.html beside them: the failed run, its ring sampled over time, the stream drawn per member.
      const html = readFileSync(join(reports, 'report.html'), 'utf8');
      assert.match(html, /<title>[^<]*: FAIL<\/title>/);
      assert.match(html, /<svg id="ring-health"[^>]*data-samples="[1-9]/);
      assert.match(html, /<svg id="stream-0"/);
      assert.deepEqual(await leftovers(labName('unreach'), runtime), []);
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  });

  it('down --all with nothing up is fine', async () => {
    const r = await downLabs('never-was', availableRuntimes(runtimeOfKind));
    assert.equal(r[0].found, false);
  });
});
