import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/vrr/config.ts';
import { incompletePaths } from '../../../src/sim/fuzz/complete-paths.ts';
import type { VrrNode } from '../../../src/vrr/node.ts';
import { decodePacket, encodePacket } from '../../../src/vrr/wire/index.ts';
import {
  OptionType,
  PATH_PROBE_ECHO,
  PATH_PROBE_TOWARD_B,
  type KnownOption,
  type PathProbeOption,
} from '../../../src/vrr/wire/types.ts';
import { convergedLine, LINE, TestNet } from './harness.ts';

// A line A(10) - R(20) - B(30), r = 2: A and B are virtual neighbours over a path through R.
const A = 0;
const R = 1;
const B = 2;
const HELLO = 1000;

function line(config: Record<string, number>): TestNet {
  const net = new TestNet([10, 20, 30], 7, { vsetSize: 2, ...config });
  net.link(A, R).link(R, B).start();
  net.run(60_000);
  return net;
}

const snapshot = (net: TestNet) =>
  net.nodes.map((n) => ({ address: n.address, vset: n.vsetMembers(), routes: n.routes() }));

// The test hook: R loses its entry of the A-B path silently (as a relay that crashed and came back before its
// neighbours noticed, or a teardown that reached it while the path's other hop was not linked).
function dropEntryAtRelay(net: TestNet): void {
  const path = net.nodes[A].routes().find(
    (r) => r.ea !== r.eb && [r.ea, r.eb].includes(30) && [r.ea, r.eb].includes(10),
  );
  assert.ok(path, 'A has a path to B');
  const relay = (
    net.nodes[R] as unknown as { ctx: { paths: { routes: { remove(ea: number, id: number): unknown } } } }
  ).ctx;
  assert.ok(relay.paths.routes.remove(path.ea, path.pathId), 'R held the entry');
}

function routeCount(n: VrrNode): number {
  return n.routes().length;
}

