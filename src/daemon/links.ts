// vrrd's real links: one AF_PACKET socket per interface, each one port of the node. Frames in go to the node;
// frames out go through the interface's LinkEmulator when emulation is set for it. The carrier of every
// interface is watched, so a link set down fails its neighbours at once (node.removePort) instead of after
// several silent hello periods, and a link that comes back gets a fresh socket (its ifindex may have changed).
// An idle daemon should cost next to nothing (issue 18), so watching takes no wake-up of its own while every link
// is up: a link is checked when a frame goes out on it (the node's hellos go out on every port every period), at
// most once per poll period, with one sysfs read; only while a link is down does a timer poll it.

import type { LinkParams } from '../topology/types.ts';
import type { LinkAddress, PortId } from '../vrr/env.ts';
import { createRng, deriveSeed } from '../vrr/rng.ts';
import { formatEmulation, isUnimpaired } from '../topology/emulation-spec.ts';
import { LinkEmulator, NO_IMPAIRMENT, type LinkEmulatorCounters } from './link-emulation.ts';
import type { Logger } from './logger.ts';
import { openPacketSocket, VRR_ETHERTYPE, type LinkCounters, type PacketSocket } from './native/index.ts';
import type { NodeNamespace } from './node-namespace.ts';
import { monotonicNow } from './wall-env.ts';

/** Frames per wake-up of a link's socket. */
const LINK_BUDGET = 256;

/** What the links report to the daemon. */
export interface LinksHandlers {
  /** A VRR frame arrived (payload after the Ethernet header; padding is the decoder's business). */
  onFrame(port: PortId, from: LinkAddress, payload: Uint8Array): void;
  /** A port can carry frames (at start, or its carrier came back). */
  onPortUp(port: PortId, mtu: number): void;
  /** A port lost its carrier (or its interface vanished). */
  onPortDown(port: PortId, why: string): void;
}

/** Options for Links. */
export interface LinksOptions {
  interfaces: readonly string[];
  /** Initial emulation per interface name. */
  emulation: Readonly<Record<string, Partial<LinkParams>>>;
  /** Run seed: each interface's emulator draws from deriveSeed(seed, "link:<ifname>"). */
  seed: number;
  /** Carrier polling period: how often a link is checked (as it sends, or by a timer while it is down). */
  pollMs: number;
  logger: Logger;
  /** Where the interfaces are: sockets are opened and carriers read there. */
  netns: NodeNamespace;
}

/** One interface as `vrrctl link show` reports it. */
export interface LinkReport {
  port: PortId;
  interface: string;
  up: boolean;
  mac: number | null;
  mtu: number | null;
  emulation: Record<string, string>;
  emulated: boolean;
  socket: LinkCounters | null;
  emulator: LinkEmulatorCounters | null;
  /** Times the carrier was lost since start. */
  downs: number;
  /** Frames the node sent while the port had no socket. */
  sentWhileDown: number;
}

interface Link {
  port: PortId;
  ifname: string;
  socket: PacketSocket | null;
  emulator: LinkEmulator | null;
  params: LinkParams;
  downs: number;
  sentWhileDown: number;
  /** Counters of sockets closed earlier, so totals survive a down/up. */
  closedCounters: LinkCounters | null;
  /** When its carrier was last checked (monotonicNow). */
  checkedAt: number;
}

/** The daemon's set of real links. */
export class Links {
  readonly #links: Link[];
  readonly #opts: LinksOptions;
  #handlers: LinksHandlers | null = null;
  /** The poll of links that are down; null while every link is up (they are checked as they send). */
  #poll: NodeJS.Timeout | null = null;
  /** Links that sent and are due a check, in the microtask queued for them (see send). */
  #due: Link[] = [];

