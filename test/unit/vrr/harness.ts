// A minimal deterministic driver for VrrNode unit tests: a virtual clock, a heap of timers, point-to-point links
// with a fixed delay, and a record of every event. (The full simulator lives in src/sim; this keeps the core's
// tests independent of it.)

import { VrrNode, type NodeSecurity } from '../../../src/vrr/node.ts';
import { createRng, deriveSeed } from '../../../src/vrr/rng.ts';
import type { VrrEvent } from '../../../src/vrr/events.ts';
import type { DataPacket } from '../../../src/vrr/wire/types.ts';
import type { VrrConfig } from '../../../src/vrr/config.ts';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
  dead: boolean;
  /** The node it belongs to (its timer, or a frame arriving at it), if any. */
  node?: number;
  /** Frames wait behind timers due at the same instant (a daemon's loop runs timers before it polls). */
  frame?: boolean;
}

interface Port {
  peer: number;
  peerPort: number;
  up: boolean;
}

/** A small network of VrrNodes on a virtual clock. */
export class TestNet {
  now = 0;
  private seq = 0;
  private timers: Timer[] = [];
  readonly nodes: VrrNode[] = [];
  readonly ports: Port[][] = [];
  readonly events: { at: number; node: number; event: VrrEvent }[] = [];
  readonly delivered: { node: number; packet: DataPacket }[] = [];
  /** Until when each node is stalled (a host out of CPU): its timers and arriving frames wait. */
  private readonly stalledUntil = new Map<number, number>();
  /** Frames sent, as (from node, port, bytes): tests may inspect or tamper with traffic. */
  tap: ((from: number, port: number, frame: Uint8Array) => Uint8Array | null) | null = null;
  /** Extra ms a frame sent now takes (a host whose event loop runs late), 0 when null. */
  extraDelay: ((from: number, port: number, frame: Uint8Array) => number) | null = null;

  constructor(
    addresses: number[],
    private readonly seed = 1,
    private readonly config: Partial<VrrConfig> = {},
    /** Each node's link protection (a network key), by index. */
    private readonly security: (i: number) => NodeSecurity = () => ({}),
  ) {
    addresses.forEach((address, i) => {
      this.ports.push([]);
      this.nodes.push(this.makeNode(i, address));
    });
  }

  private makeNode(i: number, address: number): VrrNode {
    return new VrrNode(
      { helloMs: 1000, ...this.config, address },
      {
        now: () => this.now,
        setTimer: (ms, fire) => this.at(this.now + ms, fire, i),
        rng: createRng(deriveSeed(this.seed, `node${i}`)),
        send: (port, _to, frame) => this.transmit(i, port, frame),
        deliver: (packet) => this.delivered.push({ node: i, packet }),
        emit: (event) => this.events.push({ at: this.now, node: i, event }),
      },
      this.security(i),
    );
  }

  /** Crashes node i and starts it again from nothing (same address, same seed, its ports kept). */
  restart(i: number): void {
    this.nodes[i].stop();
    const node = this.makeNode(i, this.nodes[i].address);
    this.nodes[i] = node;
    this.ports[i].forEach((_, port) => node.addPort(port));
    node.start();
  }

  /** Connects node a and node b with a new port on each. */
  link(a: number, b: number): this {
    const pa = this.ports[a].length;
    const pb = this.ports[b].length;
    this.ports[a].push({ peer: b, peerPort: pb, up: true });
    this.ports[b].push({ peer: a, peerPort: pa, up: true });
    this.nodes[a].addPort(pa);
    this.nodes[b].addPort(pb);
    return this;
  }

  /** Cuts the link between a and b silently (both sides find out through hellos). */
  cut(a: number, b: number): void {
    for (const p of this.ports[a]) if (p.peer === b) p.up = false;
    for (const p of this.ports[b]) if (p.peer === a) p.up = false;
  }

  /**
   * Stalls node i for ms, as a process starved of CPU: nothing of it runs meanwhile; then its overdue timers
   * fire (late) before the frames that arrived meanwhile are read, the order of a daemon's event loop.
   */
  stall(i: number, ms: number): void {
    this.stalledUntil.set(i, this.now + ms);
  }

  start(): this {
    for (const n of this.nodes) n.start();
    return this;
  }

  /** Runs the clock forward by ms. */
  run(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((x, y) => x.at - y.at || Number(!!x.frame) - Number(!!y.frame) || x.seq - y.seq);
      const t = this.timers[0];
      if (!t || t.at > end) break;
      this.timers.shift();
      if (t.dead) continue;
      const stalled = t.node === undefined ? undefined : this.stalledUntil.get(t.node);
      if (stalled !== undefined && stalled > t.at) {
        this.timers.push({ ...t, at: stalled });
        continue;
      }
      this.now = t.at;
      t.fire();
    }
    this.now = end;
  }

  private at(at: number, fire: () => void, node?: number, frame = false): { cancel(): void } {
    const t: Timer = { at, seq: this.seq++, fire, dead: false, node, frame };
    this.timers.push(t);
    return {
      cancel: () => {
        t.dead = true;
        // A stalled timer was re-queued as a copy: kill that one too.
        for (const x of this.timers) if (x.fire === fire && x.seq === t.seq) x.dead = true;
      },
    };
  }

  private transmit(from: number, port: number, frame: Uint8Array): void {
    const p = this.ports[from][port];
    if (!p?.up) return;
    const bytes = this.tap ? this.tap(from, port, frame) : frame;
    if (!bytes) return;
    const copy = bytes.slice();
    const sender = this.nodes[from].address;
    this.at(
      this.now + 1 + (this.extraDelay?.(from, port, bytes) ?? 0),
      () => {
        if (p.up) this.nodes[p.peer].receive(p.peerPort, sender, copy);
      },
      p.peer,
      true,
    );
  }
}

/** Addresses A B C D E = 0x10 .. 0x50 (in the locally administered range): the five-node line of the path tests. */
export const LINE = [0x10, 0x20, 0x30, 0x40, 0x50].map((x) => 0x020000000000 + x);

/** The five-node LINE linked in a row (r = 2, seed 1, plus `config`), run 30 s: converged. */
export function convergedLine(config: Partial<VrrConfig> = {}): TestNet {
  const net = new TestNet(LINE, 1, { vsetSize: 2, ...config });
  for (let i = 0; i < LINE.length - 1; i++) net.link(i, i + 1);
  net.start();
  net.run(30_000);
  return net;
}
