import assert from 'node:assert/strict';
import { closestOnEachSide } from '../../../src/vrr/vset.ts';
import { decodePacket, encodePacket } from '../../../src/vrr/wire/index.ts';
import { DataFlag, OptionType, type KnownOption } from '../../../src/vrr/wire/types.ts';
import { TestNet } from './harness.ts';
import { DEFAULT_CONFIG } from '../../../src/vrr/config.ts';

const A = 0x020000000010;
const B = 0x020000000020;
const C = 0x020000000030;
const D = 0x020000000040;

function consistent(net: TestNet): boolean {
  const all = net.nodes.map((n) => n.address);
  return net.nodes.every((n) => {
    const want = closestOnEachSide(n.address, all, n.config.vsetSize);
    const have = n.vsetMembers();
    return n.isActive() && have.length === want.size && have.every((m) => want.has(m));
  });
}

/** Checks the invariants stated at the top of src/vrr/node.ts (and its table modules) on every node. */
function assertInvariants(net: TestNet): void {
  for (const n of net.nodes) {
    assert.deepEqual(n.checkInvariants(), [], `node ${n.address.toString(16)}`);
    const routes = n.routes();
    const linked = new Set(
      n
        .neighbors()
        .filter((x) => x.state === 'linked')
        .map((x) => x.address),
    );
    for (const m of n.vsetMembers()) {
      assert.ok(
        routes.some((r) => (r.ea === n.address && r.eb === m) || (r.eb === n.address && r.ea === m)),
        'every vset member has a path',
      );
    }
    for (const r of routes) {
      if (r.na !== null) assert.ok(linked.has(r.na), 'na is a linked neighbour');
      if (r.nb !== null) assert.ok(linked.has(r.nb), 'nb is a linked neighbour');
    }
    if (!n.isActive()) assert.equal(n.vsetMembers().length, 0, 'an inactive node has an empty vset');
  }
}

