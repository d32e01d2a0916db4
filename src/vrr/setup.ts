// Setup requests: asking a node to become a virtual neighbour, and answering such asks (docs/protocol.md, Paths).
// A node asks with a setup_req routed greedily toward the target (retried with backoff, routed around a refusal
// when it can), answers one that ends here with a setup (accept) or a setup_fail carrying its vset (refuse), and
// learns candidates from every vset it is shown. It owns three tables: the targets it is asking (pending), the
// targets not to ask again for a while (holdOff), and the routed requests it has seen (the loop guard).
//
// Invariants (checkInvariants; test/unit/vrr/setup.test.ts), between events:
//  - every pending request has made 1..setupAttempts attempts and has exactly its retry timer armed;
//  - at most one request per target; a target that became a vset member or went on hold meanwhile is not asked
//    again: its request ends at its next retry;
//  - a hold ends refusalHoldHellos periods after it was set, or up to MAX_STRIKES doublings of that for a target
//    that went unanswered again and again (the hello period's housekeeping drops it); a node on hold is not asked
//    again (requestSetup, learnCandidates, direct setups) before then;
//  - `strikes` counts, per target, the unanswered rounds in a row (1..MAX_STRIKES), and forgets a target once
//    its longest hold has passed since the last one, or when it answers;
//  - at most MAX_PENDING_SETUPS requests to others (a new one is not started) and MAX_SETUP_HOLDS holds (the one
//    ending soonest is dropped for a new one): limits.ts;
//  - the loop guard's (loop-guard.ts);
//  - owned by node-context.ts alone.

import { isGroupAddress, type Address } from './address.ts';
import type { TimerHandle } from './env.ts';
import { MAX_PENDING_SETUPS, MAX_SETUP_HOLDS } from './limits.ts';
import { LoopGuard, ROUTED_FAIL, ROUTED_REQ } from './loop-guard.ts';
import type { NodeContext } from './node-context.ts';
import { RoundTrip } from './round-trip.ts';
import { nearEnough } from './vset.ts';
import { OptionType, type SetupFailOption, type SetupReqOption } from './wire/types.ts';

/** Unanswered rounds in a row after which a target's hold stops doubling (4, 8, 16, 32 periods by default). */
export const MAX_STRIKES = 4;

/**
 * How far the retry timeout may grow, in setupRetryMs (round-trip.ts says why it grows): a setup's round trip
 * crosses the ring twice, 80 hops on a 32x32 grid, and on two starved hosts whose loops ran 300 ms late that is
 * tens of seconds, against retries after 1, 2 and 4 s. Not further: requests across a partition go unanswered too,
 * and at 16 periods a healed 100-node partition merged in a median of 18 s instead of 9
 * (test/sim/scenario/partition-repair.test.ts); at 4, 10.
 */
const MAX_RETRY_FACTOR = 4;

interface PendingSetup {
  attempt: number;
  /** When its latest attempt was sent, and the learnt retry timeout it got (retryTimeoutMs then). */
  sentAt: number;
  base: number;
  token: number;
  timer: TimerHandle | null;
  why: string;
  /** The node whose vset listed the target (it holds a path to it), if any: the relay of setupAround. */
  informant: Address | null;
}

/** The setup requests of one node: those it makes, and its answers to those that reach it. */
export class SetupRequests {
  private readonly pending = new Map<Address, PendingSetup>();
  /**
   * Targets not to ask again before `until`: they refused us (`refused`: alive ring nodes that answered), or were
   * never reached (attempts exhausted, answered by another node, a direct setup under way).
   */
  private readonly holdOff = new Map<Address, { until: number; refused: boolean }>();
  /**
   * Targets whose requests went unanswered lately (attempts exhausted, or answered by another node): how many
   * rounds in a row, and when the last ended. Each round doubles the next hold: a target that is unreachable
   * (beyond a starved or partitioned region) is asked ever less often instead of every few periods.
   */
  private readonly strikes = new Map<Address, { count: number; at: number }>();
  private readonly guard = new LoopGuard();
  /**
   * How long answers take (a setup or a setup_fail after a setup_req): timed only for requests answered on their
   * first attempt (Karn), backed off by each retry that found its request unanswered.
   */
  private readonly rtt = new RoundTrip();

  constructor(private readonly ctx: NodeContext) {}

  /** Entries of the bounded tables: requests under way, holds (tableSizes). */
  sizes(): { pendingSetups: number; setupHolds: number } {
    return { pendingSetups: this.pending.size, setupHolds: this.holdOff.size };
  }

