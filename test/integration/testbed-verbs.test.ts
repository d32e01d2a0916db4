// The lab verbs as a user types them (`tsx src/testbed/cli.ts VERB ...` in a child process: stdout, stderr and
// exit code checked), on one netns line-3 lab brought up by `testbed up` for the whole file: exec, verify,
// impair and capture, each with its --json form and its usage errors (exit 2) and failures (exit 1).
// `replay` needs no lab: test/unit/testbed/commands/replay.test.ts.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLabState } from '../../src/testbed/lab/lab-state.ts';
import { hostIpv4, plannedLink, plannedNode } from '../../src/testbed/lab/plan.ts';
import { NetnsRuntime } from '../../src/testbed/runtime/netns.ts';
import { VRR_ETHERTYPE } from '../../src/vrr/wire/types.ts';
import { netnsUnavailableReason } from '../../src/testbed/links/netns.ts';
import { skipForMissing } from '../support/skip.ts';
import { labName, leftovers, privateStateRoot, testbedCli } from './fixtures/lab-kit.ts';

/** One frame of a pcap file. */
interface PcapFrame {
  bytes: Buffer;
  originalLength: number;
}

/** Reads a classic pcap file (either byte order, micro- or nanosecond stamps); throws on anything else. */
function readPcap(file: Buffer): { linkType: number; frames: PcapFrame[] } {
  assert.ok(file.length >= 24, `a pcap file starts with a 24-byte header, found ${file.length} bytes`);
  const magic = file.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const be = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  assert.ok(le || be, `expected the pcap magic a1b2c3d4 or a1b23c4d, found ${magic.toString(16)}`);
  const u32 = (at: number): number => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const u16 = (at: number): number => (le ? file.readUInt16LE(at) : file.readUInt16BE(at));
  assert.deepEqual([u16(4), u16(6)], [2, 4], 'pcap format version 2.4');
  const frames: PcapFrame[] = [];
  let at = 24;
  while (at < file.length) {
    assert.ok(at + 16 <= file.length, `a record header cut short at byte ${at}`);
    const captured = u32(at + 8);
    const originalLength = u32(at + 12);
    assert.ok(at + 16 + captured <= file.length, `a record of ${captured} bytes cut short at byte ${at}`);
    frames.push({ bytes: file.subarray(at + 16, at + 16 + captured), originalLength });
    at += 16 + captured;
  }
  return { linkType: u32(20), frames };
}