describe('vrr/path-check (verified paths)', () => {
  it('reproduces the bug: without the check, a relay that lost its entry leaves the path broken for good', () => {
    const net = line({ pathCheckHellos: 0 });
    assert.deepEqual(incompletePaths(snapshot(net)), [], 'converged with complete paths');
    dropEntryAtRelay(net);
    net.run(300_000);
    const problems = incompletePaths(snapshot(net));
    assert.ok(problems.length > 0, 'hard state is never refreshed: the half paths stay');
    assert.ok(
      problems.some((p) => p.includes('holds no entry')),
      problems.join('\n'),
    );
  });

  it('finds and repairs the broken path within the bound: 2K periods, three probe timeouts, one setup', () => {
    const K = 4;
    const net = line({ pathCheckHellos: K });
    assert.deepEqual(incompletePaths(snapshot(net)), [], 'converged with complete paths');
    for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), []);
    dropEntryAtRelay(net);
    assert.ok(incompletePaths(snapshot(net)).length > 0, 'broken now');
    // A probe may wait a hold time at a hop (failAfterHellos + 1 periods) plus a hop's retransmissions; a path
    // whose probe does not come back gets a second one, which waits twice as long, before it is torn down.
    const probeTimeoutMs = 3 * ((DEFAULT_CONFIG.failAfterHellos + 1) * HELLO + 5 * 150);
    const setupMs = 3 * HELLO;
    // Hello periods are jittered by up to 10 %: a period is at most 1.1 HELLO.
    const boundMs = 2 * K * 1.1 * HELLO + probeTimeoutMs + setupMs;
    let repairedAt: number | null = null;
    const start = net.now;
    while (net.now - start < boundMs && repairedAt === null) {
      net.run(100);
      if (incompletePaths(snapshot(net)).length === 0) repairedAt = net.now - start;
    }
    assert.notEqual(
      repairedAt,
      null,
      `repaired within ${boundMs} ms: ${incompletePaths(snapshot(net)).join('; ')}`,
    );
    const c = net.nodes[A].counters();
    const cb = net.nodes[B].counters();
    assert.ok(
      (net.nodes[R].counters()['pathProbe.brokenHere'] ?? 0) +
        (c['pathProbe.timedOut'] ?? 0) +
        (cb['pathProbe.timedOut'] ?? 0) >
        0,
      'the probe found it',
    );
    // And it stays repaired, with no stray entries and every invariant holding.
    net.run(60_000);
    assert.deepEqual(incompletePaths(snapshot(net)), []);
    for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), []);
    assert.ok(routeCount(net.nodes[R]) >= 1);
  });

  it('verifies healthy paths without tearing them down, at most ceil(E / K) probes per endpoint per period', () => {
    const K = 4;
    const net = line({ pathCheckHellos: K });
    const before = net.nodes.map((n) =>
      n
        .routes()
        .map((r) => `${r.ea}/${r.pathId}`)
        .sort(),
    );
    const sent0 = net.nodes.map((n) => n.counters()['pathProbe.sent'] ?? 0);
    const periods = 40;
    net.run(periods * HELLO);
    const after = net.nodes.map((n) =>
      n
        .routes()
        .map((r) => `${r.ea}/${r.pathId}`)
        .sort(),
    );
    assert.deepEqual(after, before, 'no healthy path was torn down');
    for (let i = 0; i < 3; i++) {
      const c = net.nodes[i].counters();
      const sent = (c['pathProbe.sent'] ?? 0) - sent0[i];
      const e = net.nodes[i].vsetMembers().length; // one path per virtual neighbour here
      // At most ceil(E/K) a period; at least one probe per path every 2K periods.
      assert.ok(sent <= Math.ceil(e / K) * (periods + 4), `node ${i}: ${sent} probes in ${periods} periods`);
      assert.ok(
        sent >= Math.floor(periods / (2 * K)) * e,
        `node ${i}: only ${sent} probes in ${periods} periods`,
      );
      assert.equal(c['pathProbe.timedOut'] ?? 0, 0);
    }
  });

  it('a probe that does not come back gets a second chance, then the path is dropped and set up again', () => {
    const K = 4;
    const net = line({ pathCheckHellos: K });
    // R swallows every probe it would pass on (the options only: the frames, and their acknowledgements, go on).
    let swallowed = 0;
    net.tap = (from, _port, frame) => {
      if (from !== R) return frame;
      const d = decodePacket(frame);
      if (!d.ok || d.packet.kind !== 'control') return frame;
      const options = d.packet.options.filter((o) => o.type !== OptionType.PATH_PROBE);
      if (options.length === d.packet.options.length) return frame;
      swallowed += d.packet.options.length - options.length;
      return options.length === 0 && d.packet.seq === 0 ? null : encodePacket({ ...d.packet, options });
    };
    const mark = net.events.length;
    net.run(3 * 2 * K * HELLO);
    const counted = (name: string) =>
      (net.nodes[A].counters()[name] ?? 0) + (net.nodes[B].counters()[name] ?? 0);
    assert.ok(swallowed > 0);
    assert.ok(counted('pathProbe.retried') >= 1, 'a second probe first');
    assert.ok(counted('pathProbe.timedOut') >= 1, 'then the path is dropped');
    assert.ok(
      net.events
        .slice(mark)
        .some((e) => e.event.type === 'path-down' && e.event.why === 'path probe did not come back'),
    );
    net.tap = null;
    net.run(30 * HELLO);
    assert.deepEqual(incompletePaths(snapshot(net)), [], 'set up again once probes pass');
    for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), []);
    // The dropped paths' schedule went with them (kept, it would grow with every path a node ever had).
    for (const i of [A, B]) {
      const n = net.nodes[i];
      const own = n.routes().filter((r) => r.ea === n.address || r.eb === n.address).length;
      assert.equal(n.tableSizes().pathChecks, own, `node ${n.address}: one schedule entry per own path`);
    }
  });

  it('a slow path is not a broken one: the timeout learns from the echoes instead of tearing the path down', () => {
    const K = 4;
    const net = line({ pathCheckHellos: K });
    const base = (DEFAULT_CONFIG.failAfterHellos + 1) * HELLO + 5 * 150;
    // Every frame now takes 3.5 s more (a host far behind): a probe's round trip over the 2-hop path is 14 s, past
    // twice the base timeout, so a fixed timeout would drop the path after its second chance (at 2 x base).
    net.extraDelay = () => 3500;
    const mark = net.events.length;
    net.run(40 * K * HELLO);
    const counted = (name: string) =>
      (net.nodes[A].counters()[name] ?? 0) + (net.nodes[B].counters()[name] ?? 0);
    assert.ok(14_000 > 2 * base, 'the round trip is past two fixed timeouts');
    assert.equal(counted('pathProbe.timedOut'), 0, 'no path dropped for its slowness');
    assert.ok(counted('pathProbe.verified') >= 4, `echoes came back: ${counted('pathProbe.verified')}`);
    assert.deepEqual(
      net.events.slice(mark).filter((e) => e.event.type === 'path-down'),
      [],
      'no path torn down',
    );
    // Once it has learnt, a round needs no second chance: the last rounds' probes all came back on their first send.
    const retriedBefore = counted('pathProbe.retried');
    net.run(10 * K * HELLO);
    assert.equal(counted('pathProbe.retried'), retriedBefore, 'learnt: no second chances any more');
    net.extraDelay = null;
    net.run(30 * HELLO);
    assert.deepEqual(incompletePaths(snapshot(net)), [], 'complete all along');
  });

  it('a relay drops an entry no probe passes (an orphan no endpoint holds), and keeps the live ones', () => {
    const K = 4;
    const net = line({ pathCheckHellos: K });
    const relay = net.nodes[R] as unknown as {
      ctx: { paths: { routes: { add(r: object): boolean; has(ea: number, id: number): boolean } } };
    };
    // An orphan at R: a path between A and B that neither endpoint holds (its teardown was lost).
    assert.ok(relay.ctx.paths.routes.add({ ea: 10, eb: 30, pathId: 999, na: 10, nb: 30 }));
    const live = net.nodes[A].routes()
      .filter((r) => r.ea !== r.eb)
      .map((r) => `${r.ea}/${r.pathId}`);
    assert.ok(live.length > 0);
    // STALE_AFTER_ROUNDS (4) rounds of K periods, and a sweep every 8 periods.
    net.run((4 * K + 8 + 2) * 1.1 * HELLO);
    assert.equal(relay.ctx.paths.routes.has(10, 999), false, 'the orphan is gone');
    assert.equal(net.nodes[R].counters()['pathCheck.staleRelayEntry'], 1);
    assert.deepEqual(
      net.nodes[A].routes()
        .filter((r) => r.ea !== r.eb)
        .map((r) => `${r.ea}/${r.pathId}`),
      live,
      'the live paths through R are kept: their probes pass it',
    );
    assert.deepEqual(incompletePaths(snapshot(net)), []);
    for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), []);
  });
});

