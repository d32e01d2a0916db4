// Physical neighbours and the hello link state machine (docs/protocol.md, Neighbours), with link quality and
// hysteresis.
//
// Invariants (checked by test/unit/vrr/pset.test.ts):
//  - one entry per neighbour address; its port/linkAddress are those of the latest hello heard from it;
//  - `list` and `map` hold the same entries, `list` in the order they were first heard (since last forgotten);
//  - state changes only through `transition` (the table) or through failure (timeout, low quality, lost port,
//    unacknowledged retransmissions); every change is returned to the caller, which owns the consequences;
//  - a neighbour reaches `linked` only with quality >= qualityUp; a linked neighbour below qualityDown fails;
//  - failed neighbours are not listed in hellos, so the peer sees itself missing and fails the link too;
//  - at most MAX_NEIGHBORS_PER_PORT neighbours were last heard on one port (limits.ts): links.ts asks roomOnPort
//    before a newcomer is heard, and forgets the unlinked neighbour it names (or ignores the newcomer);
//  - owned by links.ts alone.

import type { Address } from './address.ts';
import { AddressMap } from './address-map.ts';
import type { LinkAddress, PortId } from './env.ts';
import type { LinkState } from './events.ts';
import { MAX_NEIGHBORS_PER_PORT } from './limits.ts';
import { NeighborState, type HelloOption, type NeighborSlot } from './wire/types.ts';

/** How a received hello lists me: L (linked, active or not), P (pending) or M (missing). */
export type ListedAs = 'L' | 'P' | 'M';

/** The symmetric link state machine: next state from my state for N and how N's hello lists me. */
export function transition(state: LinkState | 'unknown', input: ListedAs): LinkState {
  switch (state) {
    case 'unknown':
      return input === 'L' ? 'failed' : input === 'P' ? 'linked' : 'pending';
    case 'pending':
      return input === 'M' ? 'pending' : 'linked';
    case 'linked':
      return input === 'M' ? 'failed' : 'linked';
    case 'failed':
      return input === 'L' ? 'failed' : 'pending';
  }
}

/** One physical neighbour. */
export interface Neighbor {
  readonly address: Address;
  port: PortId;
  linkAddress: LinkAddress;
  state: LinkState;
  /** The neighbour's own ACTIVE flag from its latest hello. */
  active: boolean;
  /** Seen active while linked at least once: only then is it a routing candidate (docs/protocol.md, Joining). */
  everActive: boolean;
  /** When last heard; moved on by the time this node itself did not run (Links.checkSilence), so it times silence. */
  lastHeard: number;
  /** HelloSeqs received recently (for the receive ratio). */
  recentSeqs: number[];
  /** Highest HelloSeq received (serial arithmetic). */
  lastSeq: number | null;
  /** The neighbour's rating of my hellos, 0-255 (0 = not measured). */
  theirQuality: number;
  /** Parts of a multi-part hello being assembled. */
  assembling: { seq: number; parts: number; seen: Set<number>; listedAs: ListedAs; quality: number } | null;
}

/** A state change the caller must act on. */
export interface LinkChange {
  neighbor: Neighbor;
  from: LinkState | 'unknown';
  to: LinkState | 'gone';
  why: string;
}

/** Parameters of the link state machine. */
export interface PsetParams {
  me: Address;
  qualityWindow: number;
  qualityUp: number;
  qualityDown: number;
}

/** u16 serial-number difference a - b in (-32768, 32768]. */
export function seqDiff(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d > 0x8000 ? d - 0x10000 : d;
}

/** The slot that lists `me`, or undefined (a loop rather than find: one closure less per hello). */
function findSlot(slots: readonly NeighborSlot[], me: Address): NeighborSlot | undefined {
  for (let i = 0; i < slots.length; i++) if (slots[i].address === me) return slots[i];
  return undefined;
}

/** The physical neighbour set of one node. */
export class Pset {
  /** The neighbours by address, in the order they were first heard (the order every listing uses). */
  private readonly byAddress = new AddressMap<Neighbor>();

