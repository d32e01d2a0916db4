// Neighbours and hellos (src/vrr/links.ts) through the node's public API: frames go only to linked neighbours,
// a lost link is reported once and cleaned up before extensions hear of it, a stopped node sends nothing.

import assert from 'node:assert/strict';
import type { Address } from '../../../src/vrr/address.ts';
import type { NodeExtension } from '../../../src/vrr/extension.ts';
import { decodePacket, encodePacket } from '../../../src/vrr/wire/index.ts';
import { DataFlag, NeighborState, OptionType, type HelloOption } from '../../../src/vrr/wire/types.ts';
import { TestNet } from './harness.ts';

const A = 0x020000000010;
const B = 0x020000000020;
const C = 0x020000000030;

/** A 3-node line A - B - C, converged. */
function line(): TestNet {
  const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
  net.run(20_000);
  return net;
}

/** A single-part hello frame from sender, inactive and listing nobody unless `fields` says otherwise. */
function helloFrame(sender: Address, seq: number, fields: Partial<HelloOption> = {}): Uint8Array {
  return encodePacket({
    kind: 'control',
    flags: 0,
    sender,
    seq: 0,
    options: [
      {
        type: OptionType.HELLO,
        active: false,
        helloSeq: seq,
        part: 0,
        parts: 1,
        reps: [],
        neighbors: [],
        ...fields,
      },
    ],
  });
}
describe('vrr/links (neighbours and hellos)', () => {
  it('sends a frame only to a linked neighbour, and counts the rest', () => {
    const net = line();
    const a = net.nodes[0];
    const before = a.counters()['drop.neighborNotLinked'] ?? 0;
    const packet = {
      kind: 'data',
      flags: 0,
      hopLimit: 9,
      dataFlags: 0,
      nextHeader: 0,
      src: A,
      dst: C,
    } as const;
    assert.equal(
      a.services.sendDataVia(C, { ...packet, payload: new Uint8Array(1) }),
      false,
      'C is no neighbour',
    );
    assert.equal(a.services.sendDataVia(B, { ...packet, payload: new Uint8Array(1) }), true);
    assert.equal((a.counters()['drop.neighborNotLinked'] ?? 0) - before, 1);
    assert.deepEqual(a.checkInvariants(), []);
  });

  it('reports a lost link once, after dropping the paths and records through it, then tells extensions', () => {
    const net = line();
    const b = net.nodes[1];
    const seen: { routesVia: number; repsVia: number }[] = [];
    const probe: NodeExtension = {
      optionTypes: [],
      optionCodecs: [],
      onOption: () => {},
      onNeighborLost: (n: Address) =>
        seen.push({
          routesVia: b.routes().filter((r) => r.na === n || r.nb === n).length,
          repsVia: b.representatives().filter((r) => r.via === n).length,
        }),
    };
    b.attach(probe);
    assert.ok(
      b.routes().some((r) => r.na === C || r.nb === C),
      'B holds paths through C',
    );
    const mark = net.events.length;
    net.cut(1, 2);
    net.run(10_000);
    const failed = net.events
      .slice(mark)
      .filter(
        (e) => e.node === 1 && e.event.type === 'link' && e.event.neighbor === C && e.event.to === 'failed',
      );
    assert.equal(failed.length, 1, 'one failure event');
    assert.deepEqual(seen, [{ routesVia: 0, repsVia: 0 }], 'extensions hear of it once, after the cleanup');
    assert.deepEqual(b.checkInvariants(), []);
  });

  it('a port that goes down fails and forgets its neighbours at once', () => {
    const net = line();
    const b = net.nodes[1];
    const mark = net.events.length;
    b.removePort(1); // B's port toward C
    const changes = net.events
      .slice(mark)
      .filter((e) => e.node === 1 && e.event.type === 'link')
      .map((e) => (e.event.type === 'link' ? `${e.event.from}>${e.event.to}: ${e.event.why}` : ''));
    assert.deepEqual(changes, ['linked>failed: port 1 down', 'failed>gone: port 1 down']);
    assert.ok(!b.neighbors().some((n) => n.address === C));
    assert.ok(!b.routes().some((r) => r.na === C || r.nb === C));
    assert.deepEqual(b.checkInvariants(), []);
  });

  it('a stopped node arms no hello and sends nothing', () => {
    const net = line();
    let sentByA = 0;
    net.tap = (from, _port, frame) => {
      if (from === 0) sentByA++;
      return frame;
    };
    net.nodes[0].stop();
    net.run(10_000);
    assert.equal(sentByA, 0);
    assert.deepEqual(net.nodes[0].checkInvariants(), []);
  });

  describe('hellos heard and silence', () => {
    it('ignores its own hello looped back on a broadcast medium', () => {
      const net = line();
      const a = net.nodes[0];
      let own: Uint8Array | null = null;
      net.tap = (from, _port, frame) => {
        const d = decodePacket(frame);
        const isHello =
          d.ok && d.packet.kind === 'control' && d.packet.options.some((o) => o.type === OptionType.HELLO);
        if (from === 0 && own === null && isHello) own = frame.slice();
        return frame;
      };
      net.run(2000);
      assert.ok(own, 'A sent a hello');
      const before = a.neighbors().length;
      a.receive(0, A, own);
      assert.equal(a.neighbors().length, before);
      assert.ok(!a.neighbors().some((n) => n.address === A), 'A is not its own neighbour');
      assert.deepEqual(a.checkInvariants(), []);
    });

    it('fails a linked neighbour unheard for failAfterHellos periods, not sooner, and forgets it later', () => {
      const net = line();
      const b = net.nodes[1];
      const c = b.config;
      net.cut(1, 2);
      const cutAt = net.now;
      const mark = net.events.length;
      const change = (to: string) =>
        net.events
          .slice(mark)
          .find(
            (e) => e.node === 1 && e.event.type === 'link' && e.event.neighbor === C && e.event.to === to,
          );
      const changeAt = (to: string) => change(to)?.at;
      net.run((c.forgetAfterHellos + 3) * c.helloMs);
      const failedAt = changeAt('failed');
      const goneAt = changeAt('gone');
      assert.ok(failedAt !== undefined && goneAt !== undefined, 'failed, then forgotten');
      for (const to of ['failed', 'gone']) {
        const e = change(to)!.event;
        assert.match(e.type === 'link' ? e.why : '', /^unheard for \d+ ms$/);
      }
      // Last heard at most a (fast, jittered) period before the cut; checked once a period.
      assert.ok(
        failedAt - cutAt > (c.failAfterHellos - 1.5) * c.helloMs,
        `failed ${failedAt - cutAt} ms after the cut`,
      );
      assert.ok(
        failedAt - cutAt <= (c.failAfterHellos + 1.5) * c.helloMs,
        `failed ${failedAt - cutAt} ms after the cut`,
      );
      assert.ok(
        goneAt - cutAt > (c.forgetAfterHellos - 1.5) * c.helloMs,
        `forgotten ${goneAt - cutAt} ms after the cut`,
      );
      assert.ok(
        goneAt - cutAt <= (c.forgetAfterHellos + 1.5) * c.helloMs,
        `forgotten ${goneAt - cutAt} ms after the cut`,
      );
      assert.ok(!b.neighbors().some((n) => n.address === C));
    });
  });

  describe('what a hello carries and what it starts', () => {
    it('numbers successive hellos one up, modulo 2^16', () => {
      const net = line();
      const seqs: number[] = [];
      net.tap = (from, port, frame) => {
        const d = decodePacket(frame);
        if (from === 0 && port === 0 && d.ok && d.packet.kind === 'control')
          for (const o of d.packet.options)
            if (o.type === OptionType.HELLO && o.part === 0) seqs.push(o.helloSeq);
        return frame;
      };
      net.run(5000);
      assert.ok(seqs.length >= 3, `${seqs.length} hellos`);
      for (let k = 1; k < seqs.length; k++) assert.equal(seqs[k], (seqs[k - 1] + 1) & 0xffff);
    });

    it('tells extensions of a neighbour that links', () => {
      const net = new TestNet([A, B]);
      const linked: Address[] = [];
      net.nodes[0].attach({
        optionTypes: [],
        optionCodecs: [],
        onOption: () => {},
        onNeighborLinked: (n: Address) => linked.push(n),
      });
      net.link(0, 1).start();
      net.run(5000);
      assert.deepEqual(linked, [B]);
    });

    it('learns representatives only from the hellos of a linked neighbour', () => {
      const net = line();
      const a = net.nodes[0];
      const Z = 0x020000000099;
      const R = 0x020000000001;
      const hello = (seq: number) => helloFrame(Z, seq, { active: true, reps: [{ address: R, seq: 5 }] });
      // Z is heard for the first time on A's port: pending, its representative record is not taken.
      a.receive(0, Z, hello(1));
      assert.ok(a.neighbors().some((n) => n.address === Z && n.state === 'pending'));
      assert.ok(!a.representatives().some((r) => r.address === R), 'not from a pending neighbour');
    });
  });

  describe('who sent a data packet (senderOf): port and link-layer address together', () => {
    const Z1 = 0x020000000081;
    const Z2 = 0x020000000082;
    const Z3 = 0x020000000083;
    /** Link-layer addresses: Z1 and Z3 share one, on different ports. */
    const L1 = 0x0a0001;
    const L2 = 0x0a0002;

    /** A hello from `sender` heard on A's `port` from link address `from`, listing A as pending (it links). */
    const helloFrom = (sender: number, seq: number): Uint8Array =>
      helloFrame(sender, seq, { neighbors: [{ address: A, state: NeighborState.PENDING, quality: 255 }] });
    const groupData = (byte: number): Uint8Array =>
      encodePacket({
        kind: 'data',
        flags: 0,
        hopLimit: 9,
        dataFlags: DataFlag.GROUP,
        nextHeader: 0,
        src: Z1,
        dst: 0x030000000001,
        payload: new Uint8Array([byte]),
      });

    // Group data does not name its previous hop: the multicast extension is told the neighbour behind the port and
    // link address it came from. On a port with several neighbours (a bridge, a broadcast medium) matching either
    // alone would put the packet down to the wrong neighbour, and multicast would take it from off its tree.
    it('names the neighbour heard on that port from that link address, and -1 for an unknown one', () => {
      const net = new TestNet([A]);
      const a = net.nodes[0];
      a.addPort(0);
      a.addPort(1);
      const senders: number[] = [];
      a.attach({
        optionTypes: [],
        optionCodecs: [],
        onOption: () => {},
        onGroupData: (_p: unknown, sender: Address) => senders.push(sender),
      });
      net.start();
      for (const seq of [1, 2]) {
        a.receive(0, L1, helloFrom(Z1, seq));
        a.receive(0, L2, helloFrom(Z2, seq));
        a.receive(1, L1, helloFrom(Z3, seq));
      }
      assert.deepEqual(
        a.neighbors().map((n) => [n.address, n.port, n.linkAddress, n.state]),
        [
          [Z1, 0, L1, 'linked'],
          [Z2, 0, L2, 'linked'],
          [Z3, 1, L1, 'linked'],
        ],
      );
      a.receive(0, L2, groupData(1));
      a.receive(1, L1, groupData(2));
      a.receive(0, L1, groupData(3));
      a.receive(1, L2, groupData(4));
      assert.deepEqual(senders, [Z2, Z3, Z1, -1]);
    });
  });

  describe('extensions told of links', () => {
    // onNeighborLinked is the extensions' cue to re-check what they hold for a neighbour (DHT and multicast): once
    // per neighbour that links, not on its other changes; and every hook is optional, so an extension without one
    // must simply be skipped (a call to a missing hook would throw inside the node's frame handling).
    it('once per neighbour that links, not on its other changes; a missing hook is skipped', () => {
      const Z1 = 0x020000000081;
      const Z2 = 0x020000000082;
      const net = new TestNet([A]);
      const a = net.nodes[0];
      a.addPort(0);
      const linked: Address[] = [];
      a.attach({
        optionTypes: [],
        optionCodecs: [],
        onOption: () => {},
        onNeighborLinked: (n: Address) => linked.push(n),
      });
      a.attach({ optionTypes: [], optionCodecs: [], onOption: () => {} });
      net.start();
      const hello = (sender: number, seq: number, listsA: boolean) =>
        helloFrame(sender, seq, {
          neighbors: listsA ? [{ address: A, state: NeighborState.PENDING, quality: 255 }] : [],
        });
      a.receive(0, Z1, hello(Z1, 1, true)); // unknown > linked
      a.receive(0, Z2, hello(Z2, 1, false)); // unknown > pending
      a.receive(0, Z2, hello(Z2, 2, true)); // pending > linked
      a.removePort(0); // both: linked > failed > gone
      assert.deepEqual(linked, [Z1, Z2]);
      assert.equal(a.counters().internalErrors ?? 0, 0);
      assert.deepEqual(a.neighbors(), []);
    });
  });

  describe('joining', () => {
    // Fast bootstrap (issue 19): a node that is not in a ring asks to join the moment a linked neighbour is
    // active, through that neighbour, not at its next hello period.
    it('a node starting next to a ring asks to join as soon as an active neighbour links', () => {
      const net = new TestNet([A, B, C]).link(0, 1).link(1, 2);
      net.nodes[0].start();
      net.nodes[1].start();
      net.run(20_000);
      assert.ok(net.nodes[1].isActive());
      const mark = net.events.length;
      net.nodes[2].start();
      // C's first hellos are lost: it hears B (which does not list it) before B hears it, so B is pending first.
      const quietUntil = net.now + 1500;
      net.tap = (from, _port, frame) => (from === 2 && net.now < quietUntil ? null : frame);
      net.run(5000);
      const atC = net.events.slice(mark).filter((e) => e.node === 2);
      const linkedAt = atC.find((e) => e.event.type === 'link' && e.event.to === 'linked')?.at;
      const joinAt = atC.find(
        (e) => e.event.type === 'setup-req' && e.event.target === C && e.event.why === 'join',
      )?.at;
      assert.ok(
        atC.some((e) => e.event.type === 'link' && e.event.from === 'unknown' && e.event.to === 'pending'),
        'B pending first',
      );
      assert.ok(linkedAt !== undefined && joinAt !== undefined, 'linked, then asked to join');
      assert.equal(joinAt, linkedAt);
      assert.ok(net.nodes[2].isActive());
    });
  });

  describe('a neighbour that restarted', () => {
    // A restarted node has forgotten its paths. It learns so from the first hello that lists it as linked by a node
    // it does not know (unknown + L -> failed), stops listing that node, and the node then fails the link and drops
    // the paths through it. Were every neighbour listed as pending, the restarted node would link at once and the
    // other side would keep, for good, a path the restarted one no longer holds.
    it('is told by a hello listing it as linked: both sides fail the link and drop their paths, then link again', () => {
      const net = new TestNet([A, B]).link(0, 1).start();
      net.run(20_000);
      assert.equal(net.nodes[0].routes().length, 1, 'one path A - B');
      const mark = net.events.length;
      net.restart(1);
      // B's first hellos are lost: it hears A's hello (listing B as linked) before A hears B.
      const quietUntil = net.now + 1500;
      net.tap = (from, _port, frame) => (from === 1 && net.now < quietUntil ? null : frame);
      net.run(10_000);
      const changes = (node: number) =>
        net.events
          .slice(mark)
          .flatMap((e) =>
            e.node === node && e.event.type === 'link' ? [`${e.event.from}>${e.event.to}`] : [],
          );
      assert.deepEqual(changes(1), ['unknown>failed', 'failed>pending', 'pending>linked'], 'at B');
      assert.deepEqual(changes(0), ['linked>failed', 'failed>pending', 'pending>linked'], 'at A');
      const path = (i: number) => net.nodes[i].routes().map((r) => [r.ea, r.eb, r.pathId]);
      assert.equal(path(0).length, 1);
      assert.deepEqual(path(0), path(1), 'A and B hold the same path');
      assert.ok(net.nodes.every((n) => n.checkInvariants().length === 0));
    });
  });

  describe('traffic counters', () => {
    // framesOut, helloOut and controlBytesOut are what the benches and vrrctl stats report as a node's overhead:
    // every frame sent counts once; control bytes are the hellos and the reliable control packets (ACKs and data
    // are not counted as control: node.ts sends ACKs as plain frames).
    it('count every frame a relay sends, its hellos, and the bytes of its hellos and reliable control', () => {
      const net = line();
      const b = net.nodes[1];
      const before = b.counters();
      let frames = 0;
      let hellos = 0;
      let controlBytes = 0;
      let reliable = 0;
      net.tap = (from, _port, frame) => {
        if (from !== 1) return frame;
        frames++;
        const d = decodePacket(frame);
        assert.ok(d.ok);
        if (d.packet.kind === 'control' && d.packet.options.some((o) => o.type === OptionType.HELLO)) {
          hellos++;
          controlBytes += frame.length;
        } else if (d.packet.kind === 'control' && d.packet.seq !== 0) {
          reliable++;
          controlBytes += frame.length;
          if (reliable === 1) return null; // lost: its retransmission counts too
        }
        return frame;
      };
      for (let i = 0; i < 5; i++) {
        assert.ok(net.nodes[0].sendData(C, new Uint8Array(100)), 'data from A to C, through B');
        net.run(1000);
      }
      // C goes: B fails it and sends reliable control (teardowns, setup requests) of its own.
      net.nodes[2].stop();
      net.run(10_000);
      const after = b.counters();
      const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
      assert.ok(hellos >= 5 && reliable > 1, `${frames} frames, ${hellos} hellos, ${reliable} reliable`);
      assert.ok((after.retransmits ?? 0) > (before.retransmits ?? 0), 'one was sent again');
      assert.equal(delta('framesOut'), frames);
      assert.equal(delta('helloOut'), hellos);
      assert.equal(delta('controlBytesOut'), controlBytes);
    });
  });

  describe('silence on a node that runs late', () => {
    // A starved node (its periods fire late, every one) does not count the time it did not run as its neighbours'
    // silence, but a neighbour that really went silent must still fail, after the hold time of the node's own
    // running time: a node that ran late every period must not keep a dead link up for good.
    it('fails a silent neighbour after failAfterHellos periods of its own running time, and keeps the others', () => {
      const net = line();
      const b = net.nodes[1];
      net.cut(1, 2);
      const cutAt = net.now;
      const mark = net.events.length;
      // B stalls 1.5 s of every 2: each of its periods fires late.
      for (let i = 0; i < 20; i++) {
        net.stall(1, 1500);
        net.run(2000);
      }
      assert.ok((b.counters().lateTimers ?? 0) >= 10, 'B ran late');
      const changes = net.events
        .slice(mark)
        .filter((e) => e.node === 1 && e.event.type === 'link')
        .map((e) => (e.event.type === 'link' ? { at: e.at, n: e.event.neighbor, to: e.event.to } : null));
      const failed = changes.find((c) => c?.n === C && c.to === 'failed');
      assert.ok(failed, 'C failed at B');
      const c = b.config;
      assert.ok(
        failed.at - cutAt > (c.failAfterHellos + 2) * c.helloMs,
        `failed ${failed.at - cutAt} ms after the cut: the time B slept is not silence`,
      );
      assert.ok(!changes.some((ch) => ch?.n === A), 'A, heard all along, stays linked');
    });
  });

  describe('a neighbour whose hellos are overdue', () => {
    // A stalled neighbour (its host starved) reads nothing until it runs again: retransmitting to it only adds
    // copies to its socket, and running out of tries would fail a link that its hold time would keep. Once its
    // hellos are 1.5 periods overdue the reliable layer waits for it instead (Links.overdue).
    it('gets no retransmissions while it is stalled, and its link survives a stall shorter than the hold time', () => {
      const net = line();
      const b = net.nodes[1];
      const before = b.counters().retransmits ?? 0;
      const mark = net.events.length;
      net.stall(2, 3500);
      // Something for B to pass on to C (a setup_req from A toward C), sent reliably.
      b.receive(
        0,
        A,
        encodePacket({
          kind: 'control',
          flags: 0,
          sender: A,
          seq: 4242,
          options: [{ type: OptionType.SETUP_REQ, token: 99, src: A, dst: C, proxy: B, vset: [] }],
        }),
      );
      net.run(3500);
      const retransmits = (b.counters().retransmits ?? 0) - before;
      assert.ok(retransmits <= 2, `${retransmits} retransmissions into a stalled neighbour`);
      net.run(2000);
      assert.ok(
        !net.events
          .slice(mark)
          .some((e) => e.node === 1 && e.event.type === 'link' && e.event.neighbor === C),
        'B keeps its link to C',
      );
    });
  });
});
