// Paths: the vset and the route table, and the reactions that change them (docs/protocol.md, Paths): setup
// installs a path hop by hop and makes its far end take this node as a virtual neighbour or refuse it; teardown
// removes one, on purpose (with the vset of the node that started it) or after a failure (without); a lost link
// tears down every path through it. The corrections to the pseudocode that page lists are applied (the endpoint a
// teardown reaches asks the OTHER endpoint again).
//
// Invariants (checked by checkInvariants, test/unit/vrr/paths.test.ts, and on whole networks by the ring checker;
// routes.ts and vset.ts state those of the tables themselves):
//  - every vset member has at least one route whose endpoints are this node and the member;
//  - every route's non-null na/nb is a linked neighbour;
//  - an inactive node has an empty vset;
//  - `tornDownEarly` holds at most TORN_DOWN_EARLY_KEPT keys, the newest; a setup whose key it holds is turned back;
//  - a setup whose (ea, pathId) passed here lately (`setupsSeen`, LOOP_GUARD_KEPT of them) and has no entry any more
//    is in a loop: turned back (drop.setupLoop);
//  - a setup that would take the route table past MAX_ROUTES entries, or MAX_ROUTES_PER_NEIGHBOR through one
//    neighbour (limits.ts), is turned back and counted (cap.routes.*); the paths in place stay;
//  - owned by node-context.ts alone; other modules read vset and routes, and change them only through Paths.

import { formatAddress, type Address } from './address.ts';
import { forwardVia } from './forwarding.ts';
import { TORN_DOWN_EARLY_KEPT } from './limits.ts';
import { LoopGuard, ROUTED_REQ } from './loop-guard.ts';
import type { NodeContext } from './node-context.ts';
import { pathPrecedes, RouteTable, routeKey, type Route } from './routes.ts';
import { Vset } from './vset.ts';
import { OptionType, type SetupOption, type TeardownOption } from './wire/types.ts';

/** A read-only view of a route entry. */
export interface RouteView {
  ea: Address;
  eb: Address;
  pathId: number;
  na: Address | null;
  nb: Address | null;
}

// Teardowns that came before their setup are remembered until it comes (a retransmission is due within seconds).
export { TORN_DOWN_EARLY_KEPT };

/** Adds key to a set kept to its newest `cap` entries (a Set iterates in insertion order). */
function remember(set: Set<string>, key: string, cap: number): void {
  set.add(key);
  if (set.size > cap) set.delete(set.values().next().value as string);
}

/** The virtual set and the paths through this node. */
export class Paths {
  readonly vset: Vset;
  readonly routes = new RouteTable();
  /**
   * Paths whose teardown arrived here before their setup did, by (ea, pathId): the teardown overtook a setup that
   * was retransmitted, or reordered on a link. The setup, when it comes, is turned back instead of installing
   * a path whose far end is gone, which nothing would ever remove (hard state has no refresh).
   */
  private readonly tornDownEarly = new Set<string>();
  /**
   * The setups seen here lately, by (ea, pathId): a setup that comes back after its entry was removed is in a loop
   * (a pset entry pointing elsewhere than its address, as a spoofed hello makes one, sends a setup between two nodes
   * that each take the other for the next hop; each pass tore the entry down before the next arrived, so the
   * duplicate rule never saw it, and the setup circled at link speed). It is turned back like a duplicate.
   */
  private readonly setupsSeen = new LoopGuard();

  constructor(private readonly ctx: NodeContext) {
    this.vset = new Vset(ctx.address, ctx.config.vsetSize);
  }

  /** Views of the route entries, in insertion order. */
  views(): RouteView[] {
    return this.routes.all().map((r) => ({ ...r }));
  }

  /**
   * Where a setup or setup_fail goes next: straight to dst if it is a neighbour, along a route to dst itself if
   * this node has one, else toward the proxy. (A joining node has no paths yet: only its proxy reaches it. A setup
   * around a refusal, setupAround, goes to a proxy that is not dst's neighbour but has a path to it.)
   */
  setupNextHop(dst: Address, proxy: Address): Address | null {
    const ctx = this.ctx;
    if (dst === ctx.address) return null;
    const pset = ctx.links.pset;
    if (pset.isLinked(dst)) return dst;
    const exact = this.exactHop(dst);
    if (exact !== null) return exact;
    if (proxy === ctx.address) return null;
    if (pset.isLinked(proxy)) return proxy;
    return forwardVia(ctx.nextHop(proxy));
  }

  /** The next hop of a route whose endpoint is dst itself, or null (greedy routing may end elsewhere). */
  exactHop(dst: Address): Address | null {
    const hop = this.ctx.nextHop(dst);
    return hop.kind === 'forward' && hop.endpoint === dst ? hop.via : null;
  }