  constructor(private readonly params: PsetParams) {}

  get(a: Address): Neighbor | undefined {
    return this.byAddress.get(a);
  }

  all(): Neighbor[] {
    return this.byAddress.valueList();
  }

  /** Iterates neighbours without copying (the forwarding hot path). */
  values(): IterableIterator<Neighbor> {
    return this.byAddress.values();
  }

  isLinked(a: Address): boolean {
    return this.get(a)?.state === 'linked';
  }

  /** Linked neighbours whose ACTIVE flag is set: proxies for PickRandomActive. */
  linkedActive(): Neighbor[] {
    const out: Neighbor[] = [];
    for (const n of this.byAddress.values()) if (n.state === 'linked' && n.active) out.push(n);
    return out;
  }

  // Adds a neighbour heard for the first time (a no-op for one already listed).
  private insert(n: Neighbor): void {
    if (!this.byAddress.has(n.address)) this.byAddress.set(n.address, n);
  }

  /**
   * Whether a neighbour not yet listed may be heard on `port` (MAX_NEIGHBORS_PER_PORT): 'room', the unlinked
   * neighbour of that port heard least recently (to forget first), or 'full' when every one of them is linked
   * (links that work are never given up for a newcomer, who may be one of a flood of invented addresses).
   */
  roomOnPort(port: PortId, cap = MAX_NEIGHBORS_PER_PORT): 'room' | 'full' | Neighbor {
    let onPort = 0;
    let stalest: Neighbor | null = null;
    for (const n of this.byAddress.values()) {
      if (n.port !== port) continue;
      onPort++;
      if (n.state !== 'linked' && (stalest === null || n.lastHeard < stalest.lastHeard)) stalest = n;
    }
    if (onPort < cap) return 'room';
    return stalest ?? 'full';
  }

  /** Receive ratio of n's hellos over the window, in [0, 1]. */
  quality(n: Neighbor): number {
    const seqs = n.recentSeqs;
    if (n.lastSeq === null || seqs.length === 0) return 0;
    // The oldest sequence in the window (a loop, not reduce: hellos are hot and a closure costs per call).
    let oldest = n.lastSeq;
    for (let i = 0; i < seqs.length; i++) if (seqDiff(seqs[i], oldest) < 0) oldest = seqs[i];
    const span = Math.min(this.params.qualityWindow, seqDiff(n.lastSeq, oldest) + 1);
    return Math.min(1, n.recentSeqs.length / Math.max(1, span));
  }

  /** The link quality used for hysteresis: the worse of both directions when the peer measured it. */
  private linkQuality(n: Neighbor): number {
    const mine = this.quality(n);
    return n.theirQuality === 0 ? mine : Math.min(mine, n.theirQuality / 255);
  }

