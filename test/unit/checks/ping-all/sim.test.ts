import assert from 'node:assert/strict';
import { pingAll, PROBE_NEXT_HEADER, type PingNetwork } from '../../../../src/checks/ping-all/sim.ts';
import { SimClock } from '../../../../src/sim/sim-clock.ts';
import type { Address } from '../../../../src/vrr/address.ts';
import type { DataPacket } from '../../../../src/vrr/wire/types.ts';
import { DEFAULT_CONFIG } from '../../../../src/vrr/config.ts';
import type { UpLink } from '../../../../src/checks/ring-consistent/verdict.ts';

// A network that delivers along shortest paths, 1 ms per hop, with per-pair misbehaviour on demand.
class FakePingNetwork implements PingNetwork {
  readonly clock = new SimClock();
  readonly sent: string[] = [];
  /** "a>b" -> how many attempts to lose before delivering (Infinity: always). */
  lose = new Map<string, number>();
  noRoute = new Set<string>();
  /** "a>b" -> extra hops travelled. */
  detour = new Map<string, number>();
  duplicate = new Set<string>();
  misdeliver = new Map<string, string>();
  private listeners: ((node: string, packet: DataPacket) => void)[] = [];

  constructor(
    readonly seed: number,
    private readonly names: string[],
    private readonly links: UpLink[],
  ) {}

  nodeNames(): string[] {
    return this.names;
  }
  isAlive(): boolean {
    return true;
  }
  addressOf(name: string): Address {
    return this.names.indexOf(name) + 1000;
  }
  upLinks(): UpLink[] {
    return this.links;
  }
  now(): number {
    return this.clock.now();
  }
  onDeliver(listener: (node: string, packet: DataPacket) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }
  runUntilTrue(predicate: () => boolean, opts: { everyMs: number; deadlineMs: number }): number | null {
    for (;;) {
      if (predicate()) return this.clock.now();
      if (this.clock.now() >= opts.deadlineMs) return null;
      this.clock.runUntil(Math.min(this.clock.now() + opts.everyMs, opts.deadlineMs));
    }
  }
  sendData(from: string, dst: Address, payload: Uint8Array, opts?: { nextHeader?: number }): boolean {
    const to = this.names[dst - 1000];
    const key = `${from}>${to}`;
    this.sent.push(key);
    if (this.noRoute.has(key)) return false;
    const losses = this.lose.get(key) ?? 0;
    if (losses > 0) {
      this.lose.set(key, losses - 1);
      return true;
    }
    const hops = this.distance(from, to) + (this.detour.get(key) ?? 0);
    const packet: DataPacket = {
      kind: 'data',
      flags: 0,
      hopLimit: DEFAULT_CONFIG.hopLimit - hops + 1,
      dataFlags: 0,
      nextHeader: opts?.nextHeader ?? 0,
      src: this.addressOf(from),
      dst,
      payload,
    };
    const at = this.misdeliver.get(key) ?? to;
    const copies = this.duplicate.has(key) ? 2 : 1;
    for (let i = 0; i < copies; i++)
      this.clock.schedule(hops, () => this.listeners.forEach((l) => l(at, packet)));
    return true;
  }
  private distance(a: string, b: string): number {
    const dist = new Map([[a, 0]]);
    const queue = [a];
    for (let i = 0; i < queue.length; i++) {
      for (const [x, y] of this.links) {
        for (const [u, v] of [
          [x, y],
          [y, x],
        ]) {
          if (u === queue[i] && !dist.has(v)) {
            dist.set(v, dist.get(u)! + 1);
            queue.push(v);
          }
        }
      }
    }
    return dist.get(b)!;
  }
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const lineLinks = (ns: string[]): UpLink[] => ns.slice(1).map((b, i) => [ns[i], b] as const);

describe('pingAll', () => {
  it('pings every ordered pair and measures hops and stretch', () => {
    const ns = names(4);
    const net = new FakePingNetwork(1, ns, lineLinks(ns));
    const result = pingAll(net);
    assert.equal(result.passed, true);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.figures, {
      pairs: 12,
      delivered: 12,
      deliveryPct: 100,
      meanStretch: 1,
      maxStretch: 1,
      meanHops: 1.667,
      retries: 0,
      crossPartitionPairs: 0,
    });
  });

  it('retries a lost probe, and lists pairs that never arrive', () => {
    const ns = names(3);
    const net = new FakePingNetwork(1, ns, lineLinks(ns));
    net.lose.set('n1>n3', 2);
    net.lose.set('n3>n2', Infinity);
    const result = pingAll(net, { timeoutMs: 100 });
    assert.equal(result.passed, false);
    assert.equal(result.figures.delivered, 5);
    assert.equal(result.figures.retries, 2 + 3);
    assert.deepEqual(result.problems, ['n3 -> n2: lost (4 attempts)']);
    assert.equal(net.sent.filter((k) => k === 'n1>n3').length, 3);
  });

  it('says when the source had no route, and when the probe reached the wrong node', () => {
    const ns = names(3);
    const net = new FakePingNetwork(1, ns, lineLinks(ns));
    net.noRoute.add('n2>n1');
    net.misdeliver.set('n1>n2', 'n3');
    const result = pingAll(net, { retries: 0, timeoutMs: 50 });
    assert.deepEqual(result.problems, [
      'n1 -> n2: delivered to n3 instead',
      'n2 -> n1: no route at the source',
    ]);
  });

  it('computes stretch against the shortest physical path and counts duplicates once', () => {
    const ns = names(3);
    const net = new FakePingNetwork(1, ns, lineLinks(ns));
    net.detour.set('n1>n2', 2); // 3 hops where 1 would do
    net.duplicate.add('n2>n3');
    const result = pingAll(net);
    assert.equal(result.figures.delivered, 6);
    assert.equal(result.figures.maxStretch, 3);
    assert.equal(result.figures.meanStretch, 1.333);
  });

  it('samples pairs on large networks, deterministically for a seed', () => {
    const ns = names(30);
    const pairsSent = (seed: number): string[] => {
      const net = new FakePingNetwork(seed, ns, lineLinks(ns));
      const result = pingAll(net, { sampleAbove: 10, samplePairs: 50 });
      assert.equal(result.figures.pairs, 50);
      assert.equal(new Set(net.sent).size, 50);
      return net.sent;
    };
    assert.deepEqual(pairsSent(3), pairsSent(3));
    assert.notDeepEqual(pairsSent(3), pairsSent(4));
  });

  it('leaves out pairs in different partitions', () => {
    const ns = names(4);
    const net = new FakePingNetwork(1, ns, [
      ['n1', 'n2'],
      ['n3', 'n4'],
    ]);
    const result = pingAll(net);
    assert.equal(result.figures.pairs, 4);
    assert.equal(result.figures.crossPartitionPairs, 8);
    assert.equal(result.passed, true);
  });

  it('sends probes in batches and ignores packets that are not probes', () => {
    const ns = names(5);
    const net = new FakePingNetwork(1, ns, lineLinks(ns));
    const stray = net.onDeliver(() => {});
    stray();
    net.sendData('n1', net.addressOf('n2'), new Uint8Array(8), { nextHeader: PROBE_NEXT_HEADER + 1 });
    const result = pingAll(net, { batchSize: 3 });
    assert.equal(result.figures.delivered, 20);
  });
});
