// The path check: each endpoint verifies its vset paths end to end now and then, because hard state is never
// refreshed. A path broken somewhere along the way (a relay that lost its entry in a crash and restart, a teardown
// lost at a hop that was not linked at that moment) would otherwise stay half installed for ever: its endpoint keeps
// a virtual neighbour it cannot reach, and nothing repairs it.
//
// A PATH_PROBE{ea, pathId, nonce} leaves the endpoint along its own entry (nb from ea, na from eb) and follows the
// entries hop by hop. A relay whose entry is missing, or does not lead back to the neighbour the probe came from,
// answers that neighbour with a TEARDOWN (no vset: a failure), which removes the path up to the probing endpoint;
// that endpoint then asks its virtual neighbour again (Paths.endpointLost). The far endpoint turns the probe back
// (ECHO). A probe that has not come home within its timeout is sent once more; when that one does not come home
// either, the path is torn down from this end (Paths.dropBroken) and asked for again. The timeout is probeTimeoutMs
// at least, and learnt from the echoes (round-trip.ts): on a starved host a long path's echo takes far longer.
// Both endpoints probe, so both halves of a path cut in the middle go.
//
// Reliability: the probe rides the hop-by-hop acknowledged control path (reliable.ts), like every other routed
// option: a probe lost on a lossy link is retransmitted there, and a hop that never acknowledges fails its link
// (whose teardown then removes the path anyway). So a missing echo means a broken path or a slow one, not a lost
// frame. Slow: a hop holds what it has for a neighbour that is silent until the neighbour is heard again or its
// hold time ends (reliable.ts), and on a starved host a relay may run periods late; a probe may thus take up to a
// hold time at a hop. The timeout allows one hold time and the retransmissions, and a second probe gives a path
// a second chance before it is torn down: tearing down a live path costs a setup and moves every route on it.
// It costs one acknowledgement per hop.
//
// Relays: a probe (and its echo) passing a relay marks that relay's entry as seen. An entry no probe has passed for
// STALE_AFTER_ROUNDS x K periods is an orphan (no endpoint holds it, so none probes it: a teardown was lost) and
// is dropped, torn down both ways (Paths.dropStale, counted pathCheck.staleRelayEntry).
//
// The bound (config.pathCheckHellos = K): a path is due once it has gone K periods unprobed (its first probe K
// periods after this node first saw it); each period this node probes the ceil(E / K) most overdue of its E paths.
// Steady state probes every path once every K periods; a burst of paths created at once is cleared within K more:
// every path is probed within 2K periods of its last probe, and a break is repaired within 2K periods plus
// 3 x probeTimeoutMs (the second chance waits twice as long) plus one path setup, while echoes come back within
// probeTimeoutMs; on a network slower than that, what its echoes take.
//
// Invariants (checked by checkInvariants, test/unit/vrr/path-check.test.ts):
//  - `lastProbed` holds keys of routes this node is an endpoint of, and nothing else after each tick;
//  - at most one probe per path is in flight, with its own timer: `inFlight` and its timers are the same keys;
//  - at most ceil(E / K) probes start per tick;
//  - `pathRtt` holds keys of `lastProbed` only.

import type { Address } from './address.ts';
import type { TimerHandle } from './env.ts';
import type { NodeContext } from './node-context.ts';
import { RoundTrip } from './round-trip.ts';
import { routeKey, type Route } from './routes.ts';
import { OptionType, PATH_PROBE_ECHO, PATH_PROBE_TOWARD_B, type PathProbeOption } from './wire/types.ts';

interface Probe {
  /** The nonces of this round's probes: the second chance's, and the first's, whose echo may still come. */
  nonces: number[];
  timer: TimerHandle;
  /** When this round's latest probe was sent. */
  sentAt: number;
}

/**
 * A relay entry that no probe has passed for this many rounds of K periods is stale (relays: below). Both endpoints
 * probe a live path at least every 2K periods, so a live entry sees a probe twice in that time.
 */
const STALE_AFTER_ROUNDS = 4;

/** Relay entries are checked for staleness every this many ticks (a walk over the route table). */
const STALE_SWEEP_TICKS = 8;

/** How long a probe's wait may grow, in probeTimeoutMs (round-trip.ts says why it grows). */
const MAX_TIMEOUT_FACTOR = 8;

/** The end-to-end verification of this node's paths: its schedule and its probes in flight. */
export class PathCheck {
  /** When each of my endpoint paths was last probed (or first seen), by routeKey. */
  private readonly lastProbed = new Map<string, number>();
  private readonly inFlight = new Map<string, Probe>();
  /**
   * The echoes' round trips, of all paths (for a path not timed yet) and of each path (its length is its own: on a
   * slow network a 45-hop path's echo takes many times a 5-hop one's). A round's first probe echoed before its
   * second chance went is a clean sample. Keys of `pathRtt` are keys of `lastProbed`.
   */
  private readonly rtt = new RoundTrip();
  private readonly pathRtt = new Map<string, RoundTrip>();
  /** When a probe last passed each entry this node relays (or when the last sweep first saw it). */
  private relaySeen = new Map<Route, number>();
  private ticks = 0;
  private nextNonce = 1;

