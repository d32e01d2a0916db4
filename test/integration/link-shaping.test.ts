// Link shaping measured on real links: a line of three namespaces (fixtures/shaped-line.yaml: 20 ms and 10 %
// loss per direction on every link), pinged over the overlay. One hop's RTT must sit just above 2 x 20 ms and
// two hops' just above 4 x 20 ms; the replies to N pings must fall in the 5-sigma binomial interval of
// 0.9 x 0.9 (the echo and its reply each cross one lossy direction), which a correct link misses about once in
// two million runs. Then `testbed impair` changes one link live and both figures move to the new values.
// Once with tc netem (where the kernel has sch_netem: skipped with its reason where it does not, even in CI,
// since no install step can add a kernel module) and once with vrrd's emulation (VRR_TESTBED_SHAPING=emulation).

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { downLabs } from '../../src/testbed/lab/down.ts';
import type { Lab } from '../../src/testbed/lab/lab.ts';
import { hostIpv4, plannedNode } from '../../src/testbed/lab/plan.ts';
import { upLab } from '../../src/testbed/lab/up.ts';
import { NetnsRuntime } from '../../src/testbed/runtime/netns.ts';
import { loadTopology } from '../../src/checks/topology.ts';
import { netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { probeNetem } from '../support/kernel.ts';
import { skipForKernel, skipForMissing } from '../support/skip.ts';
import { labName, leftovers, privateStateRoot, testbedCli } from './fixtures/lab-kit.ts';

const TOPOLOGY = `${REPO_ROOT}/test/integration/fixtures/shaped-line.yaml`;
/** The fixture's per-direction delay and loss. */
const DELAY_MS = 20;
const LOSS = 0.1;
/** What `testbed impair` sets on n1 -- n2 halfway through. */
const IMPAIRED = { delayMs: 50, loss: 0.03 };
/** Pings per loss measurement: the before and after intervals (below) do not overlap at this N. */
const PINGS = 600;

/** What a run of ping saw. */
interface PingRun {
  sent: number;
  received: number;
  /** The RTT of every reply, ms. */
  rtts: number[];
}

/** The 5-sigma interval of a binomial(n, p) count (normal approximation, clamped to 0..n). */
function binomialInterval(n: number, p: number): [number, number] {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return [Math.max(0, Math.floor(mean - 5 * sd)), Math.min(n, Math.ceil(mean + 5 * sd))];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Pings `to` from `from` over the overlay, count echoes every intervalS; parses every reply's RTT. */
async function ping(lab: Lab, from: string, to: string, count: number, intervalS: number): Promise<PingRun> {
  const address = hostIpv4(plannedNode(lab.plan, to));
  const argv = ['ping', '-4', '-n', '-c', String(count), '-i', String(intervalS), '-W', '2', address];
  const r = await lab.exec(from, argv, { timeoutMs: 30_000 + count * intervalS * 1000 });
  const text = `${r.stdout}${r.stderr}`;
  const summary = /(\d+) packets transmitted, (\d+) received/.exec(text);
  assert.ok(summary, `${from} -> ${to}: no ping summary in:\n${text.slice(-2000)}`);
  const rtts = [...text.matchAll(/icmp_seq=\d+ ttl=\d+ time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  return { sent: Number(summary[1]), received: Number(summary[2]), rtts };
}

/**
 * Pings `to` from `from` once every half second until one answers (at most 20 s), so that a measurement starts on
 * a path that is up: the first packet to a new destination waits for its address to be resolved over the lossy
 * links (ARP answered from the DHT), which is not what these tests measure. Says how long it took.
 */
async function untilAnswered(lab: Lab, from: string, to: string): Promise<void> {
  const address = hostIpv4(plannedNode(lab.plan, to));
  const start = Date.now();
  // With a deadline (-w), ping sends until count (-c 1) replies came or the deadline passed.
  const argv = ['ping', '-4', '-n', '-c', '1', '-w', '20', '-i', '0.5', address];
  const r = await lab.exec(from, argv, { timeoutMs: 30_000 });
  assert.equal(
    r.exitCode,
    0,
    `${from} -> ${to}: no echo answered within 20 s before the measurement:\n${r.stdout}${r.stderr}`,
  );
  console.log(`      ${from} -> ${to}: first reply after ${Date.now() - start} ms`);
}

/** Asserts the RTTs of a run sit where hops links of delayMs each put them (and says what they were). */
function assertRtt(run: PingRun, oneWayMs: number, what: string): void {
  const floor = 2 * oneWayMs;
  assert.ok(run.rtts.length > 0, `${what}: none of ${run.sent} pings answered`);
  const min = Math.min(...run.rtts);
  const med = median(run.rtts);
  console.log(
    `      ${what}: RTT min ${min.toFixed(1)} median ${med.toFixed(1)} ms (${floor} ms configured)`,
  );
  // A shaped link never delivers early (a timer fires late, never early: 1 ms for clock rounding)...
  assert.ok(min >= floor - 1, `${what}: RTT min ${min} ms, below the configured ${floor} ms`);
  // ...and the forwarding itself adds little: a median well inside the next delay step.
  assert.ok(med <= floor + 20, `${what}: RTT median ${med} ms, expected about ${floor} ms`);
}

/** Asserts the replies of a run are in the binomial interval of a round trip over lossy directions. */
function assertReplies(run: PingRun, lossAToB: number, lossBToA: number, what: string): void {
  const p = (1 - lossAToB) * (1 - lossBToA);
  const [low, high] = binomialInterval(run.sent, p);
  console.log(
    `      ${what}: ${run.received}/${run.sent} replies (expected ${(run.sent * p).toFixed(0)}, 5-sigma ${low}-${high})`,
  );
  assert.ok(
    run.received >= low && run.received <= high,
    `${what}: ${run.received} of ${run.sent} pings answered, expected ${low}-${high} at ${(100 * p).toFixed(1)} %`,
  );
}

describe('link shaping measured on a netns line of three (20 ms, 10 % loss per direction)', function () {
  // Measured on a shared 2-core machine: up 15 s, the tests 3-14 s (600 pings at 100/s, twice in the last).
  this.timeout(60_000);
  const runtime = new NetnsRuntime();
  let root = '';

  before(function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) skipForMissing(this, 'link shaping tests', reason);
    root = privateStateRoot();
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  for (const mechanism of ['netem', 'vrrd-emulation'] as const) {
    describe(`shaped by ${mechanism}`, () => {
      const lab = labName(mechanism === 'netem' ? 'netem' : 'emul');
      let up: Lab | null = null;

      before(async function () {
        if (mechanism === 'netem') {
          const probe = probeNetem();
          if (!probe.has && probe.kernelLacks) skipForKernel(this, 'link shaping by tc netem', probe.reason);
          if (!probe.has) skipForMissing(this, 'link shaping by tc netem', probe.reason);
        }
        // `up` picks netem where the kernel has it, unless told to emulate: tell it, or make sure it is not told.
        const before = process.env.VRR_TESTBED_SHAPING;
        if (mechanism === 'vrrd-emulation') process.env.VRR_TESTBED_SHAPING = 'emulation';
        else delete process.env.VRR_TESTBED_SHAPING;
        try {
          const result = await upLab(loadTopology(TOPOLOGY), { seed: 21, runtime, lab, progress: () => {} });
          up = result.lab;
          assert.notEqual(result.convergenceMs, null, result.ring.problems.join('\n'));
        } finally {
          if (before === undefined) delete process.env.VRR_TESTBED_SHAPING;
          else process.env.VRR_TESTBED_SHAPING = before;
        }
      });

      after(async () => {
        if (up) {
          await downLabs(lab, async () => [runtime]);
          assert.deepEqual(await leftovers(lab, runtime), []);
        }
      });

      it(`shapes every link with ${mechanism}`, () => {
        assert.equal(up!.state.shaping?.mechanism, mechanism, up!.state.shaping?.reason);
        for (const link of up!.state.links) assert.equal(link.shapedBy, mechanism);
      });

      it('one hop: RTT just above 2 x 20 ms, replies within the binomial interval of 0.9 x 0.9', async () => {
        const run = await ping(up!, 'n1', 'n2', PINGS, 0.01);
        assertRtt(run, DELAY_MS, 'n1 -> n2');
        assertReplies(run, LOSS, LOSS, 'n1 -> n2');
      });

      it('two hops: RTT just above 4 x 20 ms', async () => {
        await untilAnswered(up!, 'n1', 'n3');
        const run = await ping(up!, 'n1', 'n3', 100, 0.02);
        assertRtt(run, 2 * DELAY_MS, 'n1 -> n3');
      });

      it('testbed impair n1 n2 delay=50ms loss=3% moves RTT and replies of that link, live', async () => {
        const r = await testbedCli(['impair', lab, 'n1', 'n2', 'delay=50ms', 'loss=3%']);
        assert.equal(r.exitCode, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
        assert.match(r.stdout, new RegExp(`impair n1 -- n2 \\(${mechanism}\\)`));
        const one = await ping(up!, 'n1', 'n2', PINGS, 0.01);
        assertRtt(one, IMPAIRED.delayMs, 'n1 -> n2 impaired');
        assertReplies(one, IMPAIRED.loss, IMPAIRED.loss, 'n1 -> n2 impaired');
        // The other link kept its 20 ms: two hops now take 50 + 20 each way.
        const two = await ping(up!, 'n1', 'n3', 100, 0.02);
        assertRtt(two, IMPAIRED.delayMs + DELAY_MS, 'n1 -> n3 with n1 -- n2 impaired');
      });
    });
  }
});
