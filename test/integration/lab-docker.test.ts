// Real labs in containers (a Docker engine, the offline node image): the 3x3 grid comes up unprivileged with a
// consistent ring and all-pairs ping, `down` leaves nothing, a controller killed during `up` is cleaned up by
// `down`; the partition-and-heal lab passes under `testbed run` with its figures in report.json, and the same
// file in the simulator gives a report of the same shape, identical for the same seed.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { availableRuntimes, downLabs } from '../../src/testbed/lab/down.ts';
import { runtimeOfKind } from '../../src/testbed/runtime/select.ts';
import { upLab, type UpResult } from '../../src/testbed/lab/up.ts';
import { DockerRuntime } from '../../src/testbed/runtime/docker.ts';
import { loadTopology } from '../../src/checks/topology.ts';
import { labName, leftovers, pingAllPairs, privateStateRoot, testbedCli } from './fixtures/lab-kit.ts';
import { skipForMissing } from '../support/skip.ts';

describe('testbed lab in containers', function () {
  this.timeout(900_000);
  const runtime = new DockerRuntime();
  let root = '';

  before(async function () {
    const reason = (await runtime.unavailableReason()) ?? (process.getuid?.() !== 0 ? 'not root' : null);
    if (reason !== null) {
      skipForMissing(this, 'docker lab tests', `no Docker engine to run labs in: ${reason}`);
    }
    root = privateStateRoot();
    await runtime.prepare(() => {});
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  describe('a 3x3 grid', () => {
    const lab = labName('dgrid');
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

    it('comes up in unprivileged containers with a consistent ring', async () => {
      assert.notEqual(up!.convergenceMs, null, up!.ring.problems.join('\n'));
      const docker = new Docker();
      for (const node of Object.values(up!.lab.state.nodes)) {
        const info = await docker.getContainer(node.id).inspect();
        assert.equal(info.HostConfig.Privileged, false);
        assert.equal(info.HostConfig.NetworkMode, 'none');
        assert.deepEqual([...(info.HostConfig.CapAdd ?? [])].sort(), ['NET_ADMIN', 'NET_RAW']);
      }
    });

    it('pings every ordered pair over the overlay, IPv4 and IPv6', async () => {
      const { pairs, failures } = await pingAllPairs(up!.lab);
      assert.equal(pairs, 72);
      assert.deepEqual(failures, []);
    });

    it('down leaves nothing', async () => {
      const r = await testbedCli(['down', lab]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.deepEqual(await leftovers(lab, runtime), []);
    });
  });

  it('a controller killed with SIGKILL during up is cleaned up by down --all', async () => {
    const lab = labName('dcrash');
    const found = (
      await Promise.all((await availableRuntimes(runtimeOfKind)()).map((r) => r.listLabs()))
    ).flat();
    const others = found.filter((l) => !l.lab.startsWith(`it${process.pid}-`));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/testbed/cli.ts',
        'up',
        'topologies/grid-3x3.yaml',
        '--runtime',
        'docker',
        '--name',
        lab,
      ],
      { cwd: REPO_ROOT, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (/wiring \d+ links/.test(err)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`up exited (${code}) before wiring links:\n${err}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.notDeepEqual(await leftovers(lab, runtime), [], 'the killed up should have left containers');
    // --all removes every lab of the machine: only when no one else's lab is up (a developer's machine).
    if (others.length > 0)
      console.log(
        `      other labs are up (${others.map((l) => l.lab).join(', ')}): down ${lab} instead of --all`,
      );
    const r = await testbedCli(others.length === 0 ? ['down', '--all'] : ['down', lab]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(await leftovers(lab, runtime), []);
  });

  describe('the partition-and-heal lab under testbed run', () => {
    const reports = mkdtempSync(join(tmpdir(), 'vrr-ph-'));
    let report: any = null;
    let run = { exitCode: -1, stdout: '', stderr: '' };

    before(async () => {
      run = await testbedCli(
        [
          'run',
          'topologies/partition-heal-12.yaml',
          '--runtime',
          'docker',
          '--name',
          labName('ph'),
          '--report-dir',
          reports,
        ],
        900_000,
      );
      report = JSON.parse(readFileSync(join(reports, 'report.json'), 'utf8'));
    });

    after(() => rmSync(reports, { recursive: true, force: true }));

    it('passes in containers and leaves nothing', async () => {
      assert.equal(run.exitCode, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
      assert.equal(report.passed, true);
      assert.equal(report.runtime, 'docker');
      assert.deepEqual(await leftovers(labName('ph'), runtime), []);
    });

    it('reports the ring after the heal, ping-all before and after, DHT found, multicast delivery and outage', () => {
      const step = (action: string, n = 0) => report.steps.filter((s: any) => s.action === action)[n];
      assert.equal(typeof step('heal').figures.ringConsistentAfterMs, 'number');
      assert.equal(typeof step('partition').figures.ringConsistentAfterMs, 'number');
      const pings = report.steps.flatMap((s: any) =>
        (s.checks ?? []).filter((c: any) => c.name === 'ping-all'),
      );
      assert.ok(pings.length >= 2, 'ping-all before and after the partition');
      for (const p of pings) assert.ok(p.details?.matrix ?? p.details, 'a reachability matrix');
      const dht = report.steps.flatMap((s: any) => (s.checks ?? []).filter((c: any) => c.name === 'dht'));
      assert.ok(dht.length >= 1 && dht.every((c: any) => c.figures.foundPct === 100));
      const mcast = report.steps.flatMap((s: any) =>
        (s.checks ?? []).filter((c: any) => c.name === 'multicast'),
      );
      assert.equal(mcast.length, 2);
      for (const c of mcast) {
        assert.equal(typeof c.figures.deliveryPct, 'number');
        assert.equal(typeof c.figures.longestOutageMs, 'number');
      }
      assert.ok(mcast[0].figures.longestOutageMs > 10_000, 'the first stream crosses the 25 s partition');
      assert.ok(mcast[1].figures.deliveryPct >= 99, 'the healed mesh delivers the second stream');
      const timeline = readFileSync(join(reports, 'timeline.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.ok(timeline.some((e) => e.source === 'controller' && e.type === 'fault'));
      assert.ok(timeline.some((e) => e.source !== 'controller' && e.type === 'vset-add'));
      for (let i = 1; i < timeline.length; i++)
        assert.ok(timeline[i].t >= timeline[i - 1].t, 'in time order');
    });

    it('gives the same report shape in the simulator, identical for the same seed', async () => {
      const dirs = [mkdtempSync(join(tmpdir(), 'vrr-phs-')), mkdtempSync(join(tmpdir(), 'vrr-phs-'))];
      try {
        for (const dir of dirs) {
          const r = await testbedCli([
            'sim',
            'topologies/partition-heal-12.yaml',
            '--seed',
            '12',
            '--report-dir',
            dir,
          ]);
          assert.ok(r.exitCode === 0 || r.exitCode === 1, r.stderr);
        }
        const [a, b] = dirs.map((d) => readFileSync(join(d, 'report.json'), 'utf8'));
        assert.equal(a, b, 'same seed, same report, byte for byte');
        const sim = JSON.parse(a);
        const shape = (o: object) =>
          Object.keys(o)
            .filter((k) => k !== 'startedAt')
            .sort();
        assert.deepEqual(shape(sim), shape(report));
        assert.equal(sim.steps.length, report.steps.length);
      } finally {
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
    });
  });
});
