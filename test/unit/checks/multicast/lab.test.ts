import assert from 'node:assert/strict';
import {
  datagramsSent,
  ensureGroupRoute,
  firstRouteDevice,
  multicastPort,
  receiverSource,
  runMulticastCheck,
  startMulticast,
  type MemberResult,
  type ReceiverReport,
} from '../../../../src/checks/multicast/lab.ts';
import { parseGroupAddress } from '../../../../src/topology/group-address.ts';
import type { MulticastCheckSpec } from '../../../../src/checks/multicast/spec.ts';
import { FakeChild, fakeIpv4, fakeLab, type FakeHandlers } from '../fake-probe.ts';

const GROUP = '239.7.7.7';
const GROUP_MAC = '01:00:5e:07:07:07';

function spec(overrides: Partial<MulticastCheckSpec> = {}): MulticastCheckSpec {
  return {
    group: GROUP,
    groupAddress: parseGroupAddress(GROUP),
    source: 'n0',
    members: ['n1', 'n2', 'n3'],
    rateBps: 160_000,
    durationMs: 6000,
    expect: { deliveryPct: 99, duplicates: 0 },
    ...overrides,
  };
}

function counts(partial: Partial<ReceiverReport>): ReceiverReport {
  return {
    received: 122,
    duplicates: 0,
    outOfOrder: 0,
    short: 0,
    minId: 1,
    maxId: 122,
    endId: 123,
    longestGapMs: 60,
    firstArrival: null,
    lastArrival: null,
    missingInRange: 0,
    reason: 'end',
    ...partial,
  };
}

/**
 * A lab whose nodes run the fake receivers and sender: receivers say ready at once; when the sender ends
 * (at once: the fake clock makes no time pass) each receiver prints its report, or waits for SIGTERM, or dies without one.
 */
function streamLab(
  reports: Record<string, ReceiverReport | 'on-sigterm' | 'dies'>,
  extra: FakeHandlers = {},
): {
  lab: ReturnType<typeof fakeLab>;
  spawned: { node: string; child: FakeChild }[];
  routeAdds: string[];
} {
  const spawned: { node: string; child: FakeChild }[] = [];
  const routeAdds: string[] = [];
  const receivers = new Map<string, FakeChild>();
  const lab = fakeLab(4, {
    exec: (node, argv) => {
      if (argv.includes('show')) {
        // n1 has no group route yet; the others got one at `up`.
        const stdout = node === 'n1' ? '' : 'multicast 224.0.0.0/4 dev vrr0 table main scope link\n';
        return { exitCode: 0, stdout, stderr: '' };
      }
      routeAdds.push(`${node}: ${argv.join(' ')}`);
      return { exitCode: 0, stdout: '', stderr: '' };
    },
    ctl: (_node, verb) => {
      assert.equal(verb, 'mcast.groups');
      return { member: [GROUP_MAC], source: [], delivered: {}, sent: {}, trees: [] };
    },
    spawn: (node, argv) => {
      const child = new FakeChild(argv);
      spawned.push({ node, child });
      if (argv[0] === 'node') {
        receivers.set(node, child);
        setImmediate(() => child.say(JSON.stringify({ ready: true })));
        child.on('signal', (signal: string) => {
          if (signal === 'SIGTERM' && reports[node] === 'on-sigterm') {
            child.say(
              JSON.stringify({ done: true, ...counts({ reason: 'signal', endId: null, received: 121 }) }),
            );
            child.exit(0);
          }
        });
      } else {
        setImmediate(() => {
          child.say('[  1] 0.0000-6.0509 sec   120 KBytes   163 Kbits/sec');
          child.say('[  1] Sent 124 datagrams');
          child.exit(0);
          for (const [member, receiver] of receivers) {
            const report = reports[member];
            if (report === 'dies') {
              receiver.stderr.write('SyntaxError: Unexpected token\n');
              receiver.exit(1);
            } else if (report !== 'on-sigterm') {
              receiver.say(JSON.stringify({ done: true, ...report }));
              receiver.exit(0);
            }
          }
        });
      }
      return child.asChild();
    },
    ...extra,
  });
  return { lab, spawned, routeAdds };
}

