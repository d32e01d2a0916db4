// The Wireshark dissector on a real capture: a 3-node netns lab comes up, `testbed capture` records the n1-n2
// link while n1 pings n3 across it, and tshark with wireshark/vrr.lua decodes every frame of the pcap as VRR/1
// (hellos from both ends with their real addresses, acknowledged control traffic, data packets whose IPv4
// payload Wireshark decodes as ICMP) without one malformed frame or option.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';
import { downLabs } from '../../src/testbed/lab/down.ts';
import { hostIpv4 } from '../../src/testbed/lab/plan.ts';
import { upLab, type UpResult } from '../../src/testbed/lab/up.ts';
import { NetnsRuntime } from '../../src/testbed/runtime/netns.ts';
import { loadTopology } from '../../src/checks/topology.ts';
import { netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { skipForMissing } from '../support/skip.ts';
import { dissectPcap, tsharkUnavailableReason } from '../support/tshark.ts';
import { labName, privateStateRoot, testbedCli } from './fixtures/lab-kit.ts';

describe('wireshark/vrr.lua on a `testbed capture` of a netns lab', function () {
  this.timeout(300_000);
  const runtime = new NetnsRuntime();
  const lab = labName('pcap');
  let root = '';
  let dir = '';
  let up: UpResult | null = null;

  before(async function () {
    const reason = netnsUnavailableReason() ?? (await tsharkUnavailableReason());
    if (reason !== null) skipForMissing(this, 'the dissector on a lab capture', reason);
    root = privateStateRoot();
    dir = mkdtempSync(join(tmpdir(), 'vrr-capture-'));
    up = await upLab(loadTopology(`${REPO_ROOT}/topologies/line-3.yaml`), {
      seed: 3,
      runtime,
      lab,
      progress: () => {},
    });
  });

  after(async () => {
    if (up) await downLabs(lab, async () => [runtime]);
    for (const d of [dir, root]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('decodes every captured frame as VRR/1, hellos, control options and data with ICMP inside', async () => {
    assert.ok(up && up.convergenceMs !== null, 'the lab’s ring did not converge');
    const pcap = join(dir, 'n1-n2.pcap');
    const n3 = up.lab.plan.nodes.find((n) => n.name === 'n3')!;
    const capture = testbedCli(['capture', lab, 'n1', 'n2', '--duration', '5s', '-w', pcap]);
    await new Promise((r) => setTimeout(r, 1000)); // tcpdump is listening before the pings leave
    const ping = await up.lab.exec('n1', ['ping', '-c', '4', '-i', '0.5', hostIpv4(n3)], {
      timeoutMs: 20_000,
    });
    assert.equal(ping.exitCode, 0, ping.stdout + ping.stderr);
    const done = await capture;
    assert.equal(done.exitCode, 0, done.stderr);

    const frames = (await dissectPcap(pcap)).filter((f) => f.fields.get('eth.type')?.[0] === '0x88b5');
    assert.ok(frames.length >= 8, `only ${frames.length} VRR frames in 5 s`);
    for (const [i, f] of frames.entries()) {
      assert.match(f.protocols, /^eth:ethertype:vrr/, `frame ${i + 1}: ${f.protocols}`);
      assert.deepEqual(f.fields.get('vrr.version'), ['1']);
      const bad = f.experts.filter((m) => /^(bad-|too-short)/.test(m));
      assert.deepEqual(bad, [], `frame ${i + 1} has malformed parts`);
    }
    const address = (name: string): string => up!.lab.plan.nodes.find((n) => n.name === name)!.address;
    const helloSenders = new Set(
      frames
        .filter((f) => f.fields.get('vrr.opt.type')?.includes('0x01'))
        .map((f) => f.fields.get('vrr.sender')![0]),
    );
    assert.deepEqual([...helloSenders].sort(), [address('n1'), address('n2')].sort());
    const data = frames.filter((f) => f.fields.get('vrr.kind')?.[0] === '1');
    const icmp = data.filter((f) => f.fields.get('icmp.type') !== undefined);
    assert.ok(
      icmp.length >= 4,
      `${icmp.length} data frames with ICMP inside (4 echo requests and replies sent)`,
    );
    for (const f of icmp) {
      assert.ok(
        [address('n1'), address('n3')].includes(f.fields.get('vrr.data.src')![0]),
        `data from ${f.fields.get('vrr.data.src')}`,
      );
    }
  });
});
