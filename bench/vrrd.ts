// vrrd's data path, measured: ping RTT over one VRR hop against the same veth without VRR (and per hop over
// three), TCP throughput with iperf3 over one and three hops, packets per second one daemon forwards, and the
// idle RSS of a daemon. Four namespaces in a line, a vrrd in each. Prints figures, asserts nothing (targets:
// >= 300 Mbit/s one hop, >= 100 over three, < 100 us added RTT per hop, idle RSS < 60 MB).
// Needs root, iputils-ping and iperf3. Usage: npx tsx bench/vrrd.ts [seconds per throughput run, default 5]

import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LineLab, waitFor } from '../test/daemon/fixtures-vrrd/line-lab.ts';
import { checkRingConsistency } from '../src/testbed/verify/ring-consistency.ts';
import { ip, netnsUnavailableReason, REPO_ROOT } from '../test/daemon/native/fixtures/netns.ts';

const SECONDS = Number(process.argv[2] ?? 5);
const ADDRESSES = ['02:00:00:00:00:10', '02:00:00:00:00:20', '02:00:00:00:00:30', '02:00:00:00:00:40'];
/** The plain-veth baseline: addresses on n0's and n1's veth ends (a /30 beats the overlay's /15). */
const UNDERLAY = ['198.19.254.1', '198.19.254.2'];

async function main(): Promise<void> {
  const reason = netnsUnavailableReason();
  if (reason) throw new Error(`bench/vrrd.ts needs root: ${reason}`);
  for (const tool of ['ping', 'iperf3']) {
    if ((await execa('which', [tool], { reject: false })).exitCode !== 0) {
      throw new Error(
        `bench/vrrd.ts needs ${tool} (apt-get install -y ${tool === 'ping' ? 'iputils-ping' : 'iperf3'})`,
      );
    }
  }
  const lab = new LineLab('bench', {
    size: 4,
    addresses: ADDRESSES,
    helloMs: 500,
    vsetSize: 4,
    seed: 1,
    extraArgs: ['--log-level', 'warn'],
  });
  const onSignal = (): void => void lab.destroy().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    lab.create();
    ip('-n', lab.ns(0), 'addr', 'add', `${UNDERLAY[0]}/30`, 'dev', 'e');
    ip('-n', lab.ns(1), 'addr', 'add', `${UNDERLAY[1]}/30`, 'dev', 'w');
    await lab.startAll();
    const converged = await waitFor(
      async () => checkRingConsistency(await lab.snapshots(), lab.upLinks(), { maxProblems: 0 }).passed,
      60_000,
      'the ring to converge',
      250,
    );
    const overlay = await Promise.all(ADDRESSES.map((_, i) => lab.ctl(i, 'status')));
    const v4 = overlay.map((s) => String(s.overlay.ipv4).split('/')[0]);
    console.log(
      `vrrd bench: 4 namespaces in a line, ring converged in ${converged} ms; ARP and ND answered from the DHT`,
    );
    console.log(
      `load average at start: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (2 cores shared with other work: figures are noisy)`,
    );

    // Warm the paths (ARP, JIT) before measuring.
    for (const t of [v4[1], v4[3], UNDERLAY[1]]) await lab.exec(0, 'ping', '-c', '20', '-i', '0.01', '-q', t);

    const rttVeth = await pingRtt(lab, UNDERLAY[1]);
    const rtt1 = await pingRtt(lab, v4[1]);
    const rtt3 = await pingRtt(lab, v4[3]);
    console.log('\nping RTT (200 pings, 10 ms apart; avg / min / mdev, ms)');
    console.log(`  veth, no VRR        ${fmtRtt(rttVeth)}`);
    console.log(
      `  VRR, 1 hop          ${fmtRtt(rtt1)}   added: ${((rtt1.avg - rttVeth.avg) * 1000).toFixed(0)} us (min ${((rtt1.min - rttVeth.min) * 1000).toFixed(0)} us)`,
    );
    console.log(
      `  VRR, 3 hops         ${fmtRtt(rtt3)}   added per hop: ${(((rtt3.avg - rttVeth.avg) * 1000) / 3).toFixed(0)} us (min ${(((rtt3.min - rttVeth.min) * 1000) / 3).toFixed(0)} us)`,
    );

    console.log(`\nTCP throughput (iperf3, ${SECONDS} s)`);
    console.log(`  veth, no VRR        ${(await tcpMbps(lab, 1, UNDERLAY[1])).toFixed(0)} Mbit/s`);
    console.log(`  VRR, 1 hop          ${(await tcpMbps(lab, 1, v4[1])).toFixed(0)} Mbit/s`);
    console.log(`  VRR, 3 hops         ${(await tcpMbps(lab, 3, v4[3])).toFixed(0)} Mbit/s`);

    console.log(`\nforwarding: UDP flood n0 -> n2 (n1 forwards), ${SECONDS} s`);
    for (const size of [64, 1400]) {
      const pps = await forwardedPps(lab, v4[2], size);
      console.log(
        `  ${String(size).padStart(4)}-byte datagrams   n1 forwarded ${fmtK(pps.forwarded)} packets/s (sender offered ${fmtK(pps.offered)}/s)`,
      );
    }

    await new Promise((r) => setTimeout(r, 3000));
    const rss = lab.daemons.map((d) => rssMb(d!.child.pid!));
    console.log(`\nidle RSS per vrrd (node + tsx loader): ${rss.map((r) => r.toFixed(1)).join(', ')} MB`);
    console.log(
      `idle RSS of one vrrd bundled by esbuild (plain node, no tsx): ${(await bundledIdleRss()).toFixed(1)} MB`,
    );
  } finally {
    await lab.destroy();
  }
}

