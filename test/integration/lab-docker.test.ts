// Real labs in containers (a Docker engine, the offline node image): the 3x3 grid comes up unprivileged with a
// consistent ring and all-pairs ping, `down` leaves nothing, a controller killed during `up` is cleaned up by
// `down`; the partition-and-heal lab passes under `testbed run` with its figures in report.json, and `testbed
// replay` of that report (its simulator twin: same file, same seed) passes too, byte for byte on a rerun, with the
// same step and check verdicts and figures that match exactly (counts) or closely (the stream across the cut).

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
  // Measured on a shared 2-core machine: the 3x3 grid up 14.6 s, the tests 1.5-12 s; about 4x. Building the
  // images (once per machine) and the partition-and-heal run have their own.
  this.timeout(60_000);
  const runtime = new DockerRuntime();
  let root = '';

  before(async function () {
    this.timeout(600_000); // the images, when this machine has none yet: 151 s measured
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

    before(async function () {
      // Measured 212-218 s, of which the scenario's own clock is about 180 s (its last stream ends at 95 s + 80 s):
      // twice the whole, five times what is not scripted.
      this.timeout(450_000);
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
        440_000,
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

    it('replays in the simulator (its twin): passes, byte for byte twice, with the same verdicts and figures', async () => {
      const dirs = [mkdtempSync(join(tmpdir(), 'vrr-phs-')), mkdtempSync(join(tmpdir(), 'vrr-phs-'))];
      try {
        for (const dir of dirs) {
          const r = await testbedCli(['replay', join(reports, 'report.json'), '--report-dir', dir]);
          assert.equal(r.exitCode, 0, `the simulator twin must pass:\n${r.stdout}\n${r.stderr}`);
        }
        const [a, b] = dirs.map((d) => readFileSync(join(d, 'report.json'), 'utf8'));
        assert.equal(a, b, 'same seed, same report, byte for byte');
        assertTwins(report, JSON.parse(a));
      } finally {
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
    });
  });
});

/** Figures a real lab and its simulator twin must agree on: exactly (counts and verdicts) or within a band. */
function assertTwins(real: any, sim: any): void {
  // startedAt and daemons (how a real lab ran vrrd) are a real lab's alone.
  const shape = (o: object) =>
    Object.keys(o)
      .filter((k) => k !== 'startedAt' && k !== 'daemons')
      .sort();
  assert.deepEqual(shape(sim), shape(real));
  assert.equal(sim.runtime, 'sim');
  assert.equal(sim.seed, real.seed);
  assert.equal(sim.passed, true);
  assert.equal(sim.nodes, real.nodes);
  assert.equal(sim.links.length, real.links.length);
  assert.notEqual(sim.convergenceMs, null);
  const line = (where: string) => where.split(':').at(-1);
  assert.deepEqual(
    sim.steps.map((s: any) => [s.at, s.action, line(s.where), s.passed]),
    real.steps.map((s: any) => [s.at, s.action, line(s.where), s.passed]),
    'the same steps, each with the same verdict',
  );
  assert.deepEqual(
    sim.checks.map((c: any) => [c.name, c.passed, c.figures.partitions ?? c.figures.deliveryPct]),
    real.checks.map((c: any) => [c.name, c.passed, c.figures.partitions ?? c.figures.deliveryPct]),
    'the same closing checks: verdicts, one ring, every pair delivered',
  );
  // Counts a scenario fixes must match exactly; delivery and outage of the stream that crosses the 25 s
  // partition depend on when the cut and the repair land between packets: the twin must be close, not equal.
  const exact = [
    'ring-consistent.partitions',
    'ring-consistent.nodes',
    'ping-all.pairs',
    'ping-all.deliveryPct',
    'dht.keys',
    'dht.foundPct',
    'multicast.members',
    'multicast.duplicates',
  ];
  const close: Record<string, number> = { 'multicast.deliveryPct': 10, 'multicast.longestOutageMs': 10_000 };
  for (const [i, step] of real.steps.entries()) {
    const twin = sim.steps[i].figures;
    const at = `step ${i} (${step.action} at ${step.at / 1000} s)`;
    for (const k of exact.filter((k) => k in step.figures)) {
      assert.equal(twin[k], step.figures[k], `${at}: ${k}`);
    }
    for (const [k, band] of Object.entries(close).filter(([k]) => k in step.figures)) {
      const [r, t] = [step.figures[k], twin[k]];
      assert.ok(Math.abs(r - t) <= band, `${at}: ${k} ${r} in the lab, ${t} in the simulator (band ${band})`);
    }
    const checked = Object.keys(step.figures).filter((k) => k.endsWith('.heldAfterMs'));
    assert.deepEqual(
      Object.keys(twin)
        .filter((k) => k.endsWith('.heldAfterMs'))
        .sort(),
      checked.sort(),
      `${at}: the same checks`,
    );
  }
}