  /** Whether a request to target is under way. */
  isPending(target: Address): boolean {
    return this.pending.has(target);
  }

  /** Whether a direct setup to target may start now: not asked already, not on hold, and worth it. */
  mayAskDirectly(target: Address): boolean {
    return !this.holdOff.has(target) && !this.pending.has(target) && this.worthAsking(target);
  }

  /** Puts target on hold (not asked again for a while); `refused` when it answered. */
  hold(target: Address, refused = false): void {
    const c = this.ctx.config;
    const until = this.ctx.env.now() + c.refusalHoldHellos * c.helloMs;
    if (!this.holdOff.has(target) && this.holdOff.size >= MAX_SETUP_HOLDS) this.evictSoonestHold();
    this.holdOff.set(target, { until, refused });
  }

  /** Holds target after a round of requests that nobody answered: longer the more such rounds in a row. */
  private holdUnanswered(target: Address): void {
    const c = this.ctx.config;
    const now = this.ctx.env.now();
    const count = Math.min(MAX_STRIKES, (this.strikes.get(target)?.count ?? 0) + 1);
    // Strikes are bounded like holds (MAX_SETUP_HOLDS): the oldest is forgotten for a new target.
    if (!this.strikes.has(target) && this.strikes.size >= MAX_SETUP_HOLDS) {
      const oldest = this.strikes.keys().next().value;
      if (oldest !== undefined) this.strikes.delete(oldest);
    }
    this.strikes.delete(target); // re-inserted last: the map stays in order of the latest strike
    this.strikes.set(target, { count, at: now });
    if (!this.holdOff.has(target) && this.holdOff.size >= MAX_SETUP_HOLDS) this.evictSoonestHold();
    this.holdOff.set(target, {
      until: now + c.refusalHoldHellos * c.helloMs * 2 ** (count - 1),
      refused: false,
    });
  }

  /** Target answered (it set up a path to us, or refused us): it is reachable, its strikes are forgotten. */
  answered(target: Address): void {
    this.strikes.delete(target);
    const p = this.pending.get(target);
    if (p !== undefined) this.timeAnswer(p);
  }

  /** The learnt retry timeout (ms): setupRetryMs until answers or unanswered retries say otherwise. */
  get retryTimeoutMs(): number {
    const floor = this.ctx.config.setupRetryMs;
    return this.rtt.timeout(floor, floor * MAX_RETRY_FACTOR);
  }

  // A request was answered: its round trip is a sample when it made one attempt only (Karn's rule).
  private timeAnswer(p: PendingSetup): void {
    if (p.attempt === 1) this.rtt.sample(this.ctx.env.now() - p.sentAt);
  }

  // Makes room for a hold (MAX_SETUP_HOLDS): the one that ends soonest goes, a little early.
  private evictSoonestHold(): void {
    let soonest: Address | null = null;
    let at = Infinity;
    for (const [a, h] of this.holdOff) {
      if (h.until < at) {
        at = h.until;
        soonest = a;
      }
    }
    if (soonest !== null) this.holdOff.delete(soonest);
    this.ctx.count('cap.holds.evicted');
  }

  /** Drops the holds that ran out, and strikes older than the longest hold. */
  expireHolds(now: number): void {
    for (const [a, h] of this.holdOff) if (h.until <= now) this.holdOff.delete(a);
    const c = this.ctx.config;
    const longest = c.refusalHoldHellos * c.helloMs * 2 ** (MAX_STRIKES - 1);
    for (const [a, s] of this.strikes) if (now - s.at > longest) this.strikes.delete(a);
  }

  // ---------------------------------------------------------------- asking

  /** Add(null, V): ask every address of V that belongs in my vset. */
  learnCandidates(candidates: readonly Address[], why: string, informant: Address | null = null): void {
    const ctx = this.ctx;
    if (!ctx.active) return;
    const vset = ctx.paths.vset;
    const usable = candidates.filter(
      (id) => id !== ctx.address && !isGroupAddress(id) && !this.holdOff.has(id) && !vset.has(id),
    );
    // Near enough among everything known implies near enough among the vset (ShouldAdd), which is cheap to ask.
    const fits = usable.filter((id) => vset.shouldAdd(id));
    if (fits.length === 0) return;
    // Ask only those that would be members if every candidate joined at once: a farther candidate of the same
    // list would be evicted by a nearer one anyway, and asking it costs a setup_req and usually a refusal.
    const known = this.knownRingNodes();
    for (const id of usable) known.add(id);
    for (const id of fits) {
      if (nearEnough(ctx.address, id, known, ctx.config.vsetSize))
        this.requestSetup(id, `learned from ${why}`, informant);
    }
  }