  constructor(private readonly ctx: NodeContext) {}

  /**
   * How long a probe may take to come home: a hop may hold it for a silent neighbour up to that neighbour's hold
   * time, and retransmit a few times before it fails its link.
   */
  get probeTimeoutMs(): number {
    const c = this.ctx.config;
    return (c.failAfterHellos + 1) * c.helloMs + c.maxRetransmits * c.ackTimeoutMs;
  }

  /**
   * The timeout a probe along path `key` sent now gets: probeTimeoutMs at least, more once its echoes (or, for a
   * path not timed yet, any path's) came back slowly or went unanswered (round-trip.ts), at most
   * MAX_TIMEOUT_FACTOR times it.
   */
  timeoutMs(key: string): number {
    const floor = this.probeTimeoutMs;
    const rtt = this.pathRtt.get(key) ?? this.rtt;
    return rtt.timeout(floor, floor * MAX_TIMEOUT_FACTOR);
  }

  /** Paths on the probe schedule: one per path this node is an endpoint of, after each tick (tableSizes). */
  scheduled(): number {
    return this.lastProbed.size;
  }

  /** Once per hello period of an active node: probe the most overdue paths, ceil(E / K) at most. */
  tick(now: number): void {
    const ctx = this.ctx;
    const k = ctx.config.pathCheckHellos;
    if (!(k > 0)) return;
    const mine = this.endpointPaths();
    const keys = new Set<string>();
    for (const r of mine) {
      const key = routeKey(r.ea, r.pathId);
      keys.add(key);
      if (!this.lastProbed.has(key)) this.lastProbed.set(key, now);
    }
    for (const key of this.lastProbed.keys()) {
      if (keys.has(key)) continue;
      this.lastProbed.delete(key);
      this.pathRtt.delete(key);
    }
    for (const [key, p] of this.inFlight) {
      if (!keys.has(key)) {
        p.timer.cancel();
        this.inFlight.delete(key);
      }
    }
    const dueBefore = now - k * ctx.config.helloMs;
    const due = mine.filter((r) => {
      const key = routeKey(r.ea, r.pathId);
      return (this.lastProbed.get(key) as number) <= dueBefore && !this.inFlight.has(key);
    });
    // Most overdue first; ties in route order (deterministic).
    due.sort(
      (a, b) =>
        (this.lastProbed.get(routeKey(a.ea, a.pathId)) as number) -
        (this.lastProbed.get(routeKey(b.ea, b.pathId)) as number),
    );
    const budget = Math.ceil(mine.length / k);
    for (const r of due.slice(0, budget)) this.probe(r, now);
    if (++this.ticks % STALE_SWEEP_TICKS === 0) this.sweepRelayEntries(now, k);
  }

  /**
   * Drops the entries this node relays that no probe has passed for STALE_AFTER_ROUNDS x K periods: orphans that no
   * endpoint holds, so none probes (a 1,024-node lab kept a few for good once its vsets were right: pieces of paths
   * whose teardown was lost at a full queue). A live path's probes pass every relay of it.
   */
  private sweepRelayEntries(now: number, k: number): void {
    const ctx = this.ctx;
    const limit = STALE_AFTER_ROUNDS * k * ctx.config.helloMs;
    const seen = new Map<Route, number>();
    const stale: Route[] = [];
    for (const r of ctx.paths.routes.all()) {
      if (r.ea === ctx.address || r.eb === ctx.address) continue;
      const at = this.relaySeen.get(r) ?? now;
      if (now - at > limit) stale.push(r);
      else seen.set(r, at);
    }
    this.relaySeen = seen;
    for (const r of stale) {
      ctx.count('pathCheck.staleRelayEntry');
      ctx.paths.dropStale(r);
    }
  }