interface Rtt {
  min: number;
  avg: number;
  max: number;
  mdev: number;
}

async function pingRtt(lab: LineLab, target: string): Promise<Rtt> {
  const r = await lab.exec(0, 'ping', '-c', '200', '-i', '0.01', '-q', target);
  const m = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(r.stdout);
  if (!m) throw new Error(`ping ${target} printed no RTT summary: ${r.stdout} ${r.stderr}`);
  return { min: Number(m[1]), avg: Number(m[2]), max: Number(m[3]), mdev: Number(m[4]) };
}

function fmtRtt(r: Rtt): string {
  return `${r.avg.toFixed(3)} / ${r.min.toFixed(3)} / ${r.mdev.toFixed(3)}`;
}

async function tcpMbps(lab: LineLab, server: number, target: string): Promise<number> {
  const srv = execa('ip', ['netns', 'exec', lab.ns(server), 'iperf3', '-s', '-1'], { reject: false });
  await new Promise((r) => setTimeout(r, 500));
  const r = await lab.exec(0, 'iperf3', '-c', target, '-t', String(SECONDS), '-J');
  await srv;
  const j = JSON.parse(r.stdout) as { end?: { sum_received?: { bits_per_second: number } }; error?: string };
  if (!j.end?.sum_received) throw new Error(`iperf3 to ${target}: ${j.error ?? r.stderr}`);
  return j.end.sum_received.bits_per_second / 1e6;
}

async function forwardedPps(
  lab: LineLab,
  target: string,
  size: number,
): Promise<{ forwarded: number; offered: number }> {
  const srv = execa('ip', ['netns', 'exec', lab.ns(2), 'iperf3', '-s', '-1'], { reject: false });
  await new Promise((r) => setTimeout(r, 500));
  const before = (await lab.ctl(1, 'stats')).summary.dataForwarded as number;
  const t0 = Date.now();
  const r = await lab.exec(
    0,
    'iperf3',
    '-u',
    '-b',
    '0',
    '-l',
    String(size),
    '-c',
    target,
    '-t',
    String(SECONDS),
    '-J',
  );
  const elapsed = (Date.now() - t0) / 1000;
  const after = (await lab.ctl(1, 'stats')).summary.dataForwarded as number;
  await srv;
  const j = JSON.parse(r.stdout) as { end?: { sum?: { packets: number; seconds: number } } };
  const sum = j.end?.sum;
  return {
    forwarded: (after - before) / Math.max(elapsed, SECONDS),
    offered: sum ? sum.packets / sum.seconds : NaN,
  };
}

/**
 * The RSS of vrrd without the tsx loader (which alone costs ~35 MB): the daemon bundled into one .mjs by
 * esbuild (tsx's own dependency), beside a link to the addon build, run alone on a veth pair for 8 s.
 */
async function bundledIdleRss(): Promise<number> {
  const { buildSync } = (await import('esbuild')) as typeof import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'vrrd-bundle-'));
  const ns = `vrrd-${process.pid}-rss`;
  try {
    symlinkSync(join(REPO_ROOT, 'src/daemon/native/build'), join(dir, 'build'));
    buildSync({
      entryPoints: [join(REPO_ROOT, 'src/daemon/vrrd.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(dir, 'vrrd.mjs'),
      logLevel: 'error',
      // Bundled CommonJS dependencies call require(): give the ES module one.
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'add', 'name', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    ip('-n', ns, 'link', 'set', 'va', 'up');
    ip('-n', ns, 'link', 'set', 'vb', 'up');
    const args = ['-i', 'va', '--socket', join(dir, 's.sock'), '--hello-ms', '500', '--log-level', 'warn'];
    const child = execa('ip', ['netns', 'exec', ns, process.execPath, join(dir, 'vrrd.mjs'), ...args], {
      reject: false,
    });
    await new Promise((r) => setTimeout(r, 8000));
    const rss = rssMb(child.pid!);
    child.kill('SIGTERM');
    await child;
    return rss;
  } finally {
    try {
      ip('netns', 'del', ns);
    } catch {
      // never created
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function fmtK(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);
}

await main();
