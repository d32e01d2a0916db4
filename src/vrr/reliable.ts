// Hop-by-hop reliability for the control options marked "Ack'd hop by hop" (docs/wire.md): each such packet
// carries a non-zero sequence, the neighbour answers with an ACK, and the sender retransmits with exponential
// backoff until acknowledged or out of tries (then the caller fails the link). Receivers drop duplicates of
// packets they already processed (a lost ACK makes the sender repeat) but acknowledge them again.
// The first retransmission waits for a per-neighbour timeout learnt from the ACKs' round trips (Jacobson's
// SRTT + 4 RTTVAR, Karn's rule: only packets sent once are timed), never below the configured ackTimeoutMs
// nor above MAX_ACK_TIMEOUT_MS. A fixed timeout is right in the simulator, where a hop costs what the link
// says; on a real host that is short of CPU (a hundred daemons on two cores) an ACK may take longer than
// it, and retransmitting then only adds load until links fail for want of CPU, not of connectivity.
//
// Under overload (a neighbour whose host is starved, issue 18) this degrades gracefully rather than storm:
//  - at most MAX_IN_FLIGHT packets per neighbour are unacknowledged at once; more wait in a queue of at most
//    MAX_QUEUED (sent in order as ACKs free the window); past that, a neighbour being retransmitted to takes nothing
//    and fails, and a packet to one that answers is dropped and counted (MAX_QUEUED says why);
//  - only the oldest unacknowledged packet to a neighbour is retransmitted while the neighbour answers nothing: the
//    others' timers find it retrying and wait (no try counted), and are armed again when it is acknowledged
//    (their own ACKs usually follow in the same burst). A stalled neighbour costs one retransmission per backoff
//    step, not one per packet in flight;
//  - nor is anything retransmitted to a neighbour whose hellos are overdue (ReliableEnv.silent): the packet waits
//    (no try counted) until it is heard again or fails for its silence.
//
// Invariants: at most one pending entry per (neighbour, sequence); every pending entry has exactly one armed
// timer, but those waiting behind a retransmitted one, which have none; at most MAX_IN_FLIGHT pending and
// MAX_QUEUED queued per neighbour, and packets queue only behind a full window; `forget(neighbour)` leaves nothing
// of that neighbour behind; after `stop()` no timer is armed and nothing is queued; state is kept only for linked
// neighbours (node.ts takes ACKs and acknowledged packets from them alone, and a lost link forgets its
// neighbour), at most DEDUPE_WINDOW sequences each (limits.ts). Owned by node-context.ts alone.

import type { Address } from './address.ts';
import { AddressMap } from './address-map.ts';
import { RoundTrip } from './round-trip.ts';
import type { TimerHandle } from './env.ts';
import { DEDUPE_WINDOW } from './limits.ts';

interface Pending {
  readonly neighbor: Address;
  readonly seq: number;
  /** The encoded packet, sent again as it was (`ReliableEnv.resend`). */
  readonly frame: Uint8Array;
  tries: number;
  /** Times its timer fired so late that this node, not the neighbour, was the one not listening. */
  lateDeferrals: number;
  /** Its timer fired while an older packet was being retransmitted: it is sent again when that one is acked. */
  waiting: boolean;
  timer: TimerHandle;
  /** When it was first sent (for the round-trip estimate). */
  sentAt: number;
  /** Its first timeout (doubled per retransmission): the neighbour's timeout when it was sent. */
  base: number;
  /** The timeout its timer was armed with, and when that timer is due. */
  timeout: number;
  due: number;
  /** What its timer runs: made once per packet, reused by every retransmission. */
  readonly onTimer: () => void;
}

/**
 * Everything kept about one neighbour, in one record: an ACK, a duplicate check and a send each cost one map
 * lookup. Kept (empty) while packets come and go, so a neighbour's state is not rebuilt per packet.
 */
