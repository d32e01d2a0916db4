// A lab cannot hurt its host (netns runtime, as root): a PID in lab.json that now belongs to another process
// is never signalled; two `up` of one lab name at once leave the first lab whole and fail the second with a
// clear line; Ctrl-C (SIGINT) or SIGTERM during `up` removes everything the `up` had created. Each of these
// failed on the controller before the host-safety work (it killed the stranger, the second `up`'s cleanup
// removed the first lab, and an interrupted `up` left namespaces, daemons and its directory behind).

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { downLabs } from '../../src/testbed/lab/down.ts';
import { upLab } from '../../src/testbed/lab/up.ts';
import { netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { NetnsRuntime } from '../../src/testbed/runtime/netns.ts';
import { nodeResourceName } from '../../src/testbed/runtime/runtime.ts';
import { loadTopology } from '../../src/checks/topology.ts';
import { labName, leftovers, privateStateRoot, testbedCli } from './fixtures/lab-kit.ts';
import { skipForMissing } from '../support/skip.ts';

/** The PIDs running in a lab node's namespace, from the kernel (not from lab.json). */
async function pidsIn(lab: string, node: string): Promise<number[]> {
  const r = await execa('ip', ['netns', 'pids', nodeResourceName(lab, node)], { reject: false });
  return String(r.stdout).split(/\s+/).filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `sleep` as the process with PID `pid` (free again: its owner died), by setting the kernel's last
 * PID just below it; retried, since any other process on the machine may take the PID first.
 */
async function sleeperWithPid(pid: number): Promise<ChildProcess | null> {
  for (let attempt = 0; attempt < 50; attempt++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    if (child.pid === pid) return child;
    child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

/** Starts the CLI's `up` as a child and resolves once its progress says `what`. */
function upUntil(args: string[], what: RegExp): { child: ChildProcess; reached: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/testbed/cli.ts', 'up', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reached = new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (what.test(err)) resolve(err);
    });
    child.once('exit', (code) => reject(new Error(`up exited (${code}) before ${what}:\n${err}`)));
  });
  return { child, reached };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('host safety: netns labs', function () {
  this.timeout(600_000);
  const runtime = new NetnsRuntime();
  let root = '';

  before(function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) skipForMissing(this, 'netns host-safety tests', reason);
    root = privateStateRoot();
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  describe('a PID reused by another process', () => {
    const lab = labName('reuse');
    let stranger: ChildProcess | null = null;

    after(async () => {
      stranger?.kill('SIGKILL');
      await downLabs(lab, async () => [runtime]);
    });

    it('is not signalled by kill, restart or down: the controller checks who is behind it', async function () {
      // One vrrd per node: the PID under test is n1's own (a shared host's PID is checked the same way).
      const up = await testbedCli([
        'up',
        'topologies/line-3.yaml',
        '--runtime',
        'netns',
        '--daemons',
        'per-node',
        '--name',
        lab,
      ]);
      assert.equal(up.exitCode, 0, up.stderr);
      const [vrrd] = await pidsIn(lab, 'n1');
      assert.ok(vrrd, 'vrrd runs in n1');
      // vrrd dies behind the controller's back, and a stranger gets its PID.
      process.kill(vrrd, 'SIGKILL');
      while (alive(vrrd)) await new Promise((r) => setTimeout(r, 10));
      stranger = await sleeperWithPid(vrrd);
      if (stranger === null) {
        skipForMissing(this, 'the PID-reuse test', `could not start a process with PID ${vrrd} again`);
      }

      const status = await testbedCli(['status', lab, '--json']);
      const n1 = JSON.parse(status.stdout).nodes.find((n: { name: string }) => n.name === 'n1');
      assert.notEqual(n1.daemon, 'running', 'the stranger is not taken for vrrd');

      const kill = await testbedCli(['kill', lab, 'n1']);
      assert.equal(kill.exitCode, 0, kill.stderr);
      assert.ok(alive(vrrd), `kill signalled PID ${vrrd}, which is not vrrd any more`);

      const restart = await testbedCli(['restart', lab, 'n1']);
      assert.equal(restart.exitCode, 0, restart.stderr);
      assert.ok(alive(vrrd), `restart signalled PID ${vrrd}, which is not vrrd any more`);
      const [fresh] = await pidsIn(lab, 'n1');
      assert.ok(fresh && fresh !== vrrd, 'a new vrrd runs in n1');

      const down = await testbedCli(['down', lab]);
      assert.equal(down.exitCode, 0, down.stderr);
      assert.ok(alive(vrrd), `down signalled PID ${vrrd}, which is not vrrd any more`);
      assert.deepEqual(await leftovers(lab, runtime), []);
    });
  });

  describe('two `up` of one lab name at once', () => {
    const lab = labName('twice');

    after(async () => {
      await downLabs(lab, async () => [runtime]);
    });

    it('in one process: the second fails saying who holds the name, the first comes up whole', async () => {
      const topology = loadTopology(`${REPO_ROOT}/topologies/line-3.yaml`);
      const start = () => upLab(topology, { seed: 3, runtime, lab, progress: () => {} });
      const [first, second] = await Promise.allSettled([start(), start()]);
      assert.equal(first.status, 'fulfilled', first.status === 'rejected' ? String(first.reason) : '');
      assert.equal(second.status, 'rejected');
      assert.match(
        String((second as PromiseRejectedResult).reason?.message),
        new RegExp(`lab ${lab} is being brought up by PID ${process.pid}`),
      );
      const status = await testbedCli(['status', lab, '--json']);
      assert.equal(status.exitCode, 0, `the first lab is whole:\n${status.stdout}\n${status.stderr}`);
      assert.equal(JSON.parse(status.stdout).nodes.length, 3);
    });

    it('from the CLI, while the first is still coming up: the second exits 1 naming the first, which is unharmed', async () => {
      await downLabs(lab, async () => [runtime]);
      const first = upUntil(['topologies/line-3.yaml', '--runtime', 'netns', '--name', lab], /creating 3/);
      await first.reached;
      const second = await testbedCli(['up', 'topologies/line-3.yaml', '--runtime', 'netns', '--name', lab]);
      assert.equal(second.exitCode, 1, second.stderr);
      assert.match(second.stderr, new RegExp(`lab ${lab} is being brought up by PID ${first.child.pid} `));
      const done = await exitOf(first.child);
      assert.equal(done.code, 0, 'the first up succeeds');
      const status = await testbedCli(['status', lab]);
      assert.equal(status.exitCode, 0, status.stdout + status.stderr);
    });
  });

  describe('Ctrl-C during up', () => {
    for (const [signal, phase] of [
      ['SIGINT', /starting 3 vrrd/],
      ['SIGTERM', /creating 3 namespaces/],
    ] as const) {
      it(`${signal} at "${phase.source}" removes everything the up created, and exits 128+n`, async () => {
        const lab = labName(`intr-${signal.toLowerCase()}`);
        try {
          const up = upUntil(['topologies/line-3.yaml', '--runtime', 'netns', '--name', lab], phase);
          await up.reached;
          await new Promise((r) => setTimeout(r, 150));
          up.child.kill(signal);
          const done = await exitOf(up.child);
          assert.equal(done.code, signal === 'SIGINT' ? 130 : 143, `exit ${done.code} signal ${done.signal}`);
          assert.deepEqual(await leftovers(lab, runtime), []);
        } finally {
          await downLabs(lab, async () => [runtime]);
        }
      });
    }
  });
});