  /** A fresh path id, unused by paths this node started. */
  newPathId(): number {
    for (;;) {
      const id = this.ctx.env.rng.u32();
      if (id !== 0 && !this.routes.has(this.ctx.address, id)) return id;
    }
  }

  /** Creates a path to target with a SETUP from here (this node is endpoint A), routed through proxy. */
  setupDirect(target: Address, proxy: Address, why: string): void {
    const ctx = this.ctx;
    ctx.setups.hold(target);
    const ovset = this.vset.members();
    ctx.env.emit({ type: 'setup-req', target, attempt: 1, why });
    this.acceptVirtualNeighbor(target);
    this.handleSetup(
      {
        type: OptionType.SETUP,
        pathId: this.newPathId(),
        src: ctx.address,
        dst: target,
        proxy,
        vset: ovset,
      },
      ctx.address,
    );
  }

  /** setup{src, dst, pathId, proxy, V} from sender (this node when originated here): install and pass on. */
  handleSetup(opt: SetupOption, sender: Address): void {
    const ctx = this.ctx;
    const me = ctx.address;
    const fromMe = sender === me;
    // (The size test first: a key string per setup hop is not free, and the set is nearly always empty.)
    if (!fromMe && this.tornDownEarly.size > 0 && this.tornDownEarly.delete(routeKey(opt.src, opt.pathId))) {
      ctx.count('setup.afterItsTeardown');
      this.tearDownPath(opt.pathId, opt.src, sender);
      return;
    }
    if (
      this.setupsSeen.seenBefore(ROUTED_REQ, opt.src, opt.pathId) &&
      !this.routes.has(opt.src, opt.pathId)
    ) {
      ctx.count('drop.setupLoop');
      this.tearDownPath(opt.pathId, opt.src, fromMe ? null : sender);
      return;
    }
    const nh = this.setupNextHop(opt.dst, opt.proxy);
    if (!fromMe && nh === sender) {
      // Routes still settling send it back the way it came: an entry leading both ways to the same neighbour is
      // no path, and if the teardown of the copy it bounced into was lost, it stayed for good (hard state).
      ctx.count('setup.bounced');
      this.tearDownPath(opt.pathId, opt.src, sender);
      return;
    }
    const route: Route = { ea: opt.src, eb: opt.dst, pathId: opt.pathId, na: fromMe ? null : sender, nb: nh };
    if (this.overCap(opt, route, fromMe)) return;
    const added = opt.src !== opt.dst && this.routes.add(route);
    if (!added || (!fromMe && !ctx.links.pset.isLinked(sender))) {
      // A duplicate (ea, pathId) means a loop: both copies die (TearDownPath removes the existing one).
      ctx.count('setup.rejected');
      this.tearDownPath(opt.pathId, opt.src, fromMe ? null : sender);
      return;
    }
    if (nh !== null) {
      ctx.sendControl(nh, opt);
      return;
    }
    if (opt.dst !== me) {
      ctx.count('setup.deadEnd');
      this.tearDownPath(opt.pathId, opt.src, null);
      return;
    }
    // I am endpoint B: take src as a virtual neighbour, or refuse with my vset attached.
    const pending = ctx.setups.isPending(opt.src);
    ctx.setups.answered(opt.src);
    if (this.vset.has(opt.src) || this.vset.shouldAdd(opt.src)) {
      if (!this.vset.has(opt.src)) this.acceptVirtualNeighbor(opt.src);
      ctx.env.emit({ type: 'path-up', ea: opt.src, eb: opt.dst, pathId: opt.pathId });
      if (pending) ctx.setups.resolveSetup(opt.src);
      if (!ctx.active) ctx.becomeActive(`setup from ${formatAddress(opt.src)}`);
      ctx.setups.learnCandidates(opt.vset, 'vset of a new virtual neighbour', opt.src);
      this.dropParallelPaths(opt.src);
    } else {
      ctx.count('setup.refusedAtDestination');
      this.tearDownPath(opt.pathId, opt.src, null);
      if (!ctx.active) ctx.becomeActive(`setup from ${formatAddress(opt.src)}`);
      ctx.setups.learnCandidates(opt.vset, 'vset of a refused setup', opt.src);
    }
  }

