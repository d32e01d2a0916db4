// The anti-replay window of one sender (as RFC 8967 does for Babel): the sender's current nonce, the highest
// counter accepted under it, and which of the WINDOW counters below that were seen.
//
// Invariants: `highest` is the largest counter accepted under `nonce`; bit i of `seen` (i < WINDOW) is set
// iff counter highest - i was accepted; a counter is accepted at most once per nonce.

/** How far behind the highest counter a frame may arrive (reordering across one link is rare: 64 is ample). */
export const REPLAY_WINDOW = 64;

/** One sender's window. */
export class ReplayWindow {
  private highest: number;
  // Two 32-bit words: bits 0-31 in low, 32-63 in high (no BigInt on the per-frame path).
  private low = 1;
  private high = 0;

  constructor(
    /** The sender's nonce this window belongs to. */
    readonly nonce: number,
    firstCounter: number,
  ) {
    this.highest = firstCounter;
  }

  /** Accepts counter once: true when it is new under this nonce, false for a replay or one too old. */
  accept(counter: number): boolean {
    if (counter > this.highest) {
      this.shift(counter - this.highest);
      this.highest = counter;
      this.low |= 1;
      return true;
    }
    const age = this.highest - counter;
    if (age >= REPLAY_WINDOW) return false;
    const word = age < 32 ? this.low : this.high;
    const bit = 1 << (age % 32);
    if ((word & bit) !== 0) return false;
    if (age < 32) this.low |= bit;
    else this.high |= bit;
    return true;
  }

  private shift(by: number): void {
    if (by >= REPLAY_WINDOW) {
      this.low = 0;
      this.high = 0;
    } else if (by >= 32) {
      this.high = this.low << (by - 32);
      this.low = 0;
    } else {
      this.high = (this.high << by) | (this.low >>> (32 - by));
      this.low = this.low << by;
    }
  }
}