describe('vrr/node', () => {
  it('forms a consistent ring on a 3-node line and delivers data end to end', () => {
    const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
    net.run(20_000);
    assert.ok(consistent(net));
    assertInvariants(net);
    assert.ok(net.nodes[0].sendData(C, new Uint8Array([1, 2, 3])));
    net.run(100);
    const got = net.delivered.find((d) => d.node === 2);
    assert.ok(got, 'delivered at C');
    assert.deepEqual([...got.packet.payload], [1, 2, 3]);
    assert.equal(got.packet.src, A);
    assert.equal(got.packet.hopLimit, DEFAULT_CONFIG.hopLimit - 1, 'decremented once by the relay B');
  });

  it('after a failure, the endpoint re-requests the OTHER endpoint (teardown correction, docs/protocol.md "Paths")', () => {
    const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
    net.run(20_000);
    assert.ok(consistent(net));
    // The path between A and C runs through B. Cut B-C: B tears the path down toward A with no vset.
    const pathAC = net.nodes[0].routes().find((r) => [r.ea, r.eb].includes(A) && [r.ea, r.eb].includes(C));
    assert.ok(pathAC, 'A has a path to C');
    const mark = net.events.length;
    net.cut(1, 2);
    net.run(10_000);
    const reqs = net.events.slice(mark).filter((e) => e.node === 0 && e.event.type === 'setup-req');
    assert.ok(reqs.length > 0, 'A asked again');
    for (const e of reqs) {
      assert.ok(e.event.type === 'setup-req');
      assert.equal(e.event.target, C, 'A asks C, never itself (the uncorrected pseudocode yields A)');
    }
    const downAtA = net.events
      .slice(mark)
      .find((e) => e.node === 0 && e.event.type === 'path-down' && e.event.pathId === pathAC.pathId);
    assert.ok(downAtA, 'the teardown reached endpoint A');
  });

  it('repairs a ring around a failed link (square a-b-c-d)', () => {
    const net = new TestNet([A, B, C, D]).link(0, 1).link(1, 2).link(2, 3).link(3, 0).start();
    net.run(30_000);
    assert.ok(consistent(net));
    net.cut(0, 1);
    net.run(30_000);
    assert.ok(consistent(net));
    assertInvariants(net);
    for (const n of net.nodes) {
      for (const r of n.routes())
        assert.ok(!(r.na === B && n.address === A) && !(r.nb === B && n.address === A));
    }
  });

  it('nodes of a host starved of CPU beyond the failure timeout do not fail links whose hellos wait unread', () => {
    const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
    net.run(20_000);
    assert.ok(consistent(net));
    const linkEvents = () => net.events.filter((e) => e.event.type === 'link' && e.event.to === 'failed');
    const before = linkEvents().length;
    // The whole host sleeps 6 s (the failure timeout is 4 hello periods): every node's timers fire late, then
    // the hellos queued meanwhile are read.
    for (let i = 0; i < 3; i++) net.stall(i, 6000);
    net.run(10_000);
    assert.equal(linkEvents().length, before, 'no link failed');
    assert.ok((net.nodes[1].counters().lateTimers ?? 0) >= 1, 'the late period is counted');
    assert.ok(consistent(net));
    assertInvariants(net);
    // A neighbour that really went silent still fails, from the next period on time.
    net.cut(0, 1);
    net.run(8000);
    assert.ok(
      net.events.some(
        (e) => e.node === 1 && e.event.type === 'link' && e.event.neighbor === A && e.event.to === 'failed',
      ),
      'B fails the cut link to A',
    );
  });

  it('keeps every table invariant at every step while a grid forms and loses links', () => {
    // Between any two events, not only once converged: each module's checkInvariants on every node, every 50 ms.
    const addrs = Array.from({ length: 16 }, (_, i) => 0x020000000000 + ((i * 7919) % 101) * 0x10000 + i);
    const net = new TestNet(addrs, 9);
    for (let i = 0; i < 16; i++) {
      if (i % 4 < 3) net.link(i, i + 1);
      if (i < 12) net.link(i, i + 4);
    }
    net.start();
    const steps = (ms: number) => {
      for (let t = 0; t < ms; t += 50) {
        net.run(50);
        for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), [], `at ${net.now} ms`);
      }
    };
    steps(40_000);
    assert.ok(consistent(net));
    net.cut(5, 6);
    net.cut(9, 10);
    steps(20_000);
    assert.ok(consistent(net));
    assertInvariants(net);
  });

  it('drops and counts malformed frames without throwing, and keeps routing', () => {
    const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
    net.run(20_000);
    const b = net.nodes[1];
    b.receive(0, A, new Uint8Array([0x21, 0, 0])); // too short
    b.receive(0, A, new Uint8Array([0x20, 0, 0, 4])); // control header cut short
    b.receive(0, A, new Uint8Array([0x31, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])); // version 3
    const counters = b.counters();
    const malformed = Object.entries(counters)
      .filter(([k]) => k.startsWith('malformed.'))
      .reduce((s, [, v]) => s + v, 0);
    assert.equal(malformed, 3);
    assert.ok(net.nodes[0].sendData(C, new Uint8Array([9])));
    net.run(100);
    assert.ok(net.delivered.some((d) => d.node === 2));
  });

  it('skips an unknown option in front of a hello and still brings the link up', () => {
    const net = new TestNet([A, B]).link(0, 1);
    // Rewrite every frame A sends: insert an unknown option (type 0x7e, 8 bytes) before the first option.
    net.tap = (from, _port, frame) => {
      if (from !== 0 || (frame[0] & 0x0f) !== 0) return frame;
      const out = new Uint8Array(frame.length + 8);
      out.set(frame.subarray(0, 16), 0);
      out.set([0x7e, 1, 0xde, 0xad, 0xbe, 0xef, 0, 0], 16);
      out.set(frame.subarray(16), 24);
      const total = ((frame[2] << 8) | frame[3]) + 8;
      out[2] = total >> 8;
      out[3] = total & 0xff;
      return out;
    };
    net.start();
    net.run(20_000);
    assert.equal(net.nodes[1].neighbors()[0]?.state, 'linked');
    assert.ok((net.nodes[1].counters().unknownOptions ?? 0) > 0);
    assert.ok(consistent(net));
  });

  it('acknowledges hop-by-hop options and suppresses a retransmitted duplicate', () => {
    const net = new TestNet([A, B]).link(0, 1).start();
    net.run(20_000);
    const b = net.nodes[1];
    const before = b.counters().duplicatesSuppressed ?? 0;
    const frame = encodePacket({
      kind: 'control',
      flags: 0,
      sender: A,
      seq: 777,
      options: [{ type: OptionType.TEARDOWN, pathId: 5, ea: A, vset: null }],
    });
    b.receive(0, A, frame);
    b.receive(0, A, frame);
    assert.equal((b.counters().duplicatesSuppressed ?? 0) - before, 1);
    assert.equal(b.counters()['teardown.unknownPath'], 1, 'processed once');
  });

  it('routes data on paths and neighbours only, never along representative records', () => {
    // B advertises a representative R that exists nowhere (a record that outlived its source), so A holds R via B.
    const R = 0x020000000001;
    const net = new TestNet([A, B]).link(0, 1).start();
    net.run(20_000);
    let repSeq = 100;
    net.tap = (from, _port, frame) => {
      const r = decodePacket(frame);
      if (from !== 1 || !r.ok || r.packet.kind !== 'control') return frame;
      const options = r.packet.options.map((o) =>
        o.type === OptionType.HELLO ? { ...o, reps: [{ address: R, seq: repSeq++ }] } : o,
      );
      return encodePacket({ ...r.packet, options: options as KnownOption[] });
    };
    net.run(3_000);
    const a = net.nodes[0];
    assert.deepEqual(
      a.representatives().map((x) => [x.address, x.via]),
      [[R, B]],
      'A learned R through B',
    );
    // dst is closest to R, then A, then B: control traffic for dst goes toward R, through B.
    const dst = 0x020000000008;
    assert.deepEqual(a.nextHop(dst), { kind: 'forward', via: B, endpoint: R });
    // Data does not: a key packet from B ends at A, the closest node a path or a neighbour reaches, and one A
    // originates stays there too.
    const packet = { kind: 'data', flags: 0, hopLimit: 9, nextHeader: 0, src: B, dst } as const;
    a.receive(0, B, encodePacket({ ...packet, dataFlags: DataFlag.KEY, payload: new Uint8Array([7]) }));
    assert.ok(a.sendData(dst, new Uint8Array([8]), { key: true }));
    const got = net.delivered
      .filter((d) => d.node === 0 && d.packet.dst === dst)
      .map((d) => d.packet.payload[0]);
    assert.deepEqual(got, [7, 8], 'both key packets were delivered at A, not sent to B');
    assert.equal(a.counters().dataForwarded ?? 0, 0);
  });

  it('forms one ring when every node starts at once (bootstrap election)', () => {
    const addrs = Array.from({ length: 12 }, (_, i) => 0x020000000000 + ((i * 7919) % 97) * 0x1000 + i);
    const net = new TestNet(addrs, 3);
    for (let i = 0; i + 1 < addrs.length; i++) net.link(i, i + 1);
    net.start();
    net.run(60_000);
    assert.ok(consistent(net));
    assertInvariants(net);
    const selfActivated = net.events.filter(
      (e) => e.event.type === 'active' && /first node/.test(e.event.why),
    );
    assert.equal(selfActivated.length, 1, 'exactly one node started the ring');
  });

  it('checks its own vset selfCheckFirstHellos periods after it last changed, then ever less often', () => {
    const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
    const checks: number[] = [];
    let seen = 0;
    for (let t = 0; t < 120_000; t += 50) {
      net.run(50);
      const n = net.nodes[1].counters().selfChecks ?? 0;
      if (n > seen) checks.push(net.now);
      seen = n;
    }
    const changes = net.events.filter(
      (e) => e.node === 1 && (e.event.type === 'vset-add' || e.event.type === 'vset-remove'),
    );
    const lastChange = changes[changes.length - 1].at;
    const after = checks.filter((t) => t > lastChange);
    // Each delay has 10 % of seeded jitter, and the 50 ms polling steps blur it a little more.
    assert.ok(
      after[0] - lastChange <= 2 * 1100 + 50,
      `first check ${after[0] - lastChange} ms after the change`,
    );
    const gaps = after.slice(1, 5).map((t, i) => t - after[i]);
    [4, 8, 16, 32].forEach((periods, i) => {
      assert.ok(
        Math.abs(gaps[i] - periods * 1000) <= periods * 100 + 50,
        `gap ${i + 1} after the change: ${gaps[i]} ms, expected ${periods} periods (checks at ${after.join(', ')})`,
      );
    });
  });

  it('turns back a setup whose teardown overtook it, instead of installing a path with no far end', () => {
    const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
    net.run(20_000);
    const b = net.nodes[1];
    const sentByB: number[] = [];
    net.tap = (from, _port, frame) => {
      if (from === 1) sentByB.push(frame[16]); // the first option's type
      return frame;
    };
    const control = (seq: number, option: object): Uint8Array =>
      encodePacket({ kind: 'control', flags: 0, sender: A, seq, options: [option as never] });
    // The teardown of path (A, 99) arrives first: B holds no such path.
    b.receive(0, A, control(801, { type: OptionType.TEARDOWN, pathId: 99, ea: A, vset: null }));
    assert.equal(b.counters()['teardown.unknownPath'], 1);
    // Then its setup (a retransmission, or a frame reordered on the link).
    const setup = { type: OptionType.SETUP, pathId: 99, src: A, dst: C, proxy: C, vset: [] };
    b.receive(0, A, control(802, setup));
    net.run(1000);
    assert.equal(b.counters()['setup.afterItsTeardown'], 1);
    assert.ok(sentByB.includes(OptionType.TEARDOWN), 'B sends a teardown back toward A');
    for (const [i, node] of net.nodes.entries()) {
      assert.ok(!node.routes().some((r) => r.pathId === 99), `node ${i} holds no entry of path (A, 99)`);
    }
    // A setup with no teardown before it is installed as usual.
    b.receive(0, A, control(803, { ...setup, pathId: 100 }));
    net.run(1000);
    assert.ok(b.routes().some((r) => r.pathId === 100 && r.ea === A));
  });

  it('keeps one path per pair of virtual neighbours: parallel paths set up at once are torn down', () => {
    // A 4x4 grid whose nodes all start at once: pairs often set up paths to each other at the same time.
    const addrs = Array.from({ length: 16 }, (_, i) => 0x020000000000 + ((i * 7919) % 101) * 0x10000 + i);
    const net = new TestNet(addrs, 5);
    for (let i = 0; i < 16; i++) {
      if (i % 4 < 3) net.link(i, i + 1);
      if (i < 12) net.link(i, i + 4);
    }
    net.start();
    net.run(60_000);
    assert.ok(consistent(net));
    assertInvariants(net);
    const pathsPerPair = new Map<string, Set<string>>();
    for (const node of net.nodes) {
      for (const r of node.routes()) {
        const pair = [r.ea, r.eb].sort((x, y) => x - y).join('-');
        if (!pathsPerPair.has(pair)) pathsPerPair.set(pair, new Set());
        pathsPerPair.get(pair)!.add(`${r.ea}/${r.pathId}`);
      }
    }
    for (const [pair, paths] of pathsPerPair)
      assert.equal(paths.size, 1, `pair ${pair}: paths ${[...paths]}`);
    const dropped = net.nodes.reduce((sum, n) => sum + (n.counters().parallelPathsDropped ?? 0), 0);
    assert.ok(dropped > 0, 'the grid did set up parallel paths, and they were dropped');
  });

  describe('refusals and self-checks (r = 2, a line of five nodes whose addresses ascend along it)', () => {
    // A B C D E = 0x10 .. 0x50 on a line; the ring closes E -> A. Converged, each node holds one member a side.
    const [a, b, c, d, e] = [0x10, 0x20, 0x30, 0x40, 0x50].map((x) => 0x020000000000 + x);
    function converged(): TestNet {
      const net = new TestNet([a, b, c, d, e], 1, { vsetSize: 2 });
      for (let i = 0; i < 4; i++) net.link(i, i + 1);
      net.start();
      net.run(30_000);
      assert.ok(consistent(net));
      return net;
    }
    /** Records the control options every node sends from now on. */
    function recordOptions(net: TestNet): { node: number; option: KnownOption }[] {
      const sent: { node: number; option: KnownOption }[] = [];
      net.tap = (from, _port, frame) => {
        const r = decodePacket(frame);
        if (r.ok && r.packet.kind === 'control')
          for (const o of r.packet.options) sent.push({ node: from, option: o });
        return frame;
      };
      return sent;
    }
    const control = (sender: number, seq: number, option: object): Uint8Array =>
      encodePacket({ kind: 'control', flags: 0, sender, seq, options: [option as never] });
    const count = (net: TestNet, i: number, name: string): number => net.nodes[i].counters()[name] ?? 0;

    it('a refused request goes on as a lookup of the requester, which its virtual neighbour confirms silently', () => {
      const net = converged();
      const sent = recordOptions(net);
      const confirmedAtB = count(net, 1, 'selfCheck.confirmed');
      // A asks C (it heard of C somewhere). C holds B and D, both nearer: it refuses A.
      const request = { type: OptionType.SETUP_REQ, token: 4242, src: a, dst: c, proxy: b, vset: [b, e] };
      net.nodes[2].receive(0, b, control(b, 901, request));
      net.run(1000);
      assert.equal(count(net, 2, 'setupReq.redirected'), 1);
      const lookup = sent.find((s) => s.node === 2 && s.option.type === OptionType.SETUP_REQ);
      assert.ok(lookup && lookup.option.type === OptionType.SETUP_REQ, 'C passes a setup_req on');
      assert.equal(lookup.option.src, a);
      assert.equal(lookup.option.dst, a, "it looks up A's own address");
      assert.notEqual(lookup.option.token, 4242, 'with a token of its own (relays would take it for a loop)');
      assert.deepEqual(lookup.option.vset, [b, e], "A's vset travels on");
      // The lookup ends at B, A's nearest node, which already holds A and knows nobody A lacks.
      assert.equal(count(net, 1, 'selfCheck.confirmed') - confirmedAtB, 1);
      assert.ok(!sent.some((s) => s.option.type === OptionType.SETUP_FAIL), 'nobody sends a setup_fail');
      assert.ok(consistent(net));
    });

    it('a self-check is answered when the answerer names a node the requester lacks', () => {
      const net = converged();
      const sent = recordOptions(net);
      // A's self-check reaches B, but A's vset (as carried) holds only E: B names itself, A's missing neighbour.
      const check = { type: OptionType.SETUP_REQ, token: 77, src: a, dst: a, proxy: b, vset: [e] };
      net.nodes[1].receive(0, a, control(a, 902, check));
      net.run(1000);
      const fail = sent.find((s) => s.node === 1 && s.option.type === OptionType.SETUP_FAIL);
      assert.ok(fail && fail.option.type === OptionType.SETUP_FAIL, 'B answers with a setup_fail');
      assert.equal(fail.option.token, 77);
      assert.equal(fail.option.dst, a);
    });

    it('nodes that refused count as known: a refusal does not send the requester on to nodes beyond the refuser', () => {
      const net = converged();
      // Nodes A has never heard of, between A and B: E2 < K < F. E2 refuses A, then K refuses naming E2 and F.
      const [e2, k, f] = [0x12, 0x14, 0x16].map((x) => 0x020000000000 + x);
      const mark = net.events.length;
      const fail = (src: number, token: number, vset: number[]) => ({
        type: OptionType.SETUP_FAIL,
        token,
        src,
        dst: a,
        proxy: a,
        vset,
      });
      net.nodes[0].receive(0, b, control(b, 903, fail(e2, 1, [])));
      net.nodes[0].receive(0, b, control(b, 904, fail(k, 2, [e2, f])));
      net.run(100);
      const asked = net.events
        .slice(mark)
        .filter((x) => x.node === 0 && x.event.type === 'setup-req')
        .map((x) => (x.event.type === 'setup-req' ? x.event.target : -1));
      // F lies beyond K and E2, which A now knows are alive: F cannot be A's nearest. (With refusers left out of
      // what A knows, F looked nearest, and each refusal walked A one node further along the ring.)
      assert.ok(!asked.includes(f), `A asked ${asked.map((t) => t.toString(16))}`);
    });
  });
});

