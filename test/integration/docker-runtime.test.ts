// The docker runtime for real: the node image is prepared (built once per machine, then found), two node
// containers of a lab come up unprivileged, a veth pair made from the host joins them by PID, vrrd runs in
// each with its control socket answering from the host through its bind-mounted node directory, the two
// daemons become linked neighbours, IPv4 and IPv6 pings cross the overlay, streams work through spawn, and
// removeLab leaves nothing. Needs root and a Docker engine; skips saying why otherwise.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import Docker from 'dockerode';
import { requestOnce } from '../../src/control/client.ts';
import { labPaths } from '../../src/testbed/lab/lab-dir.ts';
import { DockerRuntime } from '../../src/testbed/runtime/docker.ts';
import { LABELS, OWNER, type LabIdentity, type NodeHandle } from '../../src/testbed/runtime/runtime.ts';
import { skipForMissing } from '../support/skip.ts';

interface Status {
  address: string;
  overlay: { ipv4: string | null; ipv6: string | null } | null;
}
interface Neighbor {
  address: string;
  interface: string;
  state: string;
}

describe('docker runtime: two containers, vrrd in each', function () {
  // Measured on a shared 2-core machine: each test 0.3-2.8 s; about 5x.
  this.timeout(15_000);
  const runtime = new DockerRuntime();
  let lab: LabIdentity;
  const nodes: Record<string, NodeHandle> = {};
  const pids: Record<string, number> = {};
  const socket = (node: string): string => labPaths.socket(lab.dir, node);
  const log = (node: string): string => labPaths.log(lab.dir, node);

  before(async function () {
    // The first run on a machine builds the images: debootstrap from the apt mirror, 139 s + 12 s measured.
    this.timeout(600_000);
    const reason = await runtime.unavailableReason();
    if (reason !== null) {
      skipForMissing(this, 'docker runtime tests', reason);
    }
    const dir = mkdtempSync(join(tmpdir(), 'vrr-it-docker-'));
    lab = { lab: `it-${process.pid}`, runId: `run-${Date.now()}`, dir };
    await runtime.prepare((line) => console.log(`      ${line}`));
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed' || !lab) return;
    for (const node of Object.keys(pids)) {
      if (existsSync(log(node)))
        console.log(`--- ${node}.log\n${readFileSync(log(node), 'utf8').slice(-3000)}`);
    }
  });

  after(async () => {
    if (!lab) return;
    await runtime.removeLab(lab.lab);
    rmSync(lab.dir, { recursive: true, force: true });
  });

  it('finds the prepared image the second time (nothing built)', async () => {
    const info = await runtime.prepare(() => {});
    assert.equal(info.built, false);
    assert.match(info.image ?? '', /^vrr-lab\/node:[0-9a-f]{16}$/);
    assert.match(info.engine, /^docker \d/);
  });

  it('creates nodes concurrently, unprivileged, labelled, with no network, and refuses a duplicate', async () => {
    const [a, b] = await Promise.all([runtime.createNode(lab, 'a'), runtime.createNode(lab, 'b')]);
    nodes.a = a;
    nodes.b = b;
    const info = await new Docker().getContainer(a.id).inspect();
    assert.equal(info.HostConfig.Privileged, false);
    assert.deepEqual([...(info.HostConfig.CapAdd ?? [])].sort(), ['NET_ADMIN', 'NET_RAW']);
    assert.equal(info.HostConfig.NetworkMode, 'none');
    assert.equal(info.HostConfig.Init, true);
    // Its own node directory only: not lab.json, not the other node's socket.
    const own = labPaths.node(lab.dir, 'a');
    assert.deepEqual(info.HostConfig.Binds, [`${own}:${own}`]);
    assert.equal(info.Config.Labels[LABELS.owner], OWNER);
    assert.equal(info.Config.Labels[LABELS.lab], lab.lab);
    assert.equal(info.Config.Labels[LABELS.run], lab.runId);
    assert.equal(info.Config.Labels[LABELS.node], 'a');
    assert.equal(a.netns, String(info.State.Pid));
    assert.equal(a.netnsInode, statSync(`/proc/${info.State.Pid}/ns/net`).ino);
    await assert.rejects(runtime.createNode(lab, 'a'), /exists already/);
    assert.deepEqual(await runtime.findNode(lab, 'b'), b);
    assert.equal(await runtime.findNode(lab, 'nope'), null);
    assert.equal(
      await runtime.findNode({ ...lab, runId: 'another-run' }, 'b'),
      null,
      "another run's node is not ours",
    );
    const labs = await runtime.listLabs();
    assert.deepEqual(
      labs.find((l) => l.lab === lab.lab),
      { lab: lab.lab, runId: lab.runId, nodes: ['a', 'b'] },
    );
  });

  it('runs commands in the image: exec with output, input, exit codes and a timeout', async () => {
    const links = await runtime.exec(lab, nodes.a, ['ip', '-o', 'link']);
    assert.equal(links.exitCode, 0, links.stderr);
    assert.match(links.stdout, /: lo:/);
    assert.doesNotMatch(links.stdout, /eth0/); // --network none
    assert.equal((await runtime.exec(lab, nodes.a, ['hostname'])).stdout.trim(), 'a');
    assert.equal(
      (await runtime.exec(lab, nodes.a, ['cat'], { input: 'through stdin\n' })).stdout,
      'through stdin\n',
    );
    const both = await runtime.exec(lab, nodes.a, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(both, { exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    const slow = await runtime.exec(lab, nodes.a, ['sleep', '30'], { timeoutMs: 300 });
    assert.equal(slow.exitCode, 124);
    const node = await runtime.exec(lab, nodes.a, ['node', '--version']);
    assert.equal(node.stdout.trim(), process.version); // the host's node, carried into the image
  });

  it('joins the nodes with a veth pair made from the host by PID, IPv6 included', async () => {
    await execa('ip', [
      'link',
      'add',
      'name',
      'eth1',
      'netns',
      nodes.a.netns,
      'type',
      'veth',
      'peer',
      'name',
      'eth1',
      'netns',
      nodes.b.netns,
    ]);
    for (const [n, addr] of [
      ['a', 'fd00:7e57::a/64'],
      ['b', 'fd00:7e57::b/64'],
    ] as const) {
      await execa(nodes[n].nsenter[0], [...nodes[n].nsenter.slice(1), 'ip', 'link', 'set', 'eth1', 'up']);
      await execa(nodes[n].nsenter[0], [
        ...nodes[n].nsenter.slice(1),
        'ip',
        '-6',
        'addr',
        'add',
        addr,
        'dev',
        'eth1',
        'nodad',
      ]);
    }
    const shown = await runtime.exec(lab, nodes.a, ['ip', '-6', 'addr', 'show', 'dev', 'eth1']);
    assert.match(shown.stdout, /fd00:7e57::a\/64/);
    const ping = await runtime.exec(lab, nodes.a, ['ping', '-6', '-c', '1', '-W', '5', 'fd00:7e57::b']);
    assert.equal(ping.exitCode, 0, ping.stdout + ping.stderr);
  });

  it('starts vrrd detached, answers on the control socket from the host, and returns its host PID', async () => {
    for (const n of ['a', 'b']) {
      const argv = [
        ...runtime.vrrdCommand(),
        '--name',
        n,
        '--socket',
        socket(n),
        '-i',
        'eth1',
        '--hello-ms',
        '200',
      ];
      pids[n] = await runtime.startDaemon(lab, nodes[n], argv, log(n));
    }
    for (const n of ['a', 'b']) {
      // The PID is the host's view of vrrd itself (the wrappers exec), so the controller can signal it.
      const cmdline = readFileSync(`/proc/${pids[n]}/cmdline`, 'utf8').split('\0');
      assert.ok(cmdline.includes('/opt/vrr/dist/daemon/vrrd.mjs'), cmdline.join(' '));
      await waitFor(() => existsSync(socket(n)), 30_000, `vrrd ${n} to open ${socket(n)}`);
      const status = await requestOnce<Status>(socket(n), 'status');
      assert.ok(status.overlay?.ipv4 && status.overlay.ipv6, JSON.stringify(status));
    }
    assert.ok(readFileSync(log('a'), 'utf8').length > 0, 'vrrd logs to the file in the lab directory');
  });

  it('has the two daemons see each other as linked neighbours', async () => {
    const b = await requestOnce<Status>(socket('b'), 'status');
    await waitFor(
      async () => {
        const neighbors = await requestOnce<Neighbor[]>(socket('a'), 'neighbors');
        return neighbors.some(
          (x) => x.address === b.address && x.state === 'linked' && x.interface === 'eth1',
        );
      },
      30_000,
      'a to list b as a linked neighbour on eth1',
    );
  });

  it('pings over the overlay, IPv4 and IPv6, both ways', async () => {
    for (const [from, to] of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      const status = await requestOnce<Status>(socket(to), 'status');
      for (const cidr of [status.overlay!.ipv4!, status.overlay!.ipv6!]) {
        const address = cidr.split('/')[0];
        let last = '';
        const ok = await waitFor(
          async () => {
            const r = await runtime.exec(lab, nodes[from], ['ping', '-c', '1', '-W', '2', address], {
              timeoutMs: 10_000,
            });
            last = r.stdout + r.stderr;
            return r.exitCode === 0;
          },
          30_000,
          `${from} to ping ${to} at ${address}`,
        ).catch((error: Error) => new Error(`${error.message}\n${last}`));
        if (ok instanceof Error) throw ok;
      }
    }
  });

  it('spawns streams in the node, and kill() stops the program itself', async () => {
    const child = runtime.spawn(lab, nodes.a, ['sh', '-c', 'hostname; ip -o link show eth1; exec sleep 300']);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await waitFor(() => out.includes('eth1'), 10_000, 'the spawned command to print');
    assert.match(out, /^a\n/);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));
    child.kill('SIGTERM');
    assert.equal(await exited, 'SIGTERM');
  });

  it('removeLab kills vrrd and removes every container of the lab, idempotently', async () => {
    // Entered from the host: no container cgroup. Its "ready" comes once it runs inside the node (the spawn event
    // comes earlier, before it has entered the node's namespaces, where removeLab looks for processes).
    const lingering = runtime.spawn(lab, nodes.b, ['sh', '-c', 'echo ready; exec sleep 300']);
    let said = '';
    lingering.stdout!.setEncoding('utf8').on('data', (chunk: string) => (said += chunk));
    await waitFor(() => said.includes('ready'), 10_000, 'the lingering sleep to run in the node');
    const removed = await runtime.removeLab(lab.lab);
    assert.equal(removed.containers, 2);
    assert.ok(removed.processes >= 3, `vrrd twice and the lingering sleep: ${JSON.stringify(removed)}`);
    for (const pid of Object.values(pids))
      await waitFor(() => !existsSync(`/proc/${pid}`), 10_000, `vrrd ${pid} to exit`);
    await waitFor(
      () => lingering.exitCode !== null || lingering.signalCode !== null,
      10_000,
      'the lingering sleep to die',
    );
    const left = await new Docker().listContainers({
      all: true,
      filters: { label: [`${LABELS.lab}=${lab.lab}`] },
    });
    assert.deepEqual(left, []);
    assert.deepEqual(await runtime.removeLab(lab.lab), { containers: 0, namespaces: 0, processes: 0 });
    assert.equal(await runtime.findNode(lab, 'a'), null);
  });
});

/** Polls check until it holds, or throws naming what was awaited. */
async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