describe('vrr/path-check: one round of probes, step by step', () => {
  // The line A(10) - R(20) - B(30) of the tests above, K = 4: A probes its path to B (ea 10) through R.
  const K = 4;
  // The probe timeout with the defaults: a hold time (failAfterHellos + 1 periods) and five retransmissions.
  const T =
    (DEFAULT_CONFIG.failAfterHellos + 1) * HELLO +
    DEFAULT_CONFIG.maxRetransmits * DEFAULT_CONFIG.ackTimeoutMs;
  const ECHO = PATH_PROBE_ECHO;

  interface Sent {
    at: number;
    nonce: number;
  }

  /**
   * The converged line with A's probes of its path to B (toward B, not echoes) recorded as A sends them, and
   * swallowed at R while
   * `swallow()` says so (the option only: the frame and its acknowledgement go on).
   */
  function probedLine(swallow: () => boolean) {
    const net = line({ pathCheckHellos: K });
    const path = net.nodes[A].routes().find((r) => r.ea === 10 && r.eb === 30);
    assert.ok(path, 'A set up the path to B');
    const mine = (o: KnownOption): o is PathProbeOption =>
      o.type === OptionType.PATH_PROBE &&
      o.ea === 10 &&
      o.pathId === path.pathId &&
      o.flags === PATH_PROBE_TOWARD_B;
    const sent: Sent[] = [];
    const held: PathProbeOption[] = [];
    net.tap = (from, _port, frame) => {
      const d = decodePacket(frame);
      if (!d.ok || d.packet.kind !== 'control') return frame;
      if (from === A)
        for (const o of d.packet.options) if (mine(o)) sent.push({ at: net.now, nonce: o.nonce });
      if (from !== R || !swallow()) return frame;
      const options = d.packet.options.filter((o) => !(mine(o) && held.push(o)));
      if (options.length === d.packet.options.length) return frame;
      return options.length === 0 && d.packet.seq === 0 ? null : encodePacket({ ...d.packet, options });
    };
    const down = () =>
      net.events.filter(
        (e) => e.node === A && e.event.type === 'path-down' && e.event.pathId === path.pathId,
      );
    const before = { ...net.nodes[A].counters() };
    /** A's counter, since the line converged. */
    const count = (name: string) => (net.nodes[A].counters()[name] ?? 0) - (before[name] ?? 0);
    /** Hands node `to` a probe (or echo) as if `from` had passed it on. */
    const inject = (to: number, from: number, opt: PathProbeOption) => {
      const port = net.ports[to].findIndex((p) => p.peer === from);
      const frame = encodePacket({
        kind: 'control',
        flags: 0,
        sender: net.nodes[from].address,
        seq: 0,
        options: [opt],
      });
      net.nodes[to].receive(port, net.nodes[from].address, frame);
    };
    return { net, path, sent, held, down, count, inject };
  }

  // Pins the sequence of a lost round: one probe, the second chance exactly one timeout later (not sooner: a slow
  // path is not a broken one), none while one is in flight, then the drop two timeouts after it (the second chance
  // waits twice as long); both counted.
  it('a probe not answered: a second one after the timeout, the path dropped after twice that', () => {
    const { net, sent, down, count } = probedLine(() => true);
    const mark = sent.length;
    net.run(3 * 2 * K * HELLO);
    const drops = down();
    assert.equal(drops.length, 1, 'dropped once');
    assert.equal(drops[0].event.type === 'path-down' && drops[0].event.why, 'path probe did not come back');
    const round = sent.slice(mark).filter((s) => s.at <= drops[0].at);
    assert.equal(round.length, 2, `two probes before the drop: ${JSON.stringify(round)}`);
    assert.equal(round[1].at - round[0].at, T, 'the second chance one timeout after the first');
    assert.notEqual(round[1].nonce, round[0].nonce);
    assert.equal(drops[0].at - round[1].at, 2 * T, 'the drop two timeouts after the second');
    assert.equal(count('pathProbe.retried'), 1);
    assert.equal(count('pathProbe.timedOut'), 1);
    // The dropped path leaves the schedule, with its round trip.
    net.run(2 * HELLO);
    assert.deepEqual(net.nodes[A].checkInvariants(), []);
  });

  // Pins that a round remembers its first probe: its echo, late, still verifies the path during the second chance
  // (a slow path is kept), and ends the round (no drop, no third probe).
  it("the first probe's echo coming during the second chance verifies the path", () => {
    let swallowing = true;
    const { net, sent, held, down, count, inject } = probedLine(() => swallowing);
    const mark = sent.length;
    for (let i = 0; i < 300 && sent.length < mark + 2; i++) net.run(100);
    swallowing = false;
    assert.equal(held.length, 2, 'both probes held at R');
    inject(B, R, held[0]);
    net.run(3 * T);
    assert.deepEqual(down(), [], 'not dropped');
    assert.equal(count('pathProbe.timedOut'), 0);
    assert.equal(count('pathProbe.retried'), 1, 'no further second chance');
    assert.equal(count('pathProbe.staleEcho'), 0, 'the late echo was taken');
  });

  // Pins the stale-echo rule: an echo whose nonce is not this round's (forged, or of an older round) verifies
  // nothing and leaves the round running; an echo with no probe in flight is counted the same way.
  it('an echo with a nonce not of this round, or with no probe in flight, is stale and verifies nothing', () => {
    let swallowing = true;
    const { net, path, sent, down, count, inject } = probedLine(() => swallowing);
    const mark = sent.length;
    for (let i = 0; i < 300 && sent.length < mark + 1; i++) net.run(100);
    const first = sent[mark];
    const echo = { type: OptionType.PATH_PROBE, flags: ECHO, pathId: path.pathId, ea: 10 } as const;
    inject(A, R, { ...echo, nonce: first.nonce + 1000 });
    assert.equal(count('pathProbe.staleEcho'), 1);
    net.run(T + 10);
    assert.equal(count('pathProbe.retried'), 1, 'the round went on: a second chance');
    const second = sent[mark + 1];
    swallowing = false;
    // The right nonce ends it.
    inject(A, R, { ...echo, nonce: second.nonce });
    assert.equal(count('pathProbe.staleEcho'), 1, 'taken');
    // Nothing in flight now: any echo is stale, even one that was right a moment ago.
    inject(A, R, { ...echo, nonce: second.nonce });
    assert.equal(count('pathProbe.staleEcho'), 2);
    net.run(3 * T);
    assert.deepEqual(down(), [], 'the round ended with the right echo: no drop');
    assert.equal(count('pathProbe.retried'), 1);
    assert.deepEqual(net.nodes[A].checkInvariants(), []);
  });

  // Pins what becomes of a probe whose path goes while it is out (torn down from the other end): the next period
  // forgets it with the path (no probe of a path not held stays in flight), and it never times out into a second
  // chance or a drop.
  it('a path torn down while its probe is out: the probe is forgotten with it', () => {
    const { net, path, sent, down, count, inject } = probedLine(() => true);
    const mark = sent.length;
    for (let i = 0; i < 300 && sent.length < mark + 1; i++) net.run(100);
    assert.equal(sent.length, mark + 1);
    // R tells A the path is gone (as a relay that lost its entry answers a probe).
    const port = net.ports[A].findIndex((p) => p.peer === R);
    const teardown = { type: OptionType.TEARDOWN, pathId: path.pathId, ea: 10, vset: null } as const;
    net.nodes[A].receive(
      port,
      20,
      encodePacket({ kind: 'control', flags: 0, sender: 20, seq: 0, options: [teardown] }),
    );
    assert.equal(down().length, 1, 'gone');
    net.run(1.2 * HELLO);
    assert.deepEqual(net.nodes[A].checkInvariants(), [], 'its probe left the schedule with it');
    net.run(3 * T);
    assert.equal(count('pathProbe.retried'), 0);
    assert.equal(count('pathProbe.timedOut'), 0);
    assert.equal(down().length, 1);
  });

  // Pins that each path learns its own timeout (a long slow path next to a short fast one: shared, the fast one's
  // echoes would pull the slow one's timeout down to second chances) and that a clean echo clears the back-off
  // (Karn: once the network is fast again, a break is found within the base timeouts again).
  it("each path's timeout is learnt from its own echoes, and comes back down when they come fast again", () => {
    let swallowing = false;
    const { net, sent, down, count } = probedLine(() => swallowing);
    // Frames between R and B take 3.5 s more: A's path to B echoes in about 14 s, its path to R in 2 ms.
    const rPortToB = net.ports[R].findIndex((p) => p.peer === B);
    net.extraDelay = (from, port) => ((from === R && port === rPortToB) || from === B ? 3500 : 0);
    net.run(30 * K * HELLO);
    assert.deepEqual(down(), [], 'the slow path is kept');
    const retried = count('pathProbe.retried');
    net.run(10 * K * HELLO);
    assert.equal(count('pathProbe.retried'), retried, 'learnt: no second chances any more');
    net.extraDelay = null;
    net.run(40 * K * HELLO);
    assert.deepEqual(down(), []);
    swallowing = true;
    const mark = sent.length;
    net.run(3 * 2 * K * HELLO);
    const drops = down();
    assert.equal(drops.length, 1, 'the path lost now is dropped');
    const round = sent.slice(mark).filter((s) => s.at <= drops[0].at);
    assert.equal(round.length, 2);
    assert.equal(round[1].at - round[0].at, T, 'after the base timeout again');
    assert.equal(drops[0].at - round[1].at, 2 * T);
  });
});