  /** Sends one probe along r from this endpoint and arms its timeout (earlier: this round's first, on a second chance). */
  private probe(r: Route, now: number, earlier: number[] = []): void {
    const ctx = this.ctx;
    const key = routeKey(r.ea, r.pathId);
    this.lastProbed.set(key, now);
    const fromA = r.ea === ctx.address;
    const next = fromA ? r.nb : r.na;
    if (next === null || !ctx.links.pset.isLinked(next)) return; // the link's failure tears it down
    const nonce = this.nextNonce;
    this.nextNonce = (this.nextNonce % 0xffffffff) + 1;
    const opt: PathProbeOption = {
      type: OptionType.PATH_PROBE,
      flags: fromA ? PATH_PROBE_TOWARD_B : 0,
      pathId: r.pathId,
      ea: r.ea,
      nonce,
    };
    ctx.count('pathProbe.sent');
    const timeoutMs = this.timeoutMs(key);
    const timer = ctx.timer(timeoutMs, () => {
      this.inFlight.delete(key);
      const still = ctx.paths.routes.get(r.ea, r.pathId);
      if (still === undefined) return;
      if (earlier.length === 0) {
        // Slow or broken: either way the second chance, and every probe until an echo comes, waits twice as long.
        const cap = this.probeTimeoutMs * MAX_TIMEOUT_FACTOR;
        this.rtt.backOff(timeoutMs, cap);
        this.pathRttOf(key).backOff(timeoutMs, cap);
        ctx.count('pathProbe.retried');
        this.probe(still, ctx.env.now(), [nonce]);
        return;
      }
      ctx.count('pathProbe.timedOut');
      ctx.paths.dropBroken(still, 'path probe did not come back');
    });
    this.inFlight.set(key, { nonces: [...earlier, nonce], timer, sentAt: now });
    ctx.sendControl(next, opt);
  }

  /** A PATH_PROBE from a linked neighbour: pass it on along the entry, turn it back, or report the break. */
  handleProbe(opt: PathProbeOption, sender: Address): void {
    const ctx = this.ctx;
    const r = ctx.paths.routes.get(opt.ea, opt.pathId);
    const towardB = (opt.flags & PATH_PROBE_TOWARD_B) !== 0;
    const from = r === undefined ? undefined : towardB ? r.na : r.nb;
    if (r === undefined || from !== sender) {
      // The path is broken here: tell the side the probe came from, which tears it down to its endpoint.
      ctx.count('pathProbe.brokenHere');
      if (r === undefined) ctx.paths.rememberTornDown(opt.ea, opt.pathId);
      ctx.sendControl(sender, { type: OptionType.TEARDOWN, pathId: opt.pathId, ea: opt.ea, vset: null });
      return;
    }
    const next = towardB ? r.nb : r.na;
    if (next !== null) {
      if (r.ea !== ctx.address && r.eb !== ctx.address) this.relaySeen.set(r, ctx.env.now());
      if (ctx.links.pset.isLinked(next)) ctx.sendControl(next, opt);
      else ctx.count('pathProbe.nextHopUnlinked');
      return;
    }
    if ((opt.flags & PATH_PROBE_ECHO) === 0) {
      // I am the far endpoint: send it home.
      ctx.sendControl(sender, { ...opt, flags: (towardB ? 0 : PATH_PROBE_TOWARD_B) | PATH_PROBE_ECHO });
      return;
    }
    const key = routeKey(opt.ea, opt.pathId);
    const p = this.inFlight.get(key);
    if (p === undefined || !p.nonces.includes(opt.nonce)) {
      ctx.count('pathProbe.staleEcho');
      return;
    }
    p.timer.cancel();
    this.inFlight.delete(key);
    // Karn: an echo in a second chance may answer either probe, so only a round of one probe is timed.
    if (p.nonces.length === 1) {
      const rtt = ctx.env.now() - p.sentAt;
      this.rtt.sample(rtt);
      this.pathRttOf(key).sample(rtt);
    }
    ctx.count('pathProbe.verified');
  }

  /** Cancels the probes in flight and forgets the schedule (the node stopped). */
  stop(): void {
    for (const p of this.inFlight.values()) p.timer.cancel();
    this.inFlight.clear();
    this.lastProbed.clear();
    this.pathRtt.clear();
    this.relaySeen.clear();
  }

  private pathRttOf(key: string): RoundTrip {
    let rtt = this.pathRtt.get(key);
    if (rtt === undefined) {
      rtt = new RoundTrip();
      this.pathRtt.set(key, rtt);
    }
    return rtt;
  }

  /** The routes this node is an endpoint of (the paths to its virtual neighbours), in route order. */
  private endpointPaths(): Route[] {
    const ctx = this.ctx;
    const out: Route[] = [];
    for (const m of ctx.paths.vset.members()) out.push(...ctx.paths.routes.between(ctx.address, m));
    return out;
  }

  /** Every invariant violation of the schedule (empty when all hold). */
  checkInvariants(): string[] {
    const out: string[] = [];
    for (const key of this.inFlight.keys()) {
      if (!this.lastProbed.has(key)) out.push(`probe ${key} in flight but not scheduled`);
    }
    for (const key of this.pathRtt.keys()) {
      if (!this.lastProbed.has(key)) out.push(`round trip of ${key} kept but the path is not scheduled`);
    }
    return out;
  }
}
