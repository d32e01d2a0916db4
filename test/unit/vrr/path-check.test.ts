import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/vrr/config.ts';
import { incompletePaths } from '../../../src/sim/fuzz/complete-paths.ts';
import type { VrrNode } from '../../../src/vrr/node.ts';
import { decodePacket, encodePacket } from '../../../src/vrr/wire/index.ts';
import { OptionType } from '../../../src/vrr/wire/types.ts';
import { TestNet } from './harness.ts';

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