describe('vrr/path-check: which paths are due, and in which order', () => {
  // The five-node line, r = 4, K = 8: the middle node C is an endpoint of four paths, so it probes one a period
  // (ceil(4 / 8)). Its own probes (not relayed, not echoes), as "ea/pathId" with the time they left.
  function middleOfFive() {
    const K = 8;
    const net = convergedLine({ vsetSize: 4, pathCheckHellos: K });
    const C = 2;
    const me = net.nodes[C].address;
    const own = new Set(
      net.nodes[C].routes()
        .filter((r) => r.ea === me || r.eb === me)
        .map((r) => `${r.ea}/${r.pathId}`),
    );
    assert.equal(own.size, 4);
    const probes: { at: number; path: string }[] = [];
    net.tap = (from, _port, frame) => {
      const d = decodePacket(frame);
      if (from !== C || !d.ok || d.packet.kind !== 'control') return frame;
      for (const o of d.packet.options)
        if (
          o.type === OptionType.PATH_PROBE &&
          (o.flags & PATH_PROBE_ECHO) === 0 &&
          own.has(`${o.ea}/${o.pathId}`)
        )
          probes.push({ at: net.now, path: `${o.ea}/${o.pathId}` });
      return frame;
    };
    return { net, K, C, own, probes };
  }

  // Pins the due rule and the budget: a path goes K periods unprobed (not fewer) and is probed within K more,
  // and a node probes ceil(E / K) paths a period at most (here one: never two in the same instant).
  it('each path is probed once it has gone K periods unprobed, and no more than ceil(E / K) a period', () => {
    const { net, K, own, probes } = middleOfFive();
    net.run(6 * K * HELLO);
    const instants = probes.map((p) => p.at);
    assert.equal(new Set(instants).size, instants.length, 'one probe per period at most');
    for (const path of own) {
      const at = probes.filter((p) => p.path === path).map((p) => p.at);
      assert.ok(at.length >= 5, `${path} probed ${at.length} times`);
      for (let i = 1; i < at.length; i++) {
        const gap = at[i] - at[i - 1];
        assert.ok(gap >= K * HELLO && gap <= (K + 2) * 1.1 * HELLO, `${path}: ${gap} ms between probes`);
      }
    }
  });

  // Pins the order: after a spell in which no node ran (a host starved of CPU), every path is overdue at once;
  // they go most overdue first, one a period, so the one probed longest ago is not made to wait behind the others.
  it('paths overdue together are probed most overdue first', () => {
    const { net, K, probes } = middleOfFive();
    net.run(4 * K * HELLO);
    const last = new Map<string, number>();
    for (const p of probes) last.set(p.path, p.at);
    const oldestFirst = [...last.entries()].sort((a, b) => a[1] - b[1]).map(([path]) => path);
    const mark = probes.length;
    for (let i = 0; i < 5; i++) net.stall(i, 3 * K * HELLO);
    net.run(4 * K * HELLO);
    const after = probes.slice(mark, mark + 4);
    assert.deepEqual(
      after.map((p) => p.path),
      oldestFirst,
    );
    for (let i = 1; i < 4; i++) assert.ok(after[i].at - after[i - 1].at < 1.2 * HELLO, 'one a period');
    for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), []);
  });
});