  /**
   * Whether target is worth asking to be a virtual neighbour: it would be among the r/2 nearest on one side of
   * me among every live ring node I know of, not merely among my current vset. While a ring grows, a vset is
   * short of members and ShouldAdd takes anyone; asking whoever comes along (a representative across the
   * network, a physical neighbour) then costs a path that a nearer node evicts moments later, and each
   * eviction is a teardown with a vset that starts more requests. Accepting stays ShouldAdd (handleSetupReq,
   * Paths.handleSetup): generous in what we accept, sparing in what we ask.
   */
  worthAsking(target: Address): boolean {
    // The known set holds the vset, so this implies ShouldAdd, which is cheap: asked first, it spares building the
    // known set for most candidates (every linked neighbour and representative is weighed once a period).
    if (!this.ctx.paths.vset.shouldAdd(target)) return false;
    return nearEnough(this.ctx.address, target, this.knownRingNodes(), this.ctx.config.vsetSize);
  }

  /**
   * Live ring nodes this node knows of: its vset, the targets it is asking, the endpoints of paths through it,
   * its active neighbours, usable representatives and the nodes that refused it lately. Paths are hard state,
   * torn down when they break, so each of these is a node of a ring right now. A refuser answered, so it is
   * alive, and it refused because it knows nodes nearer to us than itself: nothing beyond it can be one of our
   * nearest. (Leaving refusers out made every refusal point one node further along the ring: a walk of dozens of
   * refused requests at a 1,000-node ring.) Nodes on hold that never answered (attempts exhausted, answered by
   * another node) are left out: they may be gone, and must not stand in for a candidate that would take us.
   */
  private knownRingNodes(): Set<Address> {
    const ctx = this.ctx;
    const known = new Set<Address>(this.pending.keys());
    for (const e of ctx.paths.routes.endpoints()) known.add(e);
    for (const n of ctx.links.pset.values()) if (n.state === 'linked' && n.active) known.add(n.address);
    for (const r of ctx.repair.table.usable(ctx.env.now())) known.add(r.address);
    for (const [a, h] of this.holdOff) {
      if (h.refused) known.add(a);
      else known.delete(a);
    }
    for (const m of ctx.paths.vset.members()) known.add(m);
    known.delete(ctx.address);
    return known;
  }

  /** Starts (or continues) asking target to become a virtual neighbour, with retries and backoff. */
  requestSetup(target: Address, why: string, informant: Address | null = null): void {
    if (this.pending.has(target)) return;
    if (target !== this.ctx.address && (this.ctx.paths.vset.has(target) || this.holdOff.has(target))) return;
    if (target !== this.ctx.address && this.pending.size >= MAX_PENDING_SETUPS) {
      // The node's own join is never refused: it is one request, and without it the node stays out of the ring.
      this.ctx.count('cap.setups.refused');
      return;
    }
    this.pending.set(target, { attempt: 0, sentAt: 0, base: 0, token: 0, timer: null, why, informant });
    this.ctx.count(`why.${why}`);
    this.attemptSetup(target);
  }

  private attemptSetup(target: Address): void {
    const ctx = this.ctx;
    const p = this.pending.get(target);
    if (!p) return;
    const me = ctx.address;
    const done = target === me ? ctx.active : ctx.paths.vset.has(target) || !this.worthAsking(target);
    if (done) {
      this.resolveSetup(target);
      return;
    }
    // Unanswered within its timeout: slow, or lost. Either way later requests wait longer until one is answered.
    if (p.attempt >= 1) this.rtt.backOff(p.base, ctx.config.setupRetryMs * MAX_RETRY_FACTOR);
    if (p.attempt >= ctx.config.setupAttempts) {
      ctx.count('setupReq.gaveUp');
      this.resolveSetup(target);
      if (target !== me) this.holdUnanswered(target);
      return;
    }
    if (p.attempt >= 1 && target !== me && this.setupAround(target, p.informant)) {
      // The request went unanswered (greedy routing lost it, or it looped): a route I or its informant hold is surer.
      this.resolveSetup(target);
      return;
    }
    p.attempt++;
    const proxies = ctx.links.pset.linkedActive();
    if (proxies.length > 0) {
      const proxy = ctx.env.rng.pick(proxies).address;
      p.token = ctx.env.rng.u32() || 1;
      ctx.count('setupReq.sent');
      ctx.env.emit({ type: 'setup-req', target, attempt: p.attempt, why: p.why });
      const opt: SetupReqOption = {
        type: OptionType.SETUP_REQ,
        token: p.token,
        src: me,
        dst: target,
        proxy,
        vset: ctx.paths.vset.members(),
      };
      ctx.sendControl(proxy, opt);
    }
    p.sentAt = ctx.env.now();
    p.base = this.retryTimeoutMs;
    // The attempts' own doubling, or what was learnt when that is longer (a back-off is a doubling already).
    const wait = Math.max(p.base, ctx.config.setupRetryMs * 2 ** (p.attempt - 1));
    const delay = wait * (0.75 + 0.5 * ctx.env.rng.next());
    p.timer = ctx.timer(delay, () => {
      p.timer = null;
      this.attemptSetup(target);
    });
  }

