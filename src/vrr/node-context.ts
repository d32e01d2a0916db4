// What the table modules of one VrrNode share: its identity, environment, option codecs, counters and timers, the
// node-wide state (running, active), the reactions that span several tables (a link lost, the vset changed,
// activation, the hello period's housekeeping) and the modules themselves, through which each reaches the others.
// node.ts builds one per node and keeps the driver interface; each table lives in the module that owns it:
//
//   links.ts           pset and ports: neighbours, hellos, link state, frames out          (Links)
//   hello-pacer.ts     when hellos go: the period, fast while neighbours change, the gap    (HelloPacer, in Links)
//   paths.ts           vset and routes: path setup and teardown, the teardown-first guard  (Paths)
//   path-check.ts      end-to-end probes of this node's paths, their schedule              (PathCheck)
//   setup.ts           pending setups, hold-offs, the loop guard: routed setup_req/fail     (SetupRequests)
//   self-check.ts      the vset self-check timer                                             (SelfCheck)
//   repair.ts          representatives: bootstrap election, partition repair               (Repair, RepTable)
//   data-forwarding.ts data packets in and out                                              (DataForwarding)
//   reliable.ts        hop-by-hop acknowledgements                                          (ReliableControl)
//
// Invariants (checked by test/unit/vrr/node-context.test.ts):
//  - every timer armed through timer() is in `timers` until it fires or is cancelled; stopTimers() empties it;
//  - a timer's callback runs only while the node is running;
//  - the node's rng is drawn in a fixed order at construction (representatives, hellos, reliability), so a seed
//    gives the same node whatever module layout builds it.

import type { Address } from './address.ts';
import type { VrrConfig } from './config.ts';
import { DataForwarding } from './data-forwarding.ts';
import type { LinkAuth } from './auth/link-auth.ts';
import type { TimerHandle, VrrEnv } from './env.ts';
import type { NodeExtension } from './extension.ts';
import { nextHop, type ForwardingTables, type NextHop } from './forwarding.ts';
import { Links } from './links.ts';
import { PathCheck } from './path-check.ts';
import { Paths } from './paths.ts';
import { EXTENSION_QUEUE_LIMIT, ReliableControl } from './reliable.ts';
import { Repair } from './repair.ts';
import { SelfCheck } from './self-check.ts';
import { SetupRequests } from './setup.ts';
import { encodePacket } from './wire/packet.ts';
import type { OptionRegistry } from './wire/option-registry.ts';
import { OptionType, type KnownOption, type Packet } from './wire/types.ts';

/** The shared state and the modules of one node. */
export class NodeContext {
  readonly address: Address;
  /** Named counters (vrrctl stats), in the order they were first bumped. */
  readonly stats: Record<string, number> = {};
  /** The counters bumped for every frame, kept apart from `stats` (a string-keyed lookup per frame adds up). */
  readonly traffic = { framesIn: 0, framesOut: 0, controlBytesOut: 0, helloOut: 0 };
  running = false;
  active = false;
  readonly extensions: NodeExtension[] = [];

  readonly repair: Repair;
  readonly links: Links;
  readonly reliable: ReliableControl;
  readonly paths: Paths;
  readonly pathCheck: PathCheck;
  readonly setups: SetupRequests;
  readonly selfCheck: SelfCheck;
  readonly data: DataForwarding;

  private readonly timers = new Set<TimerHandle>();
  /** Last time a linked active neighbour was seen (for bootstrapping). */
  private lastActiveNeighborAt = 0;

  constructor(
    readonly config: Readonly<VrrConfig>,
    readonly env: VrrEnv,
    /** The option codecs this node speaks: the core's and those of its attached extensions. */
    readonly registry: OptionRegistry,
    /** Seals and admits frames in a keyed mesh (env already seals what it sends); null when not keyed. */
    readonly auth: LinkAuth | null = null,
  ) {
    this.address = config.address;
    // The order of the rng draws: representatives' sequence, hello sequence, reliability's.
    this.repair = new Repair(this);
    this.links = new Links(this);
    this.reliable = new ReliableControl(
      {
        // One timer per packet in flight, the most armed of all: not through timer(), whose list stop() walks,
        // since stop() stops the layer itself (reliable.stop()).
        setTimer: (ms, fire) => this.env.setTimer(ms, fire),
        resend: (to, frame) => this.links.sendFrame(to, frame, true),
        onGiveUp: (n) => this.links.fail(n, 'control packets not acknowledged'),
        onRetransmit: () => this.count('retransmits'),
        onQueueFull: () => this.count('reliable.queueFull'),
        now: () => this.env.now(),
        silent: (n) => this.links.overdue(n),
      },
      config.ackTimeoutMs,
      config.maxRetransmits,
      env.rng.u32(),
    );
    this.paths = new Paths(this);
    this.pathCheck = new PathCheck(this);
    this.setups = new SetupRequests(this);
    this.selfCheck = new SelfCheck(this);
    this.data = new DataForwarding(this);
  }

  /** Starts the clock of the node's own periods. */
  start(): void {
    this.running = true;
    this.lastActiveNeighborAt = this.env.now();
  }