describe('vrr/node: the self-check after a change, under a long backoff and under churn', () => {
  const X = 0x020000000031;
  let seq = 9000;
  let pathId = 900;

  /** A B C on a line, r = 4 (room in B's vset), run until B's self-check has backed off to its longest. */
  function backedOff() {
    const net = new TestNet([A, B, C], 1, { vsetSize: 4 }).link(0, 1).link(1, 2).start();
    net.run(150_000);
    const b = net.nodes[1];
    const checks: number[] = [];
    let seen = b.counters().selfChecks ?? 0;
    /** Runs ms in 50 ms steps, noting when B checks. */
    const run = (ms: number) => {
      for (let t = 0; t < ms; t += 50) {
        net.run(50);
        const n = b.counters().selfChecks ?? 0;
        if (n > seen) checks.push(net.now);
        seen = n;
      }
    };
    const fromA = (option: KnownOption) =>
      b.receive(0, A, encodePacket({ kind: 'control', flags: 0, sender: A, seq: seq++, options: [option] }));
    /** X (unknown) sets up a path to B through A: B takes it as a virtual neighbour. */
    const addX = () => {
      pathId++;
      fromA({ type: OptionType.SETUP, pathId, src: X, dst: B, proxy: B, vset: [] });
      assert.ok(b.vsetMembers().includes(X), 'X in');
    };
    /** ... and tears it down deliberately (no candidates): X leaves B's vset. */
    const removeX = () => {
      fromA({ type: OptionType.TEARDOWN, pathId, ea: X, vset: [] });
      assert.ok(!b.vsetMembers().includes(X), 'X out');
    };
    return { net, checks, run, addX, removeX };
  }

  // Pins the restart of the backoff: a vset change with a check far off (32 periods) brings it forward to
  // selfCheckFirstHellos periods from the change.
  it('a change while the next check is far off brings it forward', () => {
    const { net, checks, run, addX } = backedOff();
    run(40_000);
    assert.ok(checks.length >= 1 && checks.length <= 2, `checks ${checks.join(', ')}: backed off`);
    const at = net.now;
    addX();
    run(3000);
    const next = checks.find((t) => t > at);
    assert.ok(
      next !== undefined && next - at <= 2 * 1100 + 50,
      `next check ${next === undefined ? 'none' : next - at} ms after`,
    );
  });

  // Pins that a check due sooner stays: a vset that changes every period does not postpone its own check for as
  // long as the churn lasts (a node at the seam of a merge, refused every period).
  it('a vset that keeps changing does not postpone its check', () => {
    const { net, checks, run, addX, removeX } = backedOff();
    run(40_000);
    const at = net.now;
    addX();
    for (let i = 0; i < 4; i++) {
      run(800);
      removeX();
      run(800);
      addX();
    }
    const next = checks.find((t) => t > at);
    assert.ok(
      next !== undefined && next - at <= 2 * 1100 + 50,
      `next check ${next === undefined ? 'none' : next - at} ms after the first change`,
    );
  });

  // Pins the self-check's own checker (the fuzzers call checkInvariants after every step): a backoff past its
  // longest, and a check still armed on a stopped node, are reported.
  it('checkInvariants reports a backoff past selfCheckMaxHellos and a check armed on a stopped node', () => {
    const { net } = backedOff();
    const b = net.nodes[1];
    const inside = (b as unknown as { ctx: { selfCheck: { periods: number; timer: unknown } } }).ctx
      .selfCheck;
    assert.deepEqual(b.checkInvariants(), []);
    const periods = inside.periods;
    inside.periods = 33;
    assert.deepEqual(b.checkInvariants(), ['backoff at 33 periods']);
    inside.periods = periods;
    b.stop();
    assert.deepEqual(b.checkInvariants(), []);
    inside.timer = { cancel() {} };
    assert.ok(b.checkInvariants().includes('a self-check is armed on a stopped node'), 'armed while stopped');
  });
});

