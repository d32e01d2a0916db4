// vrrd for real: five namespaces in a line joined by veth pairs, a vrrd in each (and a sixth namespace hanging
// off the last node to inject frames). The ring must become consistent, pings must cross four hops on the
// overlay (ARP and ND answered from the DHT), the DHT must work end to end, a failed link must be repaired,
// malformed frames must be counted and survived, and the control socket must behave. Needs root.

import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../../src/control/client.ts';
import { checkRingConsistency } from '../../src/checks/ring-consistent/verdict.ts';
import { execa } from 'execa';
import { ipSync as ip, netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { LineLab, waitFor } from '../../src/testbed/bare/line-lab.ts';
import { skipForMissing } from '../support/skip.ts';

const INJECTOR = fileURLToPath(new URL('./fixtures-vrrd/frame-injector.ts', import.meta.url));
// Ring order (by address) differs from line order: n1 < n3 < n0 < n2 < n4, so vset paths span several hops.
const ADDRESSES = [
  '02:00:00:00:00:30',
  '02:00:00:00:00:10',
  '02:00:00:00:00:40',
  '02:00:00:00:00:20',
  '02:00:00:00:00:50',
];
const FAKE = '02:00:00:00:00:77';

describe('daemon: vrrd in five namespaces in a line', function () {
  // Measured on a shared 2-core machine: the lab up 2.9 s, the tests up to 6.4-8.0 s; about 5x. The waits inside
  // (30 s at most) end first, so a failure names what it waited for.
  this.timeout(40_000);
  let lab: LineLab | undefined;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) {
      skipForMissing(this, 'vrrd tests', reason);
    }
    lab = new LineLab('line', {
      size: 5,
      addresses: ADDRESSES,
      helloMs: 200,
      vsetSize: 2,
      seed: 7,
      injector: true,
    });
    lab.create();
    await lab.startAll();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && lab) console.log(lab.logs(40));
  });

  after(async () => {
    await lab?.destroy();
  });

  const ringConsistent = async (downLinks: number[] = []): Promise<boolean> => {
    const result = checkRingConsistency(await lab!.snapshots(), lab!.upLinks(downLinks), { maxProblems: 5 });
    return result.passed;
  };

  const overlayIp = async (i: number, family: 4 | 6): Promise<string> => {
    const s = await lab!.ctl(i, 'status');
    return String(family === 4 ? s.overlay.ipv4 : s.overlay.ipv6).split('/')[0];
  };

  /** Pings from node `from` to node `to` over the overlay until one ping of a burst of three answers. */
  const pingWorks = async (from: number, to: number, family: 4 | 6, withinMs: number): Promise<void> => {
    const target = await overlayIp(to, family);
    await waitFor(
      async () =>
        (await lab!.exec(from, 'ping', `-${family}`, '-c', '3', '-i', '0.2', '-W', '1', target)).exitCode ===
        0,
      withinMs,
      `ping -${family} n${from} -> n${to} (${target})`,
      100,
    );
  };

  it('serves its control socket with mode 0600', () => {
    const st = statSync(lab!.daemons[0]!.socket);
    assert.ok(st.isSocket(), 'the control path is a socket');
    assert.equal(st.mode & 0o777, 0o600);
  });

  it('answers bad requests with an error reply and keeps running', async () => {
    const client = await ControlClient.connect(lab!.daemons[1]!.socket);
    try {
      const notJson = await client.rawRequest('this is not json');
      assert.equal(notJson.ok, false);
      assert.equal(notJson.id, null);
      assert.match((notJson as { error: string }).error, /not JSON/);
      const noVerb = await client.rawRequest('{"id": 5}');
      assert.deepEqual([noVerb.ok, noVerb.id], [false, 5]);
      await assert.rejects(client.request('frobnicate'), /unknown verb "frobnicate"/);
      await assert.rejects(
        client.request('link.set', { interface: 'nope', settings: {} }),
        /no link on interface "nope"/,
      );
      await assert.rejects(
        client.request('link.set', { interface: 'e', settings: { delay: 'soon' } }),
        /settings.delay: expected a duration/,
      );
      const status = await client.request<{ address: string }>('status');
      assert.equal(status.address, ADDRESSES[1]);
    } finally {
      client.close();
    }
  });

  it('forms a consistent ring (every vset checked against the true ring)', async () => {
    const ms = await waitFor(() => ringConsistent(), 60_000, 'the ring to become consistent', 500);
    console.log(`      ring consistent ${ms} ms after the daemons answered`);
  });

  it('stores a key with `vrrctl dht put` on one end and gets it on the other', async () => {
    let put = { exitCode: -1, stdout: '', stderr: '' };
    await waitFor(
      async () =>
        (put = await lab!.vrrctl(0, 'dht', 'put', 'greeting', 'hello from n0', '--ttl', '60s')).exitCode ===
        0,
      20_000,
      `dht put to succeed (last: ${put.stderr})`,
      500,
    );
    const got = await lab!.vrrctl(4, '--json', 'dht', 'get', 'greeting');
    assert.equal(got.exitCode, 0, got.stderr);
    const r = JSON.parse(got.stdout);
    assert.equal(r.found, true);
    assert.equal(r.value, 'hello from n0');
    const held = await Promise.all([0, 1, 2, 3, 4].map((i) => lab!.ctl(i, 'dht.entries')));
    assert.ok(
      held.some((entries: { key: string; value: string }[]) =>
        entries.some((e) => e.key === 'greeting' && e.value === 'hello from n0'),
      ),
      'some node stores the key',
    );
    const missing = await lab!.vrrctl(4, 'dht', 'get', 'no-such-key');
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /not found/);
  });

  it('pings over IPv4 and IPv6 across four hops, ARP and ND answered from the DHT', async () => {
    await pingWorks(0, 4, 4, 30_000);
    await pingWorks(0, 4, 6, 30_000);
    const stats = await lab!.ctl(0, 'stats');
    const t = stats.overlay.translation;
    assert.ok(t['overlay.arpReplies'] >= 1, `ARP replies written: ${JSON.stringify(t)}`);
    assert.ok(t['overlay.neighborAdvertisements'] >= 1, `NAs written: ${JSON.stringify(t)}`);
    const middle = await lab!.ctl(2, 'stats');
    assert.ok(middle.summary.dataForwarded > 0, 'n2 forwarded data packets');
  });

  it('counts garbage and truncated frames as malformed and keeps routing', async () => {
    const before = (await lab!.ctl(4, 'stats')).summary;
    const frames = [
      'deadbeef', // too short for a common header
      '2000001000000000000000000000000000', // version 2
      '1700001000000000000000000000000000', // kind 7
      '10000040' + '02000000007700000000000000000000', // Total Length 64 in a 20-byte frame
      '1000001802000000007700000000000000000000', // Total Length 24 in a 20-byte frame
      '11000010' + '40000800020000000077', // data packet shorter than its header
      '10000018020000000077000000000000' + '0200000000000000', // option with Len 0
      'ffffffffffffffffffffffffffffffffffffffffffffffffffff', // noise
    ];
    const r = await lab!.exec('x', process.execPath, '--import', 'tsx', INJECTOR, 'send', 'v', ...frames);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).sent, frames.length);
    await waitFor(
      async () => (await lab!.ctl(4, 'stats')).summary.malformed >= before.malformed + frames.length,
      10_000,
      'n4 to count the malformed frames',
    );
    const after = await lab!.vrrctl(4, 'stats');
    assert.equal(after.exitCode, 0, after.stderr);
    assert.match(after.stdout, /malformed:\s+[1-9]/);
    assert.ok(await ringConsistent(), 'the ring is still consistent');
    assert.equal(lab!.daemons[4]!.child.exitCode, null, 'n4 still runs');
  });

  it('brings a link up from hellos preceded by an option of unknown type', async () => {
    const before = (await lab!.ctl(4, 'stats')).summary.unknownOptions;
    const injector = lab!.exec(
      'x',
      process.execPath,
      '--import',
      'tsx',
      INJECTOR,
      'fake-neighbor',
      'v',
      FAKE,
      ADDRESSES[4],
      '6000',
      '150',
    );
    try {
      await waitFor(
        async () => {
          const ns = (await lab!.ctl(4, 'neighbors')) as { address: string; state: string }[];
          return ns.some((n) => n.address === FAKE && n.state === 'linked');
        },
        10_000,
        `n4 to list ${FAKE} as linked`,
      );
      assert.ok((await lab!.ctl(4, 'stats')).summary.unknownOptions > before, 'unknown options counted');
    } finally {
      await injector;
    }
  });

  it('repairs a link set down: two rings while it is down, one ring and working pings once it is up', async () => {
    // Follow n2's events with vrrctl while the link fails: the port and the link must be reported.
    const events = execa(
      process.execPath,
      ['--import', 'tsx', 'src/ctl/vrrctl.ts', '--socket', lab!.daemons[2]!.socket, '--json', 'events'],
      {
        cwd: REPO_ROOT,
        reject: false,
      },
    );
    await waitFor(
      async () => (await lab!.ctl(2, 'stats')).control.subscribers >= 1,
      30_000,
      'vrrctl events to subscribe',
    );
    const downAt = Date.now();
    ip('-n', lab!.ns(1), 'link', 'set', 'e', 'down');
    try {
      await waitFor(
        async () => {
          const s = await lab!.ctl(2, 'status');
          return s.interfaces.some((i: { name: string; up: boolean }) => i.name === 'w' && !i.up);
        },
        5000,
        'n2 to see its port w lose carrier',
      );
      await waitFor(() => ringConsistent([1]), 60_000, 'each side to form its own ring', 250);
      console.log(`      both sides consistent rings ${Date.now() - downAt} ms after the link went down`);
    } finally {
      ip('-n', lab!.ns(1), 'link', 'set', 'e', 'up');
      events.kill('SIGINT');
    }
    const followed = await events;
    assert.equal(followed.exitCode, 0, String(followed.stderr));
    const seen = String(followed.stdout)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { type: string; interface?: string; to?: string });
    assert.ok(
      seen.some((e) => e.type === 'port-down' && e.interface === 'w'),
      JSON.stringify(seen),
    );
    assert.ok(
      seen.some((e) => e.type === 'link' && (e.to === 'failed' || e.to === 'gone')),
      JSON.stringify(seen),
    );
    const ms = await waitFor(() => ringConsistent(), 60_000, 'the rings to merge', 500);
    console.log(`      merged ring consistent ${ms} ms after the link came back`);
    await pingWorks(0, 4, 4, 30_000);
  });

  it('replaces the stale socket of a killed vrrd, which rejoins the ring', async () => {
    const socket = lab!.daemons[2]!.socket;
    const killed = await lab!.kill(2, 'SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(existsSync(socket), 'SIGKILL leaves the socket file behind');
    await lab!.start(2);
    const ms = await waitFor(
      () => ringConsistent(),
      30_000,
      'the ring to be consistent with the restarted node',
      500,
    );
    console.log(`      ring consistent ${ms} ms after the restart`);
  });

  it('vrrctl: tables, JSON, live link settings and clear errors', async () => {
    // Each vrrctl is a node process (about a second of start-up): a few verbs, run side by side.
    const [status, vset, stats, json] = await Promise.all([
      lab!.vrrctl(0, 'status'),
      lab!.vrrctl(0, 'vset'),
      lab!.vrrctl(0, 'stats'),
      lab!.vrrctl(0, '--json', 'neighbors'),
    ]);
    for (const r of [status, vset, stats, json]) assert.equal(r.exitCode, 0, r.stderr);
    assert.match(status.stdout, /^address:\s+02:00:00:00:00:30$/m);
    assert.match(vset.stdout, /^ADDRESS\s+SIDE\s+DISTANCE$/m);
    assert.match(stats.stdout, /^INTERFACE\s+UP\s+DOWNS/m);
    assert.ok(Array.isArray(JSON.parse(json.stdout)), 'neighbors --json is a list');

    const set = await lab!.vrrctl(0, 'link', 'set', 'e', 'delay=1ms', 'loss=0%');
    assert.equal(set.exitCode, 0, set.stderr);
    const show = JSON.parse((await lab!.vrrctl(0, '--json', 'link', 'show', 'e')).stdout);
    assert.equal(show[0].emulation.delay, '1ms');
    assert.equal(show[0].emulated, true);

    const missing = `${lab!.socketDir}/absent.sock`;
    const [unset, bad, unreachable] = await Promise.all([
      lab!.vrrctl(0, 'link', 'set', 'e', 'delay=0'),
      lab!.vrrctl(0, 'link', 'set', 'e', 'delay'),
      lab!.vrrctl(0, '--socket', missing, 'status'),
    ]);
    assert.equal(unset.exitCode, 0, unset.stderr);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /expected key=value/);
    assert.equal(unreachable.exitCode, 1);
    assert.equal(
      unreachable.stderr.trim(),
      `vrrctl: cannot reach vrrd at ${missing}: ENOENT — is vrrd running?`,
    );
  });

  it('stops on SIGTERM with exit 0, removing its socket file and overlay interface', async () => {
    const socket = lab!.daemons[3]!.socket;
    const exit = await lab!.kill(3, 'SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal(existsSync(socket), false, 'socket file removed');
    assert.doesNotMatch(ip('-n', lab!.ns(3), 'link', 'show'), /vrr0/);
  });
});