  /** Names the links; nothing is opened until start(). */
  constructor(opts: LinksOptions) {
    this.#opts = opts;
    this.#links = opts.interfaces.map((ifname, port) => ({
      port,
      ifname,
      socket: null,
      emulator: null,
      params: { ...NO_IMPAIRMENT },
      downs: 0,
      sentWhileDown: 0,
      closedCounters: null,
      checkedAt: -Infinity,
    }));
    for (const [ifname, params] of Object.entries(opts.emulation)) this.setEmulation(ifname, params);
  }

  /** Interface names, by port. */
  get interfaces(): string[] {
    return this.#links.map((l) => l.ifname);
  }

  /** Opens a socket on every usable interface (reporting each as up) and starts watching carriers. */
  start(handlers: LinksHandlers): void {
    this.#handlers = handlers;
    for (const link of this.#links) this.#check(link);
    this.#armPoll();
  }

  /** Sends a VRR frame on a port (through its emulator if it has one); to = null is broadcast. */
  send(port: PortId, to: LinkAddress | null, frame: Uint8Array): void {
    const link = this.#links[port];
    // A link that sends is checked now and then: no timer need wake an idle daemon for it. (A little under the
    // period: hello periods are jittered, and each hello should find its link checked.) Not here and now: a port
    // going down changes the node's tables, and the node is in the middle of sending; a microtask runs once it
    // has returned, in the same turn of the loop: one for all the links a hello goes out on (each microtask costs
    // Node an AsyncResource).
    if (link?.socket && monotonicNow() - link.checkedAt >= 0.8 * this.#opts.pollMs) {
      link.checkedAt = monotonicNow();
      if (this.#due.length === 0) queueMicrotask(() => this.#checkDue());
      this.#due.push(link);
    }
    if (!link || !link.socket) {
      if (link) link.sentWhileDown++;
      return;
    }
    const socket = link.socket;
    if (link.emulator && (link.emulator.pending > 0 || !isUnimpaired(link.params))) {
      // The frame may leave later: send on whatever socket the link has then (none if it went down).
      link.emulator.submit(frame, (f) => link.socket?.send(to, f));
      return;
    }
    socket.send(to, frame);
  }

  /** Changes an interface's emulation live (merged into its current settings); returns the settings in force. */
  setEmulation(ifname: string, params: Partial<LinkParams>): LinkParams {
    const link = this.#links.find((l) => l.ifname === ifname);
    if (!link) {
      throw new RangeError(
        `no link on interface ${JSON.stringify(ifname)} (vrrd runs on: ${this.interfaces.join(', ')})`,
      );
    }
    const next = { ...link.params, ...params };
    if (!link.emulator) {
      link.emulator = new LinkEmulator(
        {
          now: monotonicNow,
          setTimer: wallTimer,
          rng: createRng(deriveSeed(this.#opts.seed, `link:${ifname}`)),
        },
        next,
      );
    } else {
      link.emulator.update(next);
    }
    link.params = link.emulator.params;
    return { ...link.params };
  }

  /** Every link's state, settings and counters. */
  report(): LinkReport[] {
    return this.#links.map((l) => ({
      port: l.port,
      interface: l.ifname,
      up: l.socket !== null,
      mac: l.socket?.mac ?? null,
      mtu: l.socket?.mtu ?? null,
      emulation: formatEmulation(l.params),
      emulated: !isUnimpaired(l.params),
      socket: sumCounters(l.closedCounters, l.socket?.counters ?? null),
      emulator: l.emulator?.counters ?? null,
      downs: l.downs,
      sentWhileDown: l.sentWhileDown,
    }));
  }

  /** Closes every socket and emulator and stops watching; idempotent. */
  close(): void {
    if (this.#poll) clearTimeout(this.#poll);
    this.#poll = null;
    for (const link of this.#links) {
      link.emulator?.close();
      link.socket?.close();
      link.socket = null;
    }
    this.#handlers = null;
  }

  /**
   * Brings a link's socket in line with its interface's carrier. An idle daemon does this every poll on every
   * link, so the usual case costs one sysfs read: operstate "up" on a link with a socket is a link as it was.
   * Anything else (a change, or a driver that reports no operstate) reads the interface in full.
   */
  #check(link: Link): void {
    link.checkedAt = monotonicNow();
    if (link.socket !== null && this.#opts.netns.carrierUp(link.ifname)) return;
    const info = this.#opts.netns.readInterface(link.ifname);
    const usable = info !== null && info.up && info.carrier;
    if (usable && !link.socket) this.#open(link);
    else if (!usable && link.socket) {
      this.#closeSocket(link);
      link.downs++;
      const why = info === null ? 'interface gone' : info.up ? 'no carrier' : 'interface down';
      this.#opts.logger.info('link down', { interface: link.ifname, port: link.port, why });
      this.#handlers?.onPortDown(link.port, `${link.ifname}: ${why}`);
    }
  }

  #checkDue(): void {
    const due = this.#due;
    this.#due = [];
    if (this.#handlers === null) return; // closed meanwhile
    for (const link of due) this.#check(link);
    this.#armPoll();
  }

  /** Polls the links that are down every pollMs while there are any (links that are up are checked as they send). */
  #armPoll(): void {
    if (this.#poll !== null || this.#handlers === null) return;
    if (this.#links.every((l) => l.socket !== null)) return;
    this.#poll = setTimeout(() => {
      this.#poll = null;
      for (const link of this.#links) if (link.socket === null) this.#check(link);
      this.#armPoll();
    }, this.#opts.pollMs);
  }

  #open(link: Link): void {
    let socket: PacketSocket;
    try {
      // Batched writes: the frames one wake-up produces (a burst forwarded, a TSO super-packet cut into
      // segments) leave in one sendmmsg; a larger budget lets a busy link's backlog go in fewer wake-ups.
      socket = openPacketSocket(link.ifname, VRR_ETHERTYPE, {
        batchWrites: true,
        budget: LINK_BUDGET,
        netns: this.#opts.netns.openOption,
      });
    } catch (error) {
      // Raced with the interface going away again: the next poll retries.
      this.#opts.logger.warn('cannot open packet socket', {
        interface: link.ifname,
        netns: this.#opts.netns.label,
        error,
      });
      return;
    }
    link.socket = socket;
    const port = link.port;
    socket.onFrames((frames) => {
      const handlers = this.#handlers;
      if (!handlers) return;
      for (const f of frames) handlers.onFrame(port, f.src, f.payload);
    });
    this.#opts.logger.info('link up', { interface: link.ifname, port, mtu: socket.mtu });
    this.#handlers?.onPortUp(port, socket.mtu);
  }

  #closeSocket(link: Link): void {
    if (!link.socket) return;
    link.closedCounters = sumCounters(link.closedCounters, link.socket.counters);
    link.socket.close();
    link.socket = null;
  }
}

function wallTimer(delayMs: number, fire: () => void): { cancel(): void } {
  const t = setTimeout(fire, Math.max(0, delayMs));
  return { cancel: () => clearTimeout(t) };
}

function sumCounters(a: LinkCounters | null, b: LinkCounters | null): LinkCounters | null {
  if (!a) return b;
  if (!b) return a;
  return {
    rx: a.rx + b.rx,
    rxBytes: a.rxBytes + b.rxBytes,
    rxFiltered: a.rxFiltered + b.rxFiltered,
    rxErrors: a.rxErrors + b.rxErrors,
    tx: a.tx + b.tx,
    txBytes: a.txBytes + b.txBytes,
    txDropped: a.txDropped + b.txDropped,
    txErrors: a.txErrors + b.txErrors,
    lastError: b.lastError ?? a.lastError,
    rxOffloaded: a.rxOffloaded + b.rxOffloaded,
    txMerged: a.txMerged + b.txMerged,
    txBatches: a.txBatches + b.txBatches,
  };
}