describe('testbed verbs through the command line, on a netns line-3 lab', function () {
  // Measured on a shared 2-core machine: `up` 15 s, each test 1.4-5.8 s (a CLI run is 1-2 s of tsx start).
  this.timeout(45_000);
  const runtime = new NetnsRuntime();
  const lab = labName('verbs');
  let root = '';
  let upped = false;
  const ipOf = (node: string): string => hostIpv4(plannedNode(readLabState(lab)!.plan, node));

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason !== null) skipForMissing(this, 'testbed verb tests', reason);
    root = privateStateRoot();
    const r = await testbedCli(['up', 'topologies/line-3.yaml', '--runtime', 'netns', '--name', lab]);
    upped = true;
    assert.equal(r.exitCode, 0, `up: stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(r.stdout, /^seed 3, replay with --seed 3$/m);
  });

  after(async () => {
    if (upped) {
      const r = await testbedCli(['down', lab]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.deepEqual(await leftovers(lab, runtime), []);
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  describe('exec', () => {
    it('runs a command in a node with its output on stdout, and exits with its code', async () => {
      const r = await testbedCli(['exec', lab, 'n1', '--', 'ping', '-c', '1', '-W', '5', ipOf('n3')]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, /1 packets transmitted, 1 received/);
      const code = await testbedCli(['exec', lab, 'n2', '--', 'sh', '-c', 'exit 3']);
      assert.equal(code.exitCode, 3);
    });

    it('--json collects exit code, stdout and stderr into one object', async () => {
      const r = await testbedCli([
        'exec',
        lab,
        'n2',
        '--json',
        '--',
        'sh',
        '-c',
        'echo out; echo err >&2; exit 4',
      ]);
      assert.equal(r.exitCode, 4, r.stderr);
      const json = JSON.parse(r.stdout);
      assert.equal(json.node, 'n2');
      assert.deepEqual(json.command, ['sh', '-c', 'echo out; echo err >&2; exit 4']);
      assert.equal(json.exitCode, 4);
      assert.equal(json.stdout.trim(), 'out');
      assert.equal(json.stderr.trim(), 'err');
    });

    it('names what exists when the node or the lab does not', async () => {
      const node = await testbedCli(['exec', lab, 'n9', '--', 'true']);
      assert.equal(node.exitCode, 1);
      const named = /^testbed: lab \S+ has no node "n9" \(nodes: (.*)\)$/m.exec(node.stderr);
      assert.ok(named, node.stderr);
      assert.deepEqual(named[1].split(', ').sort(), ['n1', 'n2', 'n3']); // in the order they came up
      const none = await testbedCli(['exec', 'no-such-lab', 'n1', '--', 'true']);
      assert.equal(none.exitCode, 2);
      assert.match(none.stderr, /^testbed: no lab named "no-such-lab" is up \(labs up: .*\)$/m);
    });
  });

  describe('verify', () => {
    it('passes the default checks (ring-consistent, ping-all): one line each, PASS, exit 0', async () => {
      const r = await testbedCli(['verify', lab]);
      assert.equal(r.exitCode, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      assert.match(r.stdout, /ring-consistent/);
      assert.match(r.stdout, /ping-all/);
      assert.match(r.stdout, /^PASS$/m);
    });

    it('--json: one object with each check, its verdict and its figures', async () => {
      const r = await testbedCli(['verify', lab, 'ping-all', '--json']);
      assert.equal(r.exitCode, 0, r.stderr);
      const json = JSON.parse(r.stdout);
      assert.equal(json.passed, true);
      assert.equal(json.lab, lab);
      assert.deepEqual(
        json.checks.map((c: { name: string; passed: boolean }) => [c.name, c.passed]),
        [['ping-all', true]],
      );
    });

    it('a misspelt check is a usage error (exit 2) naming the checks there are', async () => {
      const r = await testbedCli(['verify', lab, 'ring-consistant']);
      assert.equal(r.exitCode, 2);
      assert.match(r.stderr, /expected a check name \(.*ring-consistent.*\), found "ring-consistant"/);
      assert.equal(r.stdout, '');
    });
  });

  describe('impair', () => {
    it('changes a link live: lab.json holds the new settings and a ping takes the new delay', async () => {
      const r = await testbedCli(['impair', lab, 'n1', 'n2', 'delay=30ms', '--json']);
      assert.equal(r.exitCode, 0, r.stderr);
      const json = JSON.parse(r.stdout);
      assert.equal(json.ok, true);
      assert.match(json.did, /^impair n1 -- n2 \((netem|vrrd-emulation)\)$/);
      const link = readLabState(lab)!.links[0];
      assert.deepEqual([link.aToB.delayMs, link.bToA.delayMs], [30, 30]);
      const ping = await testbedCli([
        'exec',
        lab,
        'n1',
        '--json',
        '--',
        'ping',
        '-c',
        '3',
        '-W',
        '5',
        ipOf('n2'),
      ]);
      const times = [...JSON.parse(ping.stdout).stdout.matchAll(/time=([\d.]+) ms/g)].map((m) =>
        Number(m[1]),
      );
      assert.ok(times.length > 0 && times.every((t) => t >= 59), `RTTs ${times} over a 2 x 30 ms link`);
    });

    it('sets each direction on its own with --a-to-b and --b-to-a', async () => {
      const r = await testbedCli([
        'impair',
        lab,
        'n2',
        'n1',
        '--a-to-b',
        'delay=4ms',
        '--b-to-a',
        'delay=1ms',
      ]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, /^impair n1 -- n2 /m);
      const link = readLabState(lab)!.links[0]; // planned as n1 -- n2: its aToB is n1 -> n2
      assert.deepEqual([link.aToB.delayMs, link.bToA.delayMs], [1, 4]);
    });

    it('bad settings or no settings: exit 2 saying what was expected; no such link: exit 1', async () => {
      const bad = await testbedCli(['impair', lab, 'n1', 'n2', 'delay=fast']);
      assert.equal(bad.exitCode, 2);
      assert.match(bad.stderr, /^testbed: .*delay.*fast/m);
      const none = await testbedCli(['impair', lab, 'n1', 'n2']);
      assert.equal(none.exitCode, 2);
      assert.match(none.stderr, /give settings like delay=10ms/);
      const link = await testbedCli(['impair', lab, 'n1', 'n3', 'delay=1ms']);
      assert.equal(link.exitCode, 1);
      assert.match(link.stderr, /^testbed: .*n1.*n3/m);
    });
  });

  describe('capture', () => {
    let dir = '';
    before(() => (dir = mkdtempSync(join(tmpdir(), 'vrr-capture-'))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('writes a pcap of Ethernet frames, every one a VRR/1 packet (EtherType 0x88b5, version 1)', async () => {
      const file = join(dir, 'n1-n2.pcap');
      const r = await testbedCli(['capture', lab, 'n1', 'n2', '-c', '6', '-w', file]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^6 frames written to ${file.replaceAll('.', '\\.')}$`, 'm'));
      const pcap = readPcap(readFileSync(file));
      assert.equal(pcap.linkType, 1, 'LINKTYPE_ETHERNET');
      assert.equal(pcap.frames.length, 6);
      for (const [i, f] of pcap.frames.entries()) {
        assert.equal(f.bytes.readUInt16BE(12), VRR_ETHERTYPE, `frame ${i}: EtherType`);
        assert.equal(f.bytes[14] >> 4, 1, `frame ${i}: VRR version nibble`);
        const total = f.bytes.readUInt16BE(16);
        assert.ok(total >= 4 && 14 + total <= f.originalLength, `frame ${i}: Total Length ${total}`);
      }
      // n1's hellos go to the broadcast address, from n1's link address: some of the six are n1's own.
      assert.ok(
        pcap.frames.some((f) => f.bytes.subarray(0, 6).equals(Buffer.alloc(6, 0xff))),
        'a hello',
      );
    });

    it('--duration stops the capture by itself; --json names the file, the frames and the interface', async () => {
      const file = join(dir, 'timed.pcap');
      const r = await testbedCli(['capture', lab, 'n2', 'n3', '--duration', '2s', '-w', file, '--json']);
      assert.equal(r.exitCode, 0, r.stderr);
      const json = JSON.parse(r.stdout);
      assert.equal(json.ok, true);
      assert.equal(json.file, file);
      assert.equal(typeof json.interface, 'string');
      const pcap = readPcap(readFileSync(file));
      assert.equal(json.frames, pcap.frames.length);
      assert.ok(pcap.frames.every((f) => f.bytes.readUInt16BE(12) === VRR_ETHERTYPE));
    });

    it('a bad --count is a usage error (exit 2)', async () => {
      const r = await testbedCli(['capture', lab, 'n1', 'n2', '-c', 'many', '-w', join(dir, 'x.pcap')]);
      assert.equal(r.exitCode, 2);
      assert.match(r.stderr, /--count expects a whole number, found many/);
    });
  });

  describe('verify on a lab broken behind its back', () => {
    // A fault through `testbed link` would not do: the checks expect what the lab's state says is cut. A link
    // taken down from inside a node is a fault the testbed does not know of, as a bug in vrrd would be.
    const ifOf = (node: string, peer: string): string => {
      const link = plannedLink(readLabState(lab)!.plan, node, peer);
      return link.a === node ? link.ifA : link.ifB;
    };

    it('fails (exit 1, FAIL, n3 named) while n3 is cut off, and passes again once the link is back', async function () {
      this.timeout(90_000); // measured 14 s; up to ten verify runs while the ring re-forms
      const down = await testbedCli(['exec', lab, 'n3', '--', 'ip', 'link', 'set', ifOf('n3', 'n2'), 'down']);
      assert.equal(down.exitCode, 0, down.stderr);
      const failed = await testbedCli(['verify', lab, 'ping-all']);
      assert.equal(failed.exitCode, 1, `stdout:\n${failed.stdout}\nstderr:\n${failed.stderr}`);
      assert.match(failed.stdout, /^FAIL$/m);
      assert.match(failed.stdout, /n3/);
      const json = JSON.parse((await testbedCli(['verify', lab, 'ping-all', '--json'])).stdout);
      assert.equal(json.passed, false);
      assert.equal(json.checks[0].passed, false);

      const up = await testbedCli(['exec', lab, 'n3', '--', 'ip', 'link', 'set', ifOf('n3', 'n2'), 'up']);
      assert.equal(up.exitCode, 0, up.stderr);
      let again = { exitCode: -1, stdout: '', stderr: '' };
      for (let i = 0; i < 10 && again.exitCode !== 0; i++) again = await testbedCli(['verify', lab]);
      assert.equal(again.exitCode, 0, `stdout:\n${again.stdout}\nstderr:\n${again.stderr}`);
    });
  });
});
