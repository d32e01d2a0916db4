// The checks' lab halves (src/checks/*/lab.ts) against real daemons: four namespaces in a line with a vrrd in
// each, wrapped in a LabAccess (exec and spawn through `ip netns exec`, ctl over the control sockets) and seen
// through the testbed's LabProbe (src/testbed/verify/lab-probe.ts), then ping-all
// over IPv4 and IPv6, the dht check with 20 keys, 6 s iperf v2 multicast streams (IPv4 and IPv6) from n0 to the
// three others, and the ring check: all must pass. Needs root, iputils-ping and iperf (v2); skips with a printed reason otherwise.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { execa } from 'execa';
import type { LabAccess } from '../../src/testbed/lab/lab-access.ts';
import type { LabPlan } from '../../src/testbed/lab/plan.ts';
import { deriveOverlayIpv4, deriveOverlayIpv6 } from '../../src/topology/overlay-addresses.ts';
import { parseAddress } from '../../src/vrr/address.ts';
import { NO_IMPAIRMENT } from '../../src/daemon/link-emulation.ts';
import { parseGroupAddress } from '../../src/topology/group-address.ts';
import { runPingAll } from '../../src/checks/ping-all/lab.ts';
import { runDhtCheck } from '../../src/checks/dht/lab.ts';
import { runMulticastCheck } from '../../src/checks/multicast/lab.ts';
import { runRingCheck } from '../../src/checks/ring-consistent/lab.ts';
import type { CheckResult } from '../../src/checks/report.ts';
import type { LabProbe } from '../../src/checks/lab-probe.ts';
import { labProbe } from '../../src/testbed/verify/lab-probe.ts';
import { netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { LineLab, waitFor } from '../../src/testbed/bare/line-lab.ts';
import { skipForMissing } from '../support/skip.ts';

// Ring order differs from line order (n1 < n3 < n0 < n2), so vset paths and trees span several hops.
const ADDRESSES = ['02:00:00:00:00:30', '02:00:00:00:00:10', '02:00:00:00:00:40', '02:00:00:00:00:20'];
const HELLO_MS = 200;
const VSET_SIZE = 2;

/** Why the checks cannot run here (ping or iperf v2 missing), or null. */
function toolsUnavailableReason(): string | null {
  const ping = spawnSync('ping', ['-V'], { encoding: 'utf8' });
  if (ping.error) return 'ping is not installed (apt-get install -y iputils-ping)';
  // iperf -v prints to stderr (and exits 1 on some builds): read both.
  const iperf = spawnSync('iperf', ['-v'], { encoding: 'utf8' });
  if (iperf.error) return 'iperf (v2) is not installed (apt-get install -y iperf)';
  const said = `${iperf.stdout}${iperf.stderr}`;
  return /iperf version 2/.test(said) ? null : `iperf is not version 2 (${said.trim()})`;
}

/** The plan of the line lab as the controller would have written it (vrrd's `auto` overlay addresses). */
function linePlan(): LabPlan {
  const names = ADDRESSES.map((_, i) => `n${i}`);
  return {
    lab: 'lab-checks',
    runId: `test-${process.pid}`,
    runtime: 'netns',
    seed: 7,
    topologyFile: '<line-lab>',
    nodes: ADDRESSES.map((text, i) => {
      const v4 = deriveOverlayIpv4(parseAddress(text));
      const v6 = deriveOverlayIpv6(parseAddress(text));
      return {
        name: names[i],
        address: text,
        vrr: { vsetSize: VSET_SIZE, helloMs: HELLO_MS },
        ipv4: `${v4.address}/${v4.prefixLength}`,
        ipv6: `${v6.address}/${v6.prefixLength}`,
        seed: 7,
        interfaces: [],
      };
    }),
    links: names.slice(1).map((b, i) => ({
      index: i,
      a: names[i],
      b,
      ifA: 'e',
      ifB: 'w',
      aToB: NO_IMPAIRMENT,
      bToA: NO_IMPAIRMENT,
    })),
  };
}

/** A LabAccess over a LineLab: what the controller's Lab does for a netns lab, minus the state file. */
function lineLabAccess(lab: LineLab): LabAccess {
  const index = (node: string): number => Number(node.slice(1));
  return {
    plan: linePlan(),
    nodeCommand: [process.execPath],
    async exec(node, argv, options) {
      const r = await execa('ip', ['netns', 'exec', lab.ns(index(node)), ...argv], {
        reject: false,
        timeout: options?.timeoutMs ?? 60_000,
        ...(options?.input !== undefined ? { input: options.input } : {}),
      });
      return {
        exitCode: r.timedOut ? 124 : (r.exitCode ?? -1),
        stdout: String(r.stdout),
        stderr: String(r.stderr),
      };
    },
    spawn(node, argv) {
      return spawn('ip', ['netns', 'exec', lab.ns(index(node)), ...argv], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    },
    ctl: (node, verb, args) => lab.ctl(index(node), verb, args),
    aliveNodes: () => lab.daemons.filter((d) => d !== null).map((d) => `n${d!.index}`),
    upLinks: () => lab.upLinks().map(([a, b]) => [a, b]),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

function explain(result: CheckResult): string {
  return `${result.name}: ${JSON.stringify(result.figures)}\n${(result.problems ?? []).join('\n')}`;
}

describe('daemon: real-lab checks on four vrrd namespaces', function () {
  // Measured on a shared 2-core machine: the lab up 4.4 s, the multicast checks 7.8-8.7 s each; about 5x. The
  // waits inside (30 s at most) end first, so a failure names what it waited for.
  this.timeout(40_000);
  let lab: LineLab | undefined;
  let access: LabProbe;

  before(async function () {
    const reason = netnsUnavailableReason() ?? toolsUnavailableReason();
    if (reason !== null) {
      skipForMissing(this, 'real-lab check tests', reason);
    }
    lab = new LineLab('checks', {
      size: ADDRESSES.length,
      addresses: ADDRESSES,
      helloMs: HELLO_MS,
      vsetSize: VSET_SIZE,
      seed: 7,
    });
    lab.create();
    await lab.startAll();
    access = labProbe(lineLabAccess(lab));
    await waitFor(
      async () => (await runRingCheck(access)).passed,
      30_000,
      'the ring to become consistent',
      500,
    );
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && lab) console.log(lab.logs(40));
  });

  after(async () => {
    await lab?.destroy();
  });

  it('ring-consistent: every vrrd reports the true ring', async () => {
    const result = await runRingCheck(access);
    assert.ok(result.passed, explain(result));
    assert.equal(result.figures.nodes, 4);
    assert.equal(result.figures.partitions, 1);
  });

  it('ping-all: all 12 ordered pairs answer over IPv4 and IPv6', async () => {
    // ARP/ND answers come from the DHT, whose mappings are published just after convergence: retry a few
    // rounds, as a scenario's `verify ... within` would.
    let result = await runPingAll(access, 7, { count: 3 });
    for (let round = 1; !result.passed && round < 5; round++) {
      console.log(`      ping-all round ${round}: ${result.figures.delivered}/${result.figures.pairs} pairs`);
      result = await runPingAll(access, 7, { count: 3 });
    }
    console.log(
      `      ping-all: ${result.figures.delivered}/${result.figures.pairs} pairs, mean rtt ${result.figures.meanRttMs} ms, ` +
        `${String(result.details?.elapsedMs)} ms for the round`,
    );
    assert.ok(result.passed, explain(result));
    assert.equal(result.figures.pairs, 12);
    assert.equal(result.figures.v4Reachable, 12);
    assert.equal(result.figures.v6Reachable, 12);
    const matrix = result.details?.matrix as Record<
      string,
      Record<string, Record<string, { lossPct: number }>>
    >;
    assert.equal(Object.keys(matrix.IPv6.n3).length, 3);
  });

  it('dht: 20 keys put from random nodes are found from others', async () => {
    const result = await runDhtCheck(access, { keys: 20, expect: { foundPct: 100 } }, 7);
    console.log(`      dht: ${JSON.stringify(result.figures)}`);
    assert.ok(result.passed, explain(result));
    assert.equal(result.figures.found, 20);
  });

  const multicast = async (group: string): Promise<void> => {
    const result = await runMulticastCheck(
      access,
      {
        group,
        groupAddress: parseGroupAddress(group),
        source: 'n0',
        members: ['n1', 'n2', 'n3'],
        rateBps: 160_000,
        durationMs: 6000,
        expect: { deliveryPct: 90, duplicates: 0 },
      },
      7,
    );
    console.log(`      multicast ${group}: ${JSON.stringify(result.figures)}`);
    assert.ok(result.passed, `${explain(result)}\n${JSON.stringify(result.details)}`);
    assert.equal(result.figures.members, 3);
    assert.ok(result.figures.sent > 0);
  };

  it('multicast: a 160 kbit/s iperf stream from n0 to 239.7.7.7 reaches n1, n2 and n3', () =>
    multicast('239.7.7.7'));

  it('multicast: the same over IPv6 to ff0e::7:8', () => multicast('ff0e::7:8'));
});