  /**
   * Refuses a new path that would break a route-table cap (limits.ts: MAX_ROUTES, MAX_ROUTES_PER_NEIGHBOR): paths in
   * place are kept (a flood must not break working paths), the setup is turned back (a teardown without a vset:
   * its origin sees a failure and asks again later). A path this node started ends before it began: the target it
   * took as a virtual neighbour for it leaves the vset again. True when refused.
   */
  private overCap(opt: SetupOption, route: Route, fromMe: boolean): boolean {
    const ctx = this.ctx;
    if (opt.src === opt.dst || (!fromMe && !ctx.links.pset.isLinked(route.na!))) return false;
    if (this.routes.has(opt.src, opt.pathId)) return false; // a duplicate: handled as a loop
    const cap = this.routes.refusal(route.na, route.nb);
    if (cap === null) return false;
    ctx.count(`cap.routes.${cap}`);
    if (!fromMe) {
      this.tearDownPath(opt.pathId, opt.src, route.na);
      return true;
    }
    this.dropIfPathless(opt.dst, 'route table full');
    return true;
  }

  /** A virtual neighbour left without a path to it leaves the vset. */
  private dropIfPathless(other: Address, why: string): void {
    const ctx = this.ctx;
    if (!this.vset.has(other) || this.routes.between(ctx.address, other).length > 0) return;
    this.vset.remove(other);
    ctx.env.emit({ type: 'vset-remove', member: other, why });
    ctx.notifyVsetChange([], [other]);
  }

  /** teardown{<pathId, ea>, V} from sender. */
  handleTeardown(opt: TeardownOption, sender: Address): void {
    const ctx = this.ctx;
    const r = this.routes.get(opt.ea, opt.pathId);
    if (!r || (r.na !== sender && r.nb !== sender)) {
      ctx.count('teardown.unknownPath');
      if (!r) remember(this.tornDownEarly, routeKey(opt.ea, opt.pathId), TORN_DOWN_EARLY_KEPT);
      return;
    }
    this.removeRoute(r, opt.vset ? 'deliberate teardown' : 'teardown after a failure');
    const next = sender === r.na ? r.nb : r.na;
    if (next !== null) {
      if (ctx.links.pset.isLinked(next)) ctx.sendControl(next, opt);
      return;
    }
    // I am an endpoint. The other endpoint is the one that is not me (the pseudocode's (sender = na) ? eb : ea
    // yields me at both ends: the teardown correction of docs/protocol.md, Paths).
    const other = r.ea === ctx.address ? r.eb : r.ea;
    this.endpointLost(other, opt.vset);
  }

  /** A linked neighbour is gone: tear down every path through it (a link failure). */
  onNeighborLost(n: Address): void {
    const ctx = this.ctx;
    for (const r of this.routes.via(n)) {
      this.removeRoute(r, `link to ${formatAddress(n)} failed`);
      const next = r.na === n ? r.nb : r.na;
      if (next !== null) {
        if (next !== n && ctx.links.pset.isLinked(next)) {
          ctx.sendControl(next, { type: OptionType.TEARDOWN, pathId: r.pathId, ea: r.ea, vset: null });
        }
      } else {
        const other = r.ea === ctx.address ? r.eb : r.ea;
        this.endpointLost(other, null);
      }
    }
  }

  /** A path of mine found broken (path-check.ts): remove it, tear down what is left of it, ask `other` again. */
  dropBroken(r: Route, why: string): void {
    const ctx = this.ctx;
    this.removeRoute(r, why);
    const next = r.ea === ctx.address ? r.nb : r.na;
    if (next !== null && ctx.links.pset.isLinked(next)) {
      ctx.sendControl(next, { type: OptionType.TEARDOWN, pathId: r.pathId, ea: r.ea, vset: null });
    }
    this.endpointLost(r.ea === ctx.address ? r.eb : r.ea, null);
  }

  /**
   * A relay entry no endpoint's probe has passed for long (path-check.ts): an orphan, left when a teardown was
   * lost, that no endpoint holds and so none probes. Removed here and torn down both ways as a failure (a
   * neighbour that holds no entry for it only counts teardown.unknownPath).
   */
  dropStale(r: Route): void {
    const ctx = this.ctx;
    this.removeRoute(r, 'stale at this relay: no probe passed');
    for (const n of new Set([r.na, r.nb])) {
      if (n !== null && ctx.links.pset.isLinked(n)) {
        ctx.sendControl(n, { type: OptionType.TEARDOWN, pathId: r.pathId, ea: r.ea, vset: null });
      }
    }
  }

  /** A path found broken here before its setup came (path-check.ts): its setup, if it comes, is turned back. */
  rememberTornDown(ea: Address, pathId: number): void {
    remember(this.tornDownEarly, routeKey(ea, pathId), TORN_DOWN_EARLY_KEPT);
  }