describe('vrr/node: what the counters list', () => {
  // Pins that the counters name only what happened: clean traffic lists no unknownOptions and no zero traffic
  // counters (routes, vset and inFlight, the table sizes, are always there).
  it('lists no counter that stayed at zero, apart from the table sizes', () => {
    const net = new TestNet([A, B, C]).link(0, 1).link(1, 2).start();
    net.run(20_000);
    for (const n of net.nodes) {
      const zero = Object.entries(n.counters())
        .filter(([k, v]) => v === 0 && !['routes', 'vset', 'inFlight'].includes(k))
        .map(([k]) => k);
      assert.deepEqual(zero, [], `node ${n.address.toString(16)}`);
      assert.equal(n.counters().unknownOptions, undefined);
    }
    // A node that has done nothing lists its table sizes only.
    assert.deepEqual(new TestNet([D]).nodes[0].counters(), { routes: 0, vset: 0, inFlight: 0 });
  });

  // Pins the count of a frame whose options end in a broken one (Len 0): what came before it is taken, the rest
  // is counted as malformed (bad-option), not thrown at the driver.
  it('a control frame ending in an option with Len 0: the options before it are taken, the break counted', () => {
    const net = new TestNet([A, B]).link(0, 1).start();
    net.run(20_000);
    const teardown = { type: OptionType.TEARDOWN, pathId: 9, ea: D, vset: null } as const;
    const frame = encodePacket({ kind: 'control', flags: 0, sender: A, seq: 0, options: [teardown] });
    const out = new Uint8Array(frame.length + 8);
    out.set(frame, 0);
    out.set([0x7e, 0], frame.length); // Type 0x7e, Len 0
    const total = ((frame[2] << 8) | frame[3]) + 8;
    out[2] = total >> 8;
    out[3] = total & 0xff;
    const b = net.nodes[1];
    b.receive(0, A, out);
    assert.equal(b.counters()['malformed.bad-option'], 1);
    assert.equal(b.counters()['teardown.unknownPath'], 1, 'the option before it was taken');
    assert.equal(b.counters().internalErrors, undefined);
  });
});