  /** Adds to a counter. */
  count(name: string, by = 1): void {
    this.stats[name] = (this.stats[name] ?? 0) + by;
  }

  /** Arms a timer that stopTimers() cancels; the returned handle forgets itself when it fires or is cancelled. */
  timer(ms: number, fire: () => void): TimerHandle {
    const inner = this.env.setTimer(Math.max(0, ms), () => {
      this.timers.delete(handle);
      if (this.running) fire();
    });
    const handle: TimerHandle = {
      cancel: () => {
        this.timers.delete(handle);
        inner.cancel();
      },
    };
    this.timers.add(handle);
    return handle;
  }

  /** Cancels every timer armed through timer(). */
  stopTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }

  /** Timers armed through timer() and not yet fired or cancelled (tests). */
  get armedTimers(): number {
    return this.timers.size;
  }

  /** Encodes a packet with this node's codecs. */
  encode(packet: Packet): Uint8Array {
    return encodePacket(packet, this.registry);
  }

  /** Sends options to a linked neighbour; acknowledged options are tracked and retransmitted. */
  sendControl(to: Address, ...options: KnownOption[]): boolean {
    let reliable = false;
    for (const o of options) if (o.type !== OptionType.HELLO && o.type !== OptionType.ACK) reliable = true;
    const seq = reliable ? this.reliable.allocateSeq() : 0;
    const frame = this.encode({ kind: 'control', flags: 0, sender: this.address, seq, options });
    // A neighbour with a full window (it is slow to acknowledge: a starved host) gets it later, in order.
    if (reliable && !this.reliable.mayTransmit(to)) {
      this.count('reliable.queued');
      this.reliable.enqueue(to, seq, frame);
      return true;
    }
    if (!this.links.sendFrame(to, frame, true)) return false;
    if (reliable) this.reliable.track(to, seq, frame);
    return true;
  }

  /**
   * Sends an extension's options (DHT, multicast) like sendControl, unless they may be shed (their extension retries
   * end to end) and would wait behind a long queue for that neighbour (EXTENSION_QUEUE_LIMIT): then they are shed,
   * counted, and reported sent, as a lost frame would be.
   */
  sendExtension(to: Address, sheddable: boolean, ...options: KnownOption[]): boolean {
    if (sheddable && this.reliable.queuedFor(to) >= EXTENSION_QUEUE_LIMIT) {
      this.count('reliable.extensionShed');
      return true;
    }
    return this.sendControl(to, ...options);
  }

  /** Where a VRR control message for dst would go from here (data: DataForwarding.hop). */
  nextHop(dst: Address, exclude: Address | null = null): NextHop {
    return nextHop(this.forwardingTables(), dst, exclude);
  }

  /** The tables the forwarding rule reads, now. */
  forwardingTables(): ForwardingTables {
    return {
      me: this.address,
      pset: this.links.pset,
      routes: this.paths.routes,
      reps: this.repair.table,
      now: this.env.now(),
    };
  }

  /** The node joined a ring (its own join was answered, or it is the first node of one). */
  becomeActive(why: string): void {
    if (this.active) return;
    this.active = true;
    this.repair.table.invalidateAll(); // records learned while inactive may lead through inactive nodes: relearn them
    this.setups.resolveSetup(this.address);
    this.env.emit({ type: 'active', why });
    this.links.scheduleTriggeredHello();
    this.selfCheck.schedule();
  }

  /** The vset changed: the self-check restarts its backoff, extensions hear of it. */
  notifyVsetChange(added: Address[], removed: Address[]): void {
    this.selfCheck.schedule();
    for (const e of this.extensions) e.onVsetChange?.(added, removed);
  }

  /** A linked neighbour is gone: forget what was in flight to it, the records heard from it, paths through it. */
  neighborLost(n: Address): void {
    this.reliable.forget(n);
    this.repair.table.forgetVia(n);
    this.paths.onNeighborLost(n);
  }

  /**
   * Once per hello period: timeouts, bootstrapping, rep aging, repair attempts. `lateMs` is how late this
   * period's timer fired: this node did not run meanwhile (a host short of CPU, a stalled simulated node), and
   * that time is not counted as its neighbours' silence (Links.checkSilence). Periods more than half a period
   * late are counted as `lateTimers`.
   */
  periodic(lateMs = 0): void {
    const now = this.env.now();
    const c = this.config;
    if (lateMs > c.helloMs / 2) this.count('lateTimers');
    this.links.checkSilence(now, Math.max(0, lateMs));
    this.setups.expireHolds(now);
    this.repair.table.expire(now);

    const proxies = this.links.pset.linkedActive();
    if (proxies.length > 0) this.lastActiveNeighborAt = now;
    if (!this.active) {
      if (proxies.length > 0) {
        this.setups.requestSetup(this.address, 'join');
      } else if (
        now - this.lastActiveNeighborAt >= c.bootstrapHellos * c.helloMs &&
        !this.repair.knowsSmallerRep()
      ) {
        this.becomeActive('no active neighbour: first node of a ring');
      }
      return;
    }
    this.repair.seekBetterNeighbors(now);
    this.pathCheck.tick(now);
  }
}
