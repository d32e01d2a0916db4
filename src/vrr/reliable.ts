// Hop-by-hop reliability for the control options marked "Ack'd hop by hop" (wire-format.md): each such packet
// carries a non-zero sequence, the neighbour answers with an ACK, and the sender retransmits with exponential
// backoff until acknowledged or out of tries (then the caller fails the link). Receivers drop duplicates of
// packets they already processed (a lost ACK makes the sender repeat) but acknowledge them again.
//
// Invariants: at most one pending entry per (neighbour, sequence); every pending entry has exactly one armed
// timer; `forget(neighbour)` leaves nothing of that neighbour behind. Owned by node.ts alone.

import type { Address } from './address.ts';
import type { TimerHandle } from './env.ts';

interface Pending {
  resend: () => void;
  tries: number;
  timer: TimerHandle;
}

/** What the reliability layer needs from the node. */
export interface ReliableEnv {
  setTimer(delayMs: number, fire: () => void): TimerHandle;
  /** Called when a neighbour never acknowledged a packet: the link is unusable. */
  onGiveUp(neighbor: Address): void;
  onRetransmit(): void;
}

/** Remembered received sequences per neighbour, for duplicate suppression. */
const DEDUPE_WINDOW = 64;

/** Hop-by-hop acknowledgement and retransmission state of one node. */
export class ReliableControl {
  private readonly pending = new Map<Address, Map<number, Pending>>();
  private readonly seen = new Map<Address, number[]>();
  private nextSeq: number;

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

  /** Tracks a sent packet until `acked(neighbor, seq)`; `resend` transmits it again. */
  track(neighbor: Address, seq: number, resend: () => void): void {
    let map = this.pending.get(neighbor);
    if (!map) this.pending.set(neighbor, (map = new Map()));
    const entry: Pending = { resend, tries: 0, timer: undefined as unknown as TimerHandle };
    map.set(seq, entry);
    this.arm(neighbor, seq, entry);
  }

  /** An ACK arrived. */
  acked(neighbor: Address, seq: number): void {
    const map = this.pending.get(neighbor);
    const entry = map?.get(seq);
    if (!map || !entry) return;
    entry.timer.cancel();
    map.delete(seq);
    if (map.size === 0) this.pending.delete(neighbor);
  }

  /** Records a received sequence; false if it is a duplicate (already processed). */
  firstTime(neighbor: Address, seq: number): boolean {
    let list = this.seen.get(neighbor);
    if (!list) this.seen.set(neighbor, (list = []));
    if (list.includes(seq)) return false;
    list.push(seq);
    if (list.length > DEDUPE_WINDOW) list.shift();
    return true;
  }

  /** Drops all state about a neighbour (its link failed or it restarted). */
  forget(neighbor: Address): void {
    for (const entry of this.pending.get(neighbor)?.values() ?? []) entry.timer.cancel();
    this.pending.delete(neighbor);
    this.seen.delete(neighbor);
  }

  /** Packets still awaiting acknowledgement. */
  get inFlight(): number {
    let n = 0;
    for (const m of this.pending.values()) n += m.size;
    return n;
  }

  private arm(neighbor: Address, seq: number, entry: Pending): void {
    entry.timer = this.env.setTimer(this.ackTimeoutMs * 2 ** entry.tries, () => {
      const map = this.pending.get(neighbor);
      if (map?.get(seq) !== entry) return;
      if (entry.tries >= this.maxRetransmits) {
        map.delete(seq);
        this.env.onGiveUp(neighbor);
        return;
      }
      entry.tries++;
      this.env.onRetransmit();
      entry.resend();
      this.arm(neighbor, seq, entry);
    });
  }
}