  /** The request to target is over (answered, given up, or no longer needed). */
  resolveSetup(target: Address): void {
    const p = this.pending.get(target);
    if (!p) return;
    p.timer?.cancel();
    this.pending.delete(target);
  }

  /**
   * A setup_req for target was answered by another node: greedy routing from here ends short of target. That is
   * what a merge looks like (target belongs to the other ring: every node this side knows is closer to it than any
   * route toward it), and holding target off then would stall the merge until the hold expires. Instead create the
   * path directly, as for a representative: along my own route to target if I have one, else through the node whose
   * vset listed target (it holds a path to it, and I to it). False when neither exists.
   */
  private setupAround(target: Address, informant: Address | null): boolean {
    const ctx = this.ctx;
    const paths = ctx.paths;
    if (paths.vset.has(target) || this.holdOff.has(target) || !this.worthAsking(target)) return false;
    const pset = ctx.links.pset;
    let proxy: Address;
    if (pset.isLinked(target) || paths.exactHop(target) !== null) proxy = target;
    else if (informant !== null && (pset.isLinked(informant) || paths.exactHop(informant) !== null))
      proxy = informant;
    else return false;
    ctx.count('setupsAround');
    paths.setupDirect(
      target,
      proxy,
      `setup around: ${proxy === target ? 'own route' : 'through its informant'}`,
    );
    return true;
  }

  // ---------------------------------------------------------------- answering

  /** setup_req{src, dst, proxy, V}: forward toward the node closest to dst other than src, or answer it. */
  handleSetupReq(opt: SetupReqOption): void {
    const ctx = this.ctx;
    if (!ctx.active) {
      // An inactive node knows no ring: the request was sent to it as a proxy by mistake.
      ctx.count('drop.setupReqWhileInactive');
      return;
    }
    if (this.guard.seenBefore(ROUTED_REQ, opt.src, opt.token)) {
      // Greedy routing over tables that are still changing can loop: the requester retries later.
      ctx.count('drop.setupReqLoop');
      return;
    }
    const hop = ctx.nextHop(opt.dst, opt.src);
    if (hop.kind === 'forward') {
      ctx.sendControl(hop.via, opt);
      return;
    }
    if (hop.kind === 'none' || opt.src === ctx.address) {
      ctx.count('drop.setupReqNoCandidate');
      return;
    }
    const paths = ctx.paths;
    const ovset = paths.vset.members();
    if (!paths.vset.has(opt.src) && paths.vset.shouldAdd(opt.src)) {
      paths.acceptVirtualNeighbor(opt.src);
      this.learnCandidates(opt.vset, 'vset of a requester', opt.src);
      paths.handleSetup(
        {
          type: OptionType.SETUP,
          pathId: paths.newPathId(),
          src: ctx.address,
          dst: opt.src,
          proxy: opt.proxy,
          vset: ovset,
        },
        ctx.address,
      );
    } else {
      this.learnCandidates(opt.vset, 'vset of a requester', opt.src);
      if (opt.src !== opt.dst && this.redirectAsLookup(opt)) return;
      if (this.selfCheckConfirmed(opt)) {
        ctx.count('selfCheck.confirmed');
        return;
      }
      this.handleSetupFail(
        {
          type: OptionType.SETUP_FAIL,
          token: opt.token,
          src: ctx.address,
          dst: opt.src,
          proxy: opt.proxy,
          vset: ovset,
        },
        ctx.address,
      );
    }
  }