  /**
   * Processes one hello (part). Returns the state change it caused, if any. Only a complete set of parts is
   * judged (docs/wire.md, HELLO): an incomplete set leaves the state as it was.
   */
  onHello(
    port: PortId,
    from: LinkAddress,
    sender: Address,
    hello: HelloOption,
    now: number,
  ): LinkChange | null {
    let n = this.get(sender);
    const before: LinkState | 'unknown' = n ? n.state : 'unknown';
    if (!n) {
      n = {
        address: sender,
        port,
        linkAddress: from,
        state: 'pending',
        active: false,
        everActive: false,
        lastHeard: now,
        recentSeqs: [],
        lastSeq: null,
        theirQuality: 0,
        assembling: null,
      };
    }
    n.port = port;
    n.linkAddress = from;
    n.lastHeard = now;
    n.active = hello.active;
    this.recordSeq(n, hello.helloSeq);

    const mine = findSlot(hello.neighbors, this.params.me);
    const partListed: ListedAs = !mine ? 'M' : mine.state === NeighborState.PENDING ? 'P' : 'L';
    let listedAs: ListedAs;
    let theirQuality: number;
    if (hello.parts <= 1) {
      listedAs = partListed;
      theirQuality = mine?.quality ?? 0;
      n.assembling = null;
    } else {
      if (!n.assembling || n.assembling.seq !== hello.helloSeq) {
        n.assembling = {
          seq: hello.helloSeq,
          parts: hello.parts,
          seen: new Set(),
          listedAs: 'M',
          quality: 0,
        };
      }
      const a = n.assembling;
      a.seen.add(hello.part);
      if (partListed !== 'M') {
        a.listedAs = partListed;
        a.quality = mine?.quality ?? 0;
      }
      if (a.seen.size < a.parts) {
        if (before === 'unknown') this.insert(n); // remember it, judge on a complete set
        return before === 'unknown' ? this.change(n, 'unknown', 'pending', 'heard (partial hello)') : null;
      }
      listedAs = a.listedAs;
      theirQuality = a.quality;
      n.assembling = null;
    }
    n.theirQuality = theirQuality;

    let next = transition(before, listedAs);
    const q = this.linkQuality(n);
    let why = `hello lists me as ${listedAs}`;
    if (next === 'linked' && before !== 'linked' && q < this.params.qualityUp) {
      next = before === 'unknown' ? 'pending' : before;
      why = `quality ${q.toFixed(2)} below ${this.params.qualityUp}`;
    } else if (next === 'linked' && before === 'linked' && q < this.params.qualityDown) {
      next = 'failed';
      why = `quality ${q.toFixed(2)} below ${this.params.qualityDown}`;
    }
    if (next === 'linked' && n.active) n.everActive = true;
    if (before === 'unknown') this.insert(n);
    if (next === before) return null;
    return this.change(n, before, next, why);
  }

  /** Fails a neighbour for a reason outside hellos (timeout, port down, unacknowledged packets). */
  fail(a: Address, why: string): LinkChange | null {
    const n = this.get(a);
    if (!n || n.state === 'failed') return null;
    const from = n.state;
    return this.change(n, from, 'failed', why);
  }

  /** Forgets a neighbour entry entirely. */
  forget(a: Address, why: string): LinkChange | null {
    const n = this.get(a);
    if (!n) return null;
    this.byAddress.delete(a);
    return { neighbor: n, from: n.state, to: 'gone', why };
  }

  /** Slots for my hello: every neighbour not failed, with how I see it and its quality. */
  helloSlots(): NeighborSlot[] {
    const slots: NeighborSlot[] = [];
    for (const n of this.byAddress.values()) {
      if (n.state === 'failed') continue;
      const state =
        n.state === 'pending'
          ? NeighborState.PENDING
          : n.active
            ? NeighborState.LINKED_ACTIVE
            : NeighborState.LINKED_INACTIVE;
      slots.push({ address: n.address, state, quality: Math.max(1, Math.round(this.quality(n) * 255)) });
    }
    return slots;
  }

  private recordSeq(n: Neighbor, seq: number): void {
    if (n.lastSeq === null || seqDiff(seq, n.lastSeq) > 0) n.lastSeq = seq;
    if (n.recentSeqs.includes(seq)) return; // other parts of the same hello
    n.recentSeqs.push(seq);
    const last = n.lastSeq;
    const window = this.params.qualityWindow;
    const seqs = n.recentSeqs;
    if (seqDiff(last, seqs[0]) >= window) {
      // Drop those that left the window, in place and in order (filter would allocate a new array per hello).
      let kept = 0;
      for (let i = 0; i < seqs.length; i++) if (seqDiff(last, seqs[i]) < window) seqs[kept++] = seqs[i];
      seqs.length = kept;
    }
  }

  private change(n: Neighbor, from: LinkState | 'unknown', to: LinkState, why: string): LinkChange {
    n.state = to;
    if (to !== 'linked' && from !== 'unknown') n.assembling = null; // a first-heard neighbour's set has just begun
    if (to === 'failed') {
      n.recentSeqs = [];
      n.lastSeq = null;
      n.theirQuality = 0;
    }
    return { neighbor: n, from, to, why };
  }
}