describe('vrr/path-check: a relay that a probe passes', () => {
  // The five-node line A B C D E (harness LINE, r = 2): C relays the A-E path with na = B, nb = D.
  const [LA, LB, , LD] = LINE;
  let hopSeq = 7000;

  /** What C sends from now on: [to, option] of the PATH_PROBE and TEARDOWN options. */
  function relayC() {
    const net = convergedLine();
    const c = net.nodes[2];
    const ae = c
      .routes()
      .find((r) => r.ea !== r.eb && [r.ea, r.eb].includes(LA) && [r.ea, r.eb].includes(LINE[4]));
    assert.ok(ae && ae.na === LB && ae.nb === LD, 'C relays A-E between B and D');
    const sent: [number, KnownOption][] = [];
    net.tap = (from, port, frame) => {
      const d = decodePacket(frame);
      if (from === 2 && d.ok && d.packet.kind === 'control')
        for (const o of d.packet.options)
          if (o.type === OptionType.PATH_PROBE || o.type === OptionType.TEARDOWN)
            sent.push([net.nodes[net.ports[2][port].peer].address, o]);
      return frame;
    };
    /** C receives one option from its linked neighbour B (port 0) or D (port 1). */
    const toC = (from: number, option: KnownOption) =>
      c.receive(
        from === LB ? 0 : 1,
        from,
        encodePacket({ kind: 'control', flags: 0, sender: from, seq: hopSeq++, options: [option] }),
      );
    return { net, c, ae, sent, toC };
  }

  // Pins the relay's rule: a probe passes only along its entry, from the neighbour the entry leads back to. One
  // from the other side is a break here: the sender is told (TEARDOWN, no vset: a failure) and the probe stops.
  it('a probe from a neighbour its entry does not lead back to: a teardown to that neighbour, not passed on', () => {
    const { c, ae, sent, toC } = relayC();
    const probe = {
      type: OptionType.PATH_PROBE,
      flags: PATH_PROBE_TOWARD_B,
      pathId: ae.pathId,
      ea: ae.ea,
      nonce: 5,
    } as const;
    const towardB = ae.ea === LA ? LD : LB; // where a probe toward eb goes on to
    const wrongSide = towardB; // ... and where it must not come from
    toC(wrongSide, probe);
    assert.deepEqual(sent, [
      [wrongSide, { type: OptionType.TEARDOWN, pathId: ae.pathId, ea: ae.ea, vset: null }],
    ]);
    assert.equal(c.counters()['pathProbe.brokenHere'], 1);
    // From the right side it passes on, unchanged.
    sent.length = 0;
    toC(ae.ea === LA ? LB : LD, probe);
    assert.deepEqual(sent, [[towardB, probe]]);
  });

  // Pins the memory of a break found by a probe: a relay with no entry for the path answers with a teardown and
  // remembers it, so the path's own setup, if it was still on its way, is turned back instead of installed.
  it('a probe of a path the relay does not hold: a teardown back, and its setup turned back if it comes later', () => {
    const { c, sent, toC } = relayC();
    const X = 0x020000000031;
    toC(LD, { type: OptionType.PATH_PROBE, flags: 0, pathId: 61, ea: X, nonce: 9 });
    assert.deepEqual(sent, [[LD, { type: OptionType.TEARDOWN, pathId: 61, ea: X, vset: null }]]);
    toC(LD, { type: OptionType.SETUP, pathId: 61, src: X, dst: LB, proxy: LB, vset: [] });
    assert.equal(c.counters()['setup.afterItsTeardown'], 1);
    assert.ok(!c.routes().some((r) => r.ea === X), 'nothing installed');
  });

  // Pins the orphan sweep's messages: an entry no probe passed for STALE_AFTER_ROUNDS x K periods is removed (a
  // path-down event saying why) and torn down both ways as a failure, so no piece of it stays at either side.
  it('an orphan entry no probe passes is torn down toward both of its sides', () => {
    const K = 4;
    const net = convergedLine({ pathCheckHellos: K });
    const c = net.nodes[2];
    const relay = c as unknown as { ctx: { paths: { routes: { add(r: object): boolean } } } };
    assert.ok(relay.ctx.paths.routes.add({ ea: LA, eb: LINE[4], pathId: 999, na: LB, nb: LD }), 'the orphan');
    const sent: [number, KnownOption][] = [];
    net.tap = (from, port, frame) => {
      const d = decodePacket(frame);
      if (from === 2 && d.ok && d.packet.kind === 'control')
        for (const o of d.packet.options)
          if (o.type === OptionType.TEARDOWN) sent.push([net.nodes[net.ports[2][port].peer].address, o]);
      return frame;
    };
    const mark = net.events.length;
    net.run((4 * K + 8 + 2) * 1.1 * HELLO);
    assert.equal(c.counters()['pathCheck.staleRelayEntry'], 1);
    const teardown = { type: OptionType.TEARDOWN, pathId: 999, ea: LA, vset: null };
    assert.deepEqual(
      new Set(
        sent
          .filter(([, o]) => o.type === OptionType.TEARDOWN && o.pathId === 999)
          .map(([to, o]) => `${to} ${JSON.stringify(o)}`),
      ),
      new Set([LB, LD].map((to) => `${to} ${JSON.stringify(teardown)}`)),
    );
    assert.ok(
      net.events
        .slice(mark)
        .some(
          (e) =>
            e.node === 2 &&
            e.event.type === 'path-down' &&
            e.event.pathId === 999 &&
            e.event.why === 'stale at this relay: no probe passed',
        ),
      'a path-down event says why',
    );
    for (const n of net.nodes) assert.deepEqual(n.checkInvariants(), []);
  });
});