  /** The path to `other` is gone. Deliberate (V given): learn from V. Failure: ask `other` again. */
  private endpointLost(other: Address, vset: Address[] | null): void {
    const setups = this.ctx.setups;
    if (vset) {
      setups.hold(other, true);
      setups.learnCandidates(vset, 'vset of a deliberate teardown', other);
    } else if (!this.vset.has(other)) {
      setups.requestSetup(other, 'path torn down by a failure');
    }
  }

  /**
   * Two nodes that set up a path to each other at once end up with two: every relay then holds two entries for one
   * virtual link. The one forwarding uses, the smallest (pathId, ea), is kept; the others are torn down (without a
   * vset: nothing is refused) by the endpoint the kept one ended at, once it has arrived there complete. The other
   * endpoint cannot know whether the kept path has reached this one yet, so it leaves the pair alone.
   */
  private dropParallelPaths(other: Address): void {
    const ctx = this.ctx;
    const me = ctx.address;
    const paths = this.routes.between(me, other);
    if (paths.length < 2) return;
    let keep = paths[0];
    for (const r of paths) if (pathPrecedes(r, keep)) keep = r;
    if (keep.eb !== me) return;
    for (const r of paths) {
      if (r === keep) continue;
      ctx.count('parallelPathsDropped');
      this.removeRoute(r, 'parallel to a path kept');
      const next = r.ea === me ? r.nb : r.na;
      if (next !== null && ctx.links.pset.isLinked(next)) {
        ctx.sendControl(next, { type: OptionType.TEARDOWN, pathId: r.pathId, ea: r.ea, vset: null });
      }
    }
  }

  /** TearDownPath(pathId, ea, sender): remove the entry and tell its neighbours (with my vset if I started it). */
  tearDownPath(pathId: number, ea: Address, sender: Address | null): void {
    const ctx = this.ctx;
    const r = this.routes.get(ea, pathId);
    if (r) this.removeRoute(r, sender === null ? 'torn down here' : 'duplicate path id');
    const vset = sender === null ? this.vset.members() : null;
    const targets = new Set<Address>();
    for (const n of [r?.na ?? null, r?.nb ?? null, sender]) {
      if (n !== null && n !== ctx.address && ctx.links.pset.isLinked(n)) targets.add(n);
    }
    for (const n of targets) ctx.sendControl(n, { type: OptionType.TEARDOWN, pathId, ea, vset });
  }

  /** Removes a route; when it was the last path to a virtual neighbour, that neighbour leaves the vset. */
  private removeRoute(r: Route, why: string): void {
    const ctx = this.ctx;
    if (!this.routes.remove(r.ea, r.pathId)) return;
    ctx.env.emit({ type: 'path-down', ea: r.ea, eb: r.eb, pathId: r.pathId, why });
    const me = ctx.address;
    if (r.ea !== me && r.eb !== me) return;
    this.dropIfPathless(r.ea === me ? r.eb : r.ea, why);
  }

  /** Inserts a virtual neighbour and tears down the paths to those it pushes out (with my vset attached). */
  acceptVirtualNeighbor(x: Address): void {
    const ctx = this.ctx;
    const evicted = this.vset.add(x);
    ctx.env.emit({ type: 'vset-add', member: x });
    for (const e of evicted) {
      ctx.env.emit({ type: 'vset-remove', member: e, why: `evicted by ${formatAddress(x)}` });
      for (const r of this.routes.between(ctx.address, e)) this.tearDownPath(r.pathId, r.ea, null);
    }
    ctx.notifyVsetChange([x], evicted);
  }

  /** Every invariant violation of the vset, the routes and the teardown memory (empty when all hold). */
  checkInvariants(): string[] {
    const out: string[] = [];
    const me = this.ctx.address;
    const pset = this.ctx.links.pset;
    for (const m of this.vset.members()) {
      if (this.routes.between(me, m).length === 0) out.push(`vset member ${formatAddress(m)} has no path`);
    }
    for (const r of this.routes.all()) {
      for (const n of [r.na, r.nb])
        if (n !== null && !pset.isLinked(n))
          out.push(`path ${routeKey(r.ea, r.pathId)}: next hop ${formatAddress(n)} is not linked`);
      if (r.na === null && r.ea !== me) out.push(`path ${routeKey(r.ea, r.pathId)}: no na, yet ea is not me`);
      if (r.nb === null && r.eb !== me) out.push(`path ${routeKey(r.ea, r.pathId)}: no nb, yet eb is not me`);
    }
    if (!this.ctx.active && this.vset.size > 0) out.push('an inactive node has virtual neighbours');
    if (this.tornDownEarly.size > TORN_DOWN_EARLY_KEPT) out.push('tornDownEarly over its cap');
    out.push(...this.routes.checkInvariants());
    out.push(...this.setupsSeen.checkInvariants());
    return out;
  }
}