  /**
   * A request for me that I refuse: I know nodes nearer the requester than I am (my members on its side). A
   * refusal would name only those (r/2 a side), and the requester would ask them in turn: a walk along the ring
   * one refusal at a time, each a routed round trip, from wherever it first heard of me down to its real
   * neighbours (dozens of steps on a ring of a thousand nodes). Instead the request goes on as a lookup of the
   * requester's own address (dst = src, a fresh token so relays do not take it for a loop): greedy routing takes
   * it in one pass to the node closest to the requester, which accepts it or refuses with the vset that names
   * its real neighbours. False when no known node is nearer the requester than I am.
   */
  private redirectAsLookup(opt: SetupReqOption): boolean {
    const ctx = this.ctx;
    const hop = ctx.nextHop(opt.src, opt.src);
    if (hop.kind !== 'forward') return false;
    ctx.count('setupReq.redirected');
    const token = ctx.env.rng.u32() || 1;
    this.guard.seenBefore(ROUTED_REQ, opt.src, token);
    ctx.sendControl(hop.via, { ...opt, token, dst: opt.src });
    return true;
  }

  /**
   * Whether a self-check that ended here needs no answer: its sender is already my virtual neighbour, and no node
   * my refusal would name (me and my vset) would be worth asking for it. The requester learns from a refusal by
   * asking the named nodes that are nearEnough among every ring node it knows of; the vset its request carries is
   * a subset of those, and a candidate that is not near enough among a subset is not near enough among more. So
   * the answer would start nothing, and in a consistent ring that is every self-check: silence saves a routed
   * setup_fail per check (most of all setup_fail traffic while a large ring forms). Assumes the requester's r is
   * mine (a requester with a larger r may miss a hint until its vset changes and it checks again).
   */
  private selfCheckConfirmed(opt: SetupReqOption): boolean {
    const vset = this.ctx.paths.vset;
    if (opt.src !== opt.dst || !vset.has(opt.src)) return false;
    const theirs = new Set(opt.vset);
    const named = [this.ctx.address, ...vset.members()].filter((c) => c !== opt.src && !theirs.has(c));
    const known = [...opt.vset, ...named];
    return named.every((c) => !nearEnough(opt.src, c, known, this.ctx.config.vsetSize));
  }

  /** setup_fail{src, dst, proxy, V}: routed like setup; at dst, learn better candidates from V. */
  handleSetupFail(opt: SetupFailOption, sender: Address): void {
    const ctx = this.ctx;
    if (this.guard.seenBefore(ROUTED_FAIL, opt.src, opt.token)) {
      ctx.count('drop.setupFailLoop');
      return;
    }
    const nh = ctx.paths.setupNextHop(opt.dst, opt.proxy);
    if (nh !== null) {
      if (nh !== sender || sender === ctx.address) ctx.sendControl(nh, opt);
      return;
    }
    if (opt.dst !== ctx.address) {
      ctx.count('setupFail.deadEnd');
      return;
    }
    for (const [target, p] of this.pending) {
      if (p.token === opt.token) {
        this.timeAnswer(p);
        this.resolveSetup(target);
        if (opt.src !== target && this.setupAround(target, p.informant)) continue;
        if (opt.src === target) this.hold(target);
        else this.holdUnanswered(target);
      }
    }
    this.hold(opt.src, true);
    this.answered(opt.src);
    this.learnCandidates([...opt.vset, opt.src], 'setup_fail', opt.src);
  }

  /** Every invariant violation of the three tables (empty when all hold). */
  checkInvariants(): string[] {
    const out: string[] = [];
    const ctx = this.ctx;
    const c = ctx.config;
    for (const [target, p] of this.pending) {
      if (p.attempt < 1 || p.attempt > c.setupAttempts) out.push(`pending ${target}: attempt ${p.attempt}`);
      if (p.timer === null) out.push(`pending ${target}: no retry timer armed`);
    }
    const longest = c.refusalHoldHellos * c.helloMs * 2 ** (MAX_STRIKES - 1);
    for (const [target, h] of this.holdOff)
      if (h.until > ctx.env.now() + longest) out.push(`hold of ${target} lasts beyond ${longest} ms`);
    if (this.holdOff.size > MAX_SETUP_HOLDS) out.push(`${this.holdOff.size} holds, cap ${MAX_SETUP_HOLDS}`);
    if (this.pending.size > MAX_PENDING_SETUPS + 1) out.push(`${this.pending.size} pending setups`);
    for (const [target, st] of this.strikes) {
      if (st.count < 1 || st.count > MAX_STRIKES) out.push(`strikes of ${target}: ${st.count}`);
      // (expireHolds runs once a period: a strike may outlive the longest hold by that much.)
      if (ctx.env.now() - st.at > longest + 2 * c.helloMs)
        out.push(`strikes of ${target} outlived the longest hold`);
    }
    if (this.strikes.size > MAX_SETUP_HOLDS)
      out.push(`${this.strikes.size} strike records, cap ${MAX_SETUP_HOLDS}`);
    return [...out, ...this.guard.checkInvariants()];
  }
}
