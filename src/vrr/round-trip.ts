// A smoothed round-trip time and the retransmission timeout it gives (RFC 6298: SRTT + 4 RTTVAR, Karn's rule),
// for every exchange of this core that waits for an answer: a neighbour's hop-by-hop ACKs (reliable.ts), and the
// end-to-end ones, a path probe's echo (path-check.ts) and a DHT transfer's REPLY (dht/transfers.ts).
//
// Why the end-to-end ones learn too (issue 18): on a starved host a hop costs what the event loop is late, not what
// the link says. In a 1,024-node lab on two cores the loop ran 250-500 ms late (p50), so a 40-hop path's probe took
// tens of seconds to come back and a DHT transfer's REPLY as long. Fixed timeouts of a few seconds then declared
// working paths broken (torn down, set up again) and sent every transfer again and again, and that extra work made
// the hosts later still. A timeout learnt from the answers that did come, and doubled while none comes (Karn: an
// answer to something sent again is no sample, so the backed-off value holds until a clean one), makes a slow
// network slower to react instead of busier.
//
// Invariants: timeout() is within [floor, cap] of the caller's asking; backOff() never lowers the timeout; a
// sample clears the back-off.

/** One round-trip estimate (ms). */
export class RoundTrip {
  /** NaN until the first sample. */
  srtt = NaN;
  rttvar = 0;
  /** A timeout doubled by an unanswered send, kept until the next sample (0: none). */
  backedOff = 0;

  /** Takes the round trip of an exchange that was answered on its first send. */
  sample(rttMs: number): void {
    this.backedOff = 0;
    if (Number.isNaN(this.srtt)) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
    this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
  }

  /**
   * The timeout to give a send now: what was learnt (or the back-off), never below floorMs nor above capMs. The
   * deviation term is at least a quarter of SRTT (RFC 6298's clock-granularity term, sized for a clock that is
   * exact): over a link of constant delay RTTVAR decays to nothing, the timeout to the round trip itself, and every
   * answer that came at that very instant was sent again (a 10x10 grid of 300 ms links: retransmissions at 100 a
   * second, nearly all duplicates).
   */
  timeout(floorMs: number, capMs: number): number {
    const learnt = Number.isNaN(this.srtt) ? 0 : this.srtt + Math.max(4 * this.rttvar, this.srtt / 4);
    return Math.min(capMs, Math.max(floorMs, learnt, this.backedOff));
  }

  /**
   * A send that waited usedMs went unanswered: later sends wait twice that (up to capMs) until a sample. A burst
   * of sends that all waited the same timeout doubles it once, not once each.
   */
  backOff(usedMs: number, capMs: number): void {
    this.backedOff = Math.min(capMs, Math.max(this.backedOff, usedMs * 2));
  }
}