interface PeerState {
  /**
   * Packets sent to it and not acknowledged yet, oldest first. An array, not a Map by sequence: it holds one or
   * two packets nearly always, and a Map that is filled and emptied once per packet keeps rehashing its storage.
   */
  readonly pending: Pending[];
  /** Packets not sent yet because `pending` is full, oldest first. */
  readonly queue: { seq: number; frame: Uint8Array }[];
  /**
   * The last DEDUPE_WINDOW distinct sequences received from it, as a ring: `seen[(seenNext - 1) mod W]` is the
   * newest. The list the window describes only ever holds distinct values, so a scan finds a duplicate.
   */
  readonly seen: number[];
  seenNext: number;
  /** Its round-trip estimate; null until the first ACK sample or backed-off retransmission. */
  rtt: RoundTrip | null;
}

/** The learnt timeout never exceeds this (a slow host still fails a dead link within a few seconds). */
export const MAX_ACK_TIMEOUT_MS = 2000;

/** What the reliability layer needs from the node. */
export interface ReliableEnv {
  /** Arms a timer. `stop()` cancels what is pending, so the env needs no list of its own. */
  setTimer(delayMs: number, fire: () => void): TimerHandle;
  /** Sends a tracked packet again, unchanged. */
  resend(neighbor: Address, frame: Uint8Array): void;
  /** Called when a neighbour never acknowledged a packet: the link is unusable. */
  onGiveUp(neighbor: Address): void;
  onRetransmit(): void;
  /** Called when a packet to a neighbour that answers was dropped because its queue was full. */
  onQueueFull(neighbor: Address): void;
  /** The core's clock (ms), for the round-trip estimate. */
  now(): number;
  /**
   * Whether the neighbour's hellos are overdue: it is stalled (its host starved) or gone, and a retransmission
   * would only wait in its socket beside the packet it repeats. Its hold time decides which (the link fails).
   */
  silent(neighbor: Address): boolean;
}

/** Unacknowledged packets per neighbour at most; more wait in its queue. */
export const MAX_IN_FLIGHT = 16;

/**
 * Packets waiting for a neighbour's window at most. One more, while a packet to it is being retransmitted, means
 * the neighbour takes nothing: it fails. While it answers (nothing retransmitted), the packet is dropped instead,
 * and counted: this node sends faster than a live neighbour drains, and failing the link would only add the churn
 * that made so much to send (the likely trigger of thousands of failed links a minute in a forming 1,024-node lab,
 * its DHT hand-offs queued in the thousands).
 */
export const MAX_QUEUED = 256;

/**
 * Packets an extension that retries end to end (the DHT) may find waiting for a neighbour's window before its own
 * is shed: two windows. Beyond that the queue is kept for the ring's own control (setups, teardowns, probes) and
 * for extensions that count on hop-by-hop delivery (multicast trees). A shed DHT packet costs the DHT a retry (its
 * transfers and requests are sent again when their answer does not come); a setup dropped at a full queue costs
 * the ring a path. In a forming 256-node lab the DHT's hand-offs of the address mappings filled the queues, the
 * setups they crowded out kept the ring from forming, and the ring that did not form moved the keys' owners again:
 * the ring formed in 22 s without the mappings and never with them.
 */
export const EXTENSION_QUEUE_LIMIT = 2 * MAX_IN_FLIGHT;

/** How often one packet's retransmission may be put off because its timer fired late (see arm()). */
const MAX_LATE_DEFERRALS = 3;

/** Hop-by-hop acknowledgement and retransmission state of one node. */
export class ReliableControl {
  private readonly peers = new AddressMap<PeerState>();
  private nextSeq: number;
  /** Set by stop(): a stopped node arms no timer (its timers must not outlive it). */
  private stopped = false;

  constructor(
    private readonly env: ReliableEnv,
    private readonly ackTimeoutMs: number,
    private readonly maxRetransmits: number,
    initialSeq: number,
  ) {
    this.nextSeq = initialSeq & 0xffff || 1;
  }

