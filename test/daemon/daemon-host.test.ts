// Shared mode for real: five namespaces in a line joined by veth pairs and ONE vrrd (`vrrd --host`) hosting a
// node in each, every node's links and overlay TAP opened inside its own namespace. The ring must become
// consistent, pings must cross four hops, the DHT must work end to end, each node must keep its own control
// socket (0600) and log, and host.crash / host.restart must take one node down and bring it back while the
// others run on. Needs root.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { checkRingConsistency } from '../../src/checks/ring-consistent/verdict.ts';
import { ipSync as ip, netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { LineLab, waitFor } from '../../src/testbed/bare/line-lab.ts';
import { skipForMissing } from '../support/skip.ts';

const ADDRESSES = [
  '02:00:00:00:00:30',
  '02:00:00:00:00:10',
  '02:00:00:00:00:40',
  '02:00:00:00:00:20',
  '02:00:00:00:00:50',
];

describe('daemon: one vrrd hosting five nodes in five namespaces (shared mode)', function () {
  let lab: LineLab | undefined;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) skipForMissing(this, 'vrrd host tests', reason);
    lab = new LineLab('host', { size: 5, addresses: ADDRESSES, helloMs: 200, vsetSize: 2, seed: 7 });
    lab.create();
    await lab.startHost();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && lab) console.log(lab.logs(40));
  });

  after(async () => {
    await lab?.destroy();
  });

  const ringConsistent = async (downLinks: number[] = []): Promise<boolean> =>
    checkRingConsistency(await lab!.snapshots(), lab!.upLinks(downLinks), { maxProblems: 5 }).passed;

  const pingWorks = async (from: number, to: number, withinMs: number): Promise<void> => {
    const status = await lab!.ctl(to, 'status');
    const target = String(status.overlay.ipv4).split('/')[0];
    await waitFor(
      async () => (await lab!.exec(from, 'ping', '-c', '3', '-i', '0.2', '-W', '1', target)).exitCode === 0,
      withinMs,
      `ping n${from} -> n${to} (${target})`,
      100,
    );
  };

  it('runs every node in one process, each with its own 0600 control socket, namespace and log', async () => {
    const statuses = await Promise.all([0, 1, 2, 3, 4].map((i) => lab!.ctl(i, 'status')));
    assert.equal(new Set(statuses.map((s) => s.pid)).size, 1, 'one pid for all');
    assert.equal(statuses[0].pid, lab!.host!.child.pid);
    for (const [i, s] of statuses.entries()) {
      assert.equal(s.mode, 'shared');
      assert.equal(s.netns, lab!.ns(i));
      assert.equal(s.address, ADDRESSES[i]);
      assert.equal(statSync(lab!.daemons[i]!.socket).mode & 0o777, 0o600);
      assert.equal(statSync(lab!.hostedLog(i)).mode & 0o777, 0o600);
      assert.match(readFileSync(lab!.hostedLog(i), 'utf8'), new RegExp(`"msg":"vrrd ready","name":"n${i}"`));
    }
    assert.equal(statSync(lab!.hostSocket).mode & 0o777, 0o600);
    // Each overlay TAP is in its node's namespace, with that node's addresses; none is in ours.
    const shown = JSON.parse(ip('-n', lab!.ns(2), '-j', 'addr', 'show', 'vrr0')) as {
      address: string;
      addr_info: { local: string }[];
    }[];
    assert.equal(shown[0].address, ADDRESSES[2]);
    assert.ok(
      shown[0].addr_info.some((a) => `${a.local}` === String(statuses[2].overlay.ipv4).split('/')[0]),
    );
    assert.throws(() => ip('link', 'show', 'vrr0'), /does not exist/);
    const host = await lab!.hostCtl('host.status');
    assert.equal(host.mode, 'shared');
    // How late the shared event loop ran, and what the GC took, since the previous look.
    assert.ok(
      host.load.windowMs > 0 && host.load.loopDelayMs.p99 >= 0 && host.load.gc.count >= 0,
      JSON.stringify(host.load),
    );
    assert.deepEqual(
      host.nodes.map((n: { name: string; state: string }) => `${n.name}:${n.state}`),
      ['n0:running', 'n1:running', 'n2:running', 'n3:running', 'n4:running'],
    );
  });

  it('forms a consistent ring', async () => {
    await waitFor(() => ringConsistent(), 30_000, 'a consistent ring');
  });

  it('pings across four hops and stores and fetches through the DHT', async () => {
    await pingWorks(0, 4, 30_000);
    await lab!.ctl(0, 'dht.put', { key: 'shared-mode', value: 'one process' });
    await waitFor(
      async () => (await lab!.ctl(4, 'dht.get', { key: 'shared-mode' })).value === 'one process',
      20_000,
      'dht.get at n4',
    );
  });

  it('crashes one node (socket and TAP gone, the others run on) and restarts it from nothing', async () => {
    const socket = lab!.daemons[2]!.socket;
    const crashed = await lab!.crashHosted(2);
    assert.equal(crashed.state, 'crashed');
    assert.equal(existsSync(socket), false, 'the crashed node removed its socket');
    assert.throws(() => ip('-n', lab!.ns(2), 'link', 'show', 'vrr0'), /does not exist/);
    // The line is cut at n2: n0-n1 and n3-n4 each form a ring of their own.
    await waitFor(
      async () => {
        const snaps = await lab!.snapshots();
        return checkRingConsistency(snaps, lab!.upLinks([1, 2]), { maxProblems: 5 }).passed;
      },
      30_000,
      'two rings while n2 is down',
    );
    await assert.rejects(
      lab!.hostCtl('host.crash', { node: 'n9' }),
      /no hosted node "n9" \(this host runs: n0, n1/,
    );
    const restarted = await lab!.restartHosted(2);
    assert.equal(restarted.state, 'running');
    assert.equal(restarted.restarts, 1);
    await waitFor(() => ringConsistent(), 30_000, 'one ring again');
    await pingWorks(0, 4, 30_000);
  });

  it('stops every node on SIGTERM with exit 0, leaving no socket and no TAP', async () => {
    const host = lab!.host!;
    host.child.kill('SIGTERM');
    const exit = await host.exit;
    assert.deepEqual(exit, { code: 0, signal: null });
    for (let i = 0; i < 5; i++) {
      assert.equal(existsSync(lab!.daemons[i]!.socket), false);
      assert.throws(() => ip('-n', lab!.ns(i), 'link', 'show', 'vrr0'), /does not exist/);
    }
    assert.equal(existsSync(lab!.hostSocket), false);
  });
});