describe('testbed verify: multicast', () => {
  it('streams with iperf v2 from the source to receivers in every member and passes on full delivery', async () => {
    const { lab, spawned, routeAdds } = streamLab({
      n1: counts({}),
      n2: counts({ longestGapMs: 812.5 }),
      n3: 'on-sigterm',
    });
    const result = await runMulticastCheck(lab, spec({ expect: { deliveryPct: 99, duplicates: 0 } }), 7);
    assert.equal(result.name, 'multicast');
    assert.equal(result.passed, true, JSON.stringify(result.problems));
    assert.deepEqual(result.figures, {
      members: 3,
      membersSkipped: 0,
      sent: 122,
      deliveryPct: 99.18,
      meanDeliveryPct: 99.727,
      lost: 1,
      duplicates: 0,
      outOfOrder: 0,
      longestOutageMs: 812.5,
    });
    assert.equal(result.details!.sentFrom, 'end-marker');
    assert.deepEqual(result.details!.routesAdded, ['n1']);
    assert.deepEqual(routeAdds, ['n1: ip -4 route replace 224.0.0.0/4 dev vrr0']);

    const sender = spawned.find((s) => s.child.argv[0] === 'iperf')!;
    assert.equal(sender.node, 'n0');
    const port = String(multicastPort(7));
    assert.deepEqual(sender.child.argv, [
      'iperf', '-c', GROUP, '-u', '-b', '160000', '-t', '6', '-l', '1000', '-T', '8', '-p', port, '-B', fakeIpv4(0),
    ]); // prettier-ignore
    const receivers = spawned.filter((s) => s.child.argv[0] === 'node');
    assert.deepEqual(
      receivers.map((r) => r.node),
      ['n1', 'n2', 'n3'],
    );
    for (const r of receivers) {
      assert.equal(r.child.argv[1], '-e');
      assert.equal(r.child.argv[2], receiverSource());
      const config = JSON.parse(r.child.argv[3]);
      assert.equal(config.group, GROUP);
      assert.equal(config.port, Number(port));
      assert.equal(config.iface, 'vrr0');
      assert.equal(config.localIpv4, fakeIpv4(Number(r.node.slice(1))));
    }
    // n3 never saw the end marker: it was asked to report.
    assert.deepEqual(receivers[2].child.signals, ['SIGTERM']);
    const members = result.details!.members as MemberResult[];
    assert.equal(members[2].received, 121);
    assert.equal(members[2].ids.end, null);
  });

  it('fails naming the member that got too little, the duplicates and the receiver that died', async () => {
    const { lab } = streamLab({
      n1: counts({}),
      n2: counts({ received: 110, duplicates: 2, outOfOrder: 3, longestGapMs: 1500, maxId: 122 }),
      n3: 'dies',
    });
    const result = await runMulticastCheck(lab, spec(), 7);
    assert.equal(result.passed, false);
    assert.deepEqual(result.problems, [
      'n2: received 110/122 datagrams (90.164%), expected at least 99% (longest outage 1500 ms)',
      'n3: the receiver gave no counts (exited 1: SyntaxError: Unexpected token)',
      '2 duplicate datagrams (n2 2), expected at most 0',
    ]);
    assert.equal(result.figures.deliveryPct, 0);
    assert.equal(result.figures.meanDeliveryPct, 63.388);
    assert.equal(result.figures.duplicates, 2);
    assert.equal(result.figures.outOfOrder, 3);
    assert.equal(result.figures.lost, 12 + 122);
  });

  it('start returns while the stream flows; stop collects it', async () => {
    const { lab } = streamLab({ n1: counts({}), n2: counts({}), n3: counts({}) });
    const run = await startMulticast(lab, spec(), 7);
    assert.equal(typeof run.startedAt, 'number');
    const [a, b] = await Promise.all([run.stop(), run.stop()]);
    assert.equal(a, b);
    assert.equal(a.passed, true);
  });

  it('skips members that are not alive, and fails without a source or an IP group', async () => {
    const { lab } = streamLab({ n1: counts({}), n2: counts({}) }, { alive: ['n0', 'n1', 'n2'] });
    const result = await runMulticastCheck(lab, spec(), 7);
    assert.equal(result.passed, true);
    assert.equal(result.figures.members, 2);
    assert.equal(result.figures.membersSkipped, 1);
    assert.deepEqual(result.details!.skippedMembers, ['n3']);

    const noSource = streamLab({}, { alive: ['n1', 'n2', 'n3'] });
    const r2 = await runMulticastCheck(noSource.lab, spec(), 7);
    assert.equal(r2.passed, false);
    assert.deepEqual(r2.problems, [`source n0 is not alive: no stream to ${GROUP}`]);
    assert.equal(noSource.spawned.length, 0);

    const vrrGroup = streamLab({});
    const r3 = await runMulticastCheck(vrrGroup.lab, spec({ group: '03:00:00:00:00:01' }), 7);
    assert.equal(r3.passed, false);
    assert.match(r3.problems![0], /not an IP multicast group/);
  });

  it('routes IPv6 groups through the overlay in the local table, where the kernel puts one per interface', async () => {
    const local = [
      'multicast ff00::/8 dev eth1 table local proto kernel metric 256 pref medium',
      'multicast ff00::/8 dev vrr0 table local proto kernel metric 256 pref medium',
    ].join('\n');
    assert.equal(firstRouteDevice(local), 'eth1');
    assert.equal(
      firstRouteDevice(`multicast ff00::/8 dev vrr0 table local metric 1 pref medium\n${local}`),
      'vrr0',
    );
    assert.equal(firstRouteDevice(''), null);
    const lab = fakeLab(2, {
      exec: (_n, argv) => ({ exitCode: 0, stdout: argv.includes('show') ? local : '', stderr: '' }),
    });
    assert.equal(await ensureGroupRoute(lab, 'n1', 6, 'vrr0'), true);
    assert.deepEqual(
      lab.execCalls.map((c) => c.argv.join(' ')),
      [
        'ip -6 route show table local ff00::/8',
        'ip -6 route replace multicast ff00::/8 dev vrr0 table local metric 1',
      ],
    );
    const failing = fakeLab(2, {
      exec: (_n, argv) =>
        argv.includes('show')
          ? { exitCode: 0, stdout: '', stderr: '' }
          : { exitCode: 2, stdout: '', stderr: 'RTNETLINK answers: No such device\n' },
    });
    await assert.rejects(
      ensureGroupRoute(failing, 'n1', 4, 'vrr0'),
      /n1: ip -4 route replace 224.0.0.0\/4 dev vrr0 failed: RTNETLINK answers: No such device/,
    );
  });

  it('counts what was sent from the end marker, else from iperf, the highest id or the rate', () => {
    const r = (endId: number | null, maxId: number | null) => ({ endId, maxId });
    assert.deepEqual(datagramsSent([r(123, 122), r(null, 100), null], 124, 120), {
      sent: 122,
      sentFrom: 'end-marker',
    });
    assert.deepEqual(datagramsSent([r(null, 100), null], 124, 120), { sent: 122, sentFrom: 'iperf' });
    assert.deepEqual(datagramsSent([r(null, 100)], null, 120), { sent: 100, sentFrom: 'highest-id' });
    assert.deepEqual(datagramsSent([null], null, 120), { sent: 120, sentFrom: 'rate' });
  });

  it('the receiver source is plain CommonJS that imports nothing from the repository', () => {
    const source = receiverSource();
    const required = [...source.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]);
    assert.ok(required.length > 0);
    assert.ok(
      required.every((m) => m.startsWith('node:')),
      required.join(', '),
    );
    assert.doesNotMatch(source, /^\s*import\s/m);
  });
});