  /** Allocates a non-zero sequence number. */
  allocateSeq(): number {
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) & 0xffff || 1;
    return seq;
  }

  /** Whether a packet to neighbor may be sent now: its window has room and nothing waits before it. */
  mayTransmit(neighbor: Address): boolean {
    const peer = this.peers.get(neighbor);
    return !peer || (peer.pending.length < MAX_IN_FLIGHT && peer.queue.length === 0);
  }

  /** Packets waiting for neighbor's window (not yet sent). */
  queuedFor(neighbor: Address): number {
    return this.peers.get(neighbor)?.queue.length ?? 0;
  }

  /**
   * Keeps a packet that may not be sent yet (mayTransmit said no) until the window has room: then it is sent
   * (ReliableEnv.resend) and tracked. A full queue gives the neighbour up instead (ReliableEnv.onGiveUp).
   */
  enqueue(neighbor: Address, seq: number, frame: Uint8Array): void {
    if (this.stopped) return;
    const peer = this.peer(neighbor);
    if (peer.queue.length >= MAX_QUEUED) {
      if (retrying(peer.pending)) this.env.onGiveUp(neighbor);
      else this.env.onQueueFull(neighbor);
      return;
    }
    peer.queue.push({ seq, frame });
  }

  /** Tracks a sent packet until `acked(neighbor, seq)`; a timeout sends `frame` again (ReliableEnv.resend). */
  track(neighbor: Address, seq: number, frame: Uint8Array): void {
    if (this.stopped) return;
    const peer = this.peer(neighbor);
    const entry: Pending = {
      neighbor,
      seq,
      frame,
      tries: 0,
      lateDeferrals: 0,
      waiting: false,
      timer: undefined as unknown as TimerHandle,
      sentAt: this.env.now(),
      base: this.timeoutOf(peer),
      timeout: 0,
      due: 0,
      onTimer: () => this.expired(peer, entry),
    };
    peer.pending.push(entry);
    this.arm(entry);
  }

  /** An ACK arrived. */
  acked(neighbor: Address, seq: number): void {
    const peer = this.peers.get(neighbor);
    if (!peer) return;
    const i = indexOfSeq(peer.pending, seq);
    if (i < 0) return;
    const entry = peer.pending[i];
    entry.timer.cancel();
    peer.pending.splice(i, 1);
    if (entry.tries === 0) this.sample(peer, this.env.now() - entry.sentAt);
    // The neighbour answers again: what waited behind a retransmitted packet gets its timer back. Not sent again at
    // once: a neighbour back from a stall acknowledges in one burst what it received meanwhile, and this ACK is
    // only its first; whatever stays unacknowledged for a timeout more is retransmitted then, the oldest first.
    for (const e of peer.pending) {
      if (!e.waiting) continue;
      e.waiting = false;
      this.arm(e);
    }
    while (
      peer.pending.length < MAX_IN_FLIGHT &&
      peer.queue.length > 0 &&
      this.peers.get(neighbor) === peer
    ) {
      const next = peer.queue.shift()!;
      this.env.resend(neighbor, next.frame);
      this.track(neighbor, next.seq, next.frame);
    }
  }

  /** The first retransmission timeout toward a neighbour now (ms). */
  timeoutFor(neighbor: Address): number {
    const peer = this.peers.get(neighbor);
    return peer ? this.timeoutOf(peer) : this.ackTimeoutMs;
  }

  private timeoutOf(peer: PeerState): number {
    return peer.rtt === null ? this.ackTimeoutMs : peer.rtt.timeout(this.ackTimeoutMs, MAX_ACK_TIMEOUT_MS);
  }

  private peer(neighbor: Address): PeerState {
    let peer = this.peers.get(neighbor);
    if (!peer) {
      peer = { pending: [], queue: [], seen: [], seenNext: 0, rtt: null };
      this.peers.set(neighbor, peer);
    }
    return peer;
  }

  private estimate(peer: PeerState): RoundTrip {
    peer.rtt ??= new RoundTrip();
    return peer.rtt;
  }

  private sample(peer: PeerState, rttMs: number): void {
    this.estimate(peer).sample(rttMs);
  }

  /** Records a received sequence; false if it is a duplicate (already processed). */
  firstTime(neighbor: Address, seq: number): boolean {
    const peer = this.peer(neighbor);
    const seen = peer.seen;
    for (let i = 0; i < seen.length; i++) if (seen[i] === seq) return false;
    // Overwriting the oldest slot once the ring is full is the list's push-then-shift.
    if (seen.length < DEDUPE_WINDOW) seen.push(seq);
    else seen[peer.seenNext] = seq;
    peer.seenNext = (peer.seenNext + 1) % DEDUPE_WINDOW;
    return true;
  }

  /** Drops all state about a neighbour (its link failed or it restarted). */
  forget(neighbor: Address): void {
    const peer = this.peers.get(neighbor);
    if (!peer) return;
    for (const entry of peer.pending) entry.timer.cancel();
    this.peers.delete(neighbor);
  }

  /** Cancels every retransmission timer (the node stops); nothing is sent again. */
  stop(): void {
    this.stopped = true;
    for (const peer of this.peers.values()) {
      for (const entry of peer.pending) entry.timer.cancel();
      peer.pending.length = 0;
      peer.queue.length = 0;
    }
  }

  /** Packets still awaiting acknowledgement. */
  get inFlight(): number {
    let n = 0;
    for (const peer of this.peers.values()) n += peer.pending.length;
    return n;
  }

  /** Packets waiting for a neighbour's window. */
  get queued(): number {
    let n = 0;
    for (const peer of this.peers.values()) n += peer.queue.length;
    return n;
  }

  private arm(entry: Pending): void {
    entry.timeout = entry.base * 2 ** entry.tries;
    entry.due = this.env.now() + entry.timeout;
    entry.timer = this.env.setTimer(entry.timeout, entry.onTimer);
  }

  // An entry's timer fired, `entry.timeout` ms after it was armed for `entry.due`.
  private expired(peer: PeerState, entry: Pending): void {
    const { timeout, due } = entry;
    // Forgotten (the record was replaced) or acknowledged meanwhile: nothing to do.
    if (this.peers.get(entry.neighbor) !== peer || !peer.pending.includes(entry)) return;
    // Fired far past its time: this host was starved of CPU, and the ACK may be sitting unread in its socket
    // (a daemon runs due timers before polling). Wait once more without counting a try, a bounded number of
    // times, rather than retransmit into a host that is already behind and fail a link that works.
    if (this.env.now() - due > timeout && entry.lateDeferrals < MAX_LATE_DEFERRALS) {
      entry.lateDeferrals++;
      this.arm(entry);
      return;
    }
    if (this.env.silent(entry.neighbor)) {
      this.arm(entry);
      return;
    }
    // An older packet is being retransmitted already: the neighbour answers nothing, and one probe is enough.
    // It needs no timer meanwhile: that packet's ACK sends it again (acked), its giving up fails the link.
    if (retrying(peer.pending, entry)) {
      entry.waiting = true;
      return;
    }
    if (entry.tries >= this.maxRetransmits) {
      peer.pending.splice(peer.pending.indexOf(entry), 1);
      this.env.onGiveUp(entry.neighbor);
      return;
    }
    this.retransmit(peer, entry);
  }

  // Sends a pending packet again, counting a try, and re-arms it with the doubled timeout.
  private retransmit(peer: PeerState, entry: Pending): void {
    const timeout = entry.timeout;
    entry.tries++;
    // Karn: a retransmitted packet's ACK is no sample, so the backed-off timeout is what the next packet uses.
    this.estimate(peer).backOff(timeout, MAX_ACK_TIMEOUT_MS);
    this.env.onRetransmit();
    this.env.resend(entry.neighbor, entry.frame);
    this.arm(entry);
  }
}

/**
 * Whether a packet to the neighbour is being retransmitted (tried again at least once, not acknowledged): any of
 * them, or one sent before `before`.
 */
function retrying(pending: readonly Pending[], before?: Pending): boolean {
  for (let i = 0; i < pending.length && pending[i] !== before; i++) if (pending[i].tries > 0) return true;
  return false;
}

/** Index of the pending packet with sequence seq, or -1. */
function indexOfSeq(pending: readonly Pending[], seq: number): number {
  for (let i = 0; i < pending.length; i++) if (pending[i].seq === seq) return i;
  return -1;
}
