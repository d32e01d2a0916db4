import assert from 'node:assert/strict';
import { labPairs, parsePing, runPingAll, type PingMatrix } from '../../../../src/checks/ping-all/lab.ts';
import { fakeIpv4, fakeIpv6, fakeLab, pingOutput } from '../fake-probe.ts';

const index = (address: string): number => Number(address.split(/[.:]/).at(-1)) - 1;

describe('ping-all, lab half', () => {
  it('pings every ordered pair over IPv4 and IPv6 with ping -c -i 0.2 -W 1 -q and sums the figures', async () => {
    const lab = fakeLab(3, {
      exec: (_node, argv) => {
        const address = argv.at(-1)!;
        const rtt = address.includes(':') ? '1.000/2.000/4.000/0.5' : '0.500/1.000/3.000/0.2';
        return { exitCode: 0, stdout: pingOutput(address, 3, 3, rtt), stderr: '' };
      },
    });
    const result = await runPingAll(lab, 7);
    assert.equal(result.name, 'ping-all');
    assert.equal(result.passed, true);
    assert.deepEqual(
      { ...result.figures },
      {
        pairs: 6,
        delivered: 6,
        deliveryPct: 100,
        v4Reachable: 6,
        v6Reachable: 6,
        meanRttMs: 1.5,
        maxRttMs: 4,
        lossPct: 0,
        crossPartitionPairs: 0,
      },
    );
    assert.equal(result.problems, undefined);
    assert.equal(lab.execCalls.length, 12);
    assert.deepEqual(lab.execCalls[0].argv, ['ping', '-c', '3', '-i', '0.2', '-W', '1', '-q', fakeIpv4(1)]);
    assert.ok(lab.execCalls.some((c) => c.node === 'n2' && c.argv.at(-1) === fakeIpv6(0)));
    const matrix = result.details!.matrix as PingMatrix;
    assert.deepEqual(matrix.IPv6.n2.n0, { lossPct: 0, rttMs: 2 });
    assert.deepEqual(Object.keys(matrix.IPv4.n0).sort(), ['n1', 'n2']);
  });

  it('names each failing pair, its address and family: 100% loss and "Network is unreachable"', async () => {
    const lab = fakeLab(3, {
      exec: (node, argv) => {
        const address = argv.at(-1)!;
        const to = index(address);
        if (node === 'n0' && address === fakeIpv4(2)) {
          return { exitCode: 1, stdout: pingOutput(address, 3, 0), stderr: '' };
        }
        if (node === 'n2' && address === fakeIpv6(1)) {
          return { exitCode: 2, stdout: '', stderr: 'ping: connect: Network is unreachable\n' };
        }
        // n1 -> n0 over IPv4 is lossy but delivered.
        const received = node === 'n1' && to === 0 && !address.includes(':') ? 1 : 3;
        return { exitCode: 0, stdout: pingOutput(address, 3, received), stderr: '' };
      },
    });
    const result = await runPingAll(lab, 7);
    assert.equal(result.passed, false);
    assert.deepEqual(result.problems, [
      `n0 -> n2 (${fakeIpv4(2)}, IPv4): 3/3 lost`,
      `n2 -> n1 (${fakeIpv6(1)}, IPv6): ping: connect: Network is unreachable`,
    ]);
    assert.equal(result.figures.pairs, 6);
    assert.equal(result.figures.delivered, 4);
    assert.equal(result.figures.v4Reachable, 5);
    assert.equal(result.figures.v6Reachable, 5);
    // 36 requests: 3 lost to n0 -> n2, 3 counted lost for the unreachable one, 2 lost n1 -> n0.
    assert.equal(result.figures.lossPct, 22.222);
    const matrix = result.details!.matrix as PingMatrix;
    assert.deepEqual(matrix.IPv6.n2.n1, {
      lossPct: 100,
      rttMs: null,
      error: 'ping: connect: Network is unreachable',
    });
    assert.deepEqual(matrix.IPv4.n1.n0, { lossPct: 66.667, rttMs: 1 });
  });

  it('reads busybox summaries, errors and timeouts', () => {
    const busybox = [
      'PING 198.18.0.2 (198.18.0.2): 56 data bytes',
      '',
      '--- 198.18.0.2 ping statistics ---',
      '3 packets transmitted, 2 packets received, 33% packet loss',
      'round-trip min/avg/max = 0.101/0.202/0.303 ms',
    ].join('\n');
    assert.deepEqual(parsePing({ exitCode: 0, stdout: busybox, stderr: '' }, 3), {
      transmitted: 3,
      received: 2,
      lossPct: 33.333,
      rttMs: { min: 0.101, avg: 0.202, max: 0.303 },
      error: null,
    });
    const errors = '2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 203ms\n';
    assert.equal(parsePing({ exitCode: 1, stdout: errors, stderr: '' }, 2).lossPct, 100);
    assert.equal(
      parsePing({ exitCode: 124, stdout: '', stderr: '' }, 3).error,
      'ping did not finish in time',
    );
    assert.equal(
      parsePing({ exitCode: 2, stdout: '', stderr: '' }, 3).error,
      'ping exited 2 without a summary',
    );
  });

  it('leaves out pairs across partitions and counts them', async () => {
    const lab = fakeLab(4, {
      upLinks: [
        ['n0', 'n1'],
        ['n2', 'n3'],
      ],
      exec: (_node, argv) => ({ exitCode: 0, stdout: pingOutput(argv.at(-1)!, 3, 3), stderr: '' }),
    });
    const result = await runPingAll(lab, 7);
    assert.equal(result.passed, true);
    assert.equal(result.figures.pairs, 4);
    assert.equal(result.figures.crossPartitionPairs, 8);
  });

  it('only pings alive nodes', async () => {
    const lab = fakeLab(3, {
      alive: ['n0', 'n2'],
      upLinks: [
        ['n0', 'n1'],
        ['n1', 'n2'],
        ['n0', 'n2'],
      ],
      exec: (_node, argv) => ({ exitCode: 0, stdout: pingOutput(argv.at(-1)!, 3, 3), stderr: '' }),
    });
    const result = await runPingAll(lab, 7);
    assert.equal(result.figures.pairs, 2);
    assert.ok(lab.execCalls.every((c) => c.node !== 'n1' && c.argv.at(-1) !== fakeIpv4(1)));
  });

  it('samples distinct ordered pairs by seed on large labs', () => {
    const links: [string, string][] = Array.from({ length: 29 }, (_, i) => [`n${i}`, `n${i + 1}`]);
    const lab = fakeLab(30, { upLinks: links });
    const a = labPairs(lab, 1, { samplePairs: 50 });
    const b = labPairs(lab, 1, { samplePairs: 50 });
    const c = labPairs(lab, 2, { samplePairs: 50 });
    assert.equal(a.sampled, true);
    assert.equal(a.pairs.length, 50);
    assert.deepEqual(a.pairs, b.pairs);
    assert.notDeepEqual(a.pairs, c.pairs);
    assert.equal(new Set(a.pairs.map((p) => p.join(' '))).size, 50);
    assert.ok(a.pairs.every(([x, y]) => x !== y));
    assert.equal(labPairs(lab, 7, { sampleAbove: 30 }).pairs.length, 30 * 29);
  });

  it('runs at most `concurrency` pings at once', async () => {
    let running = 0;
    let most = 0;
    const lab = fakeLab(5, {
      exec: async (_node, argv) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
        return { exitCode: 0, stdout: pingOutput(argv.at(-1)!, 3, 3), stderr: '' };
      },
    });
    await runPingAll(lab, 7, { concurrency: 3 });
    assert.equal(most, 3);
    assert.equal(lab.execCalls.length, 40);
  });
});
