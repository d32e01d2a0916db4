// Every bound on what a VRR node (the core, its DHT and its multicast) can be made to hold, in one place. A
// neighbour that misbehaves (or a stranger, on a mesh without a network key) decides what it sends; these caps
// decide what that costs the receiver. Each cap names its eviction rule, and each eviction or refusal bumps a
// node counter named `cap.<table>.<what>` (vrrctl stats, the simulator's report: figures.capsHit), so a report
// says which cap was hit. docs/security.md lists the same values and why; the table modules state their cap in
// the invariants at their top, and test it.
//
//   cap                            value    table (owner)                       when full
//   MAX_NEIGHBORS_PER_PORT           128    pset, per port (pset.ts, links.ts)  the least recently heard unlinked
//                                                                               neighbour of the port is forgotten;
//                                                                               if all are linked, the newcomer is
//                                                                               ignored (cap.pset.evicted/refused)
//   MAX_ROUTES                      8192    route table (routes.ts, paths.ts)   a new path is refused: its SETUP is
//                                                                               turned back with a teardown; paths
//                                                                               in place stay (cap.routes.total)
//   MAX_ROUTES_PER_NEIGHBOR         2048    routes through one neighbour        same (cap.routes.perNeighbor)
//   MAX_REPRESENTATIVES              256    representatives (repair.ts)         the record refreshed longest ago is
//                                                                               dropped (cap.reps.evicted)
//   MAX_PENDING_SETUPS               256    setup requests (setup.ts)           a new request is not started
//                                                                               (cap.setups.refused)
//   MAX_SETUP_HOLDS                 1024    hold-offs (setup.ts)                the hold ending soonest is dropped
//                                                                               (cap.holds.evicted)
//   TORN_DOWN_EARLY_KEPT             256    early teardowns (paths.ts)          the oldest is forgotten
//   LOOP_GUARD_KEPT                  512    routed requests seen (loop-guard)   the oldest is forgotten
//   DEDUPE_WINDOW                     64    sequences per linked neighbour      the oldest is forgotten
//                                           (reliable.ts; ACKs and acked
//                                           packets only from linked senders)
//   MAX_AUTH_SENDERS_PER_PORT        256    keyed meshes: senders per port      the least recently heard one is
//                                           (auth/link-auth.ts)                 forgotten (auth.sendersEvicted)
//   MAX_DHT_ENTRIES               16,384    DHT key-value table (dht/store.ts)  a copy of a key not held here is
//                                                                               refused: PUT answered REFUSED, a
//                                                                               transfer not taken (cap.dht.total)
//   MAX_DHT_ENTRIES_PER_ORIGIN     1,024    entries whose copy one node put     same (cap.dht.perOrigin)
//   MAX_VERSION_JUMP              65,536    DHT versions (dht/requests.ts,      a copy more than this ahead of the
//                                           dht/transfers.ts)                   one held (of a key not held: above
//                                                                               it, for a PUT) is refused
//                                                                               (cap.dht.versionJump)
//   REPLICA_HOLD_HELLOS              900    a replica's copy (dht/placement.ts) lapses this many hello periods after
//                                                                               its owner last confirmed it; owners
//                                                                               re-confirm every third of it
//                                                                               (dht.replica.lapsed)
//   MAX_MCAST_TREES                1,024    multicast trees (tree-table.ts)     a tree asked for from outside is
//                                                                               refused: BRANCH felled back, SEED
//                                                                               pruned back (cap.mcast.trees)
//   MAX_MCAST_TREE_RECORDS         8,192    per-tree, per-neighbour sequence    the oldest record is forgotten
//                                           records (tree-table.ts); seeds      (cap.mcast.records)
//                                           passed on in the last hello period
//                                           (loop recognition, trees.ts)
//   MAX_RVP_GROUPS                 1,024    an RVP's group records              a request for a new group goes
//                                           (multicast/membership.ts)           unanswered (cap.mcast.groups)
//   MAX_GROUP_PARTIES              1,024    sources, and members, of one group  a new party goes unanswered; lists
//                                           (RVP records; a member's sources;   received are cut to the cap
//                                           a source's members)                 (cap.mcast.parties)
//
// The values sit far above what the ready-made labs use (the busiest, rgg-1000, peaks at 790 routes on one node),
// so same-seed reports of those labs are unchanged: no cap is ever reached there.

/** Physical neighbours kept per port. */
export const MAX_NEIGHBORS_PER_PORT = 128;
/** Route entries of one node. */
export const MAX_ROUTES = 8192;
/** Route entries whose next hop, either way, is one neighbour. */
export const MAX_ROUTES_PER_NEIGHBOR = 2048;
/** Representative records kept. */
export const MAX_REPRESENTATIVES = 256;
/** Setup requests under way at once. */
export const MAX_PENDING_SETUPS = 256;
/** Targets on hold (not asked again for a while). */
export const MAX_SETUP_HOLDS = 1024;
/** Teardowns that came before their setup, remembered until it comes. */
export const TORN_DOWN_EARLY_KEPT = 256;
/** Routed requests remembered for loop detection. */
export const LOOP_GUARD_KEPT = 512;
/** Received sequences remembered per linked neighbour, for duplicate suppression. */
export const DEDUPE_WINDOW = 64;
/** Keyed meshes: senders remembered per port. */
export const MAX_AUTH_SENDERS_PER_PORT = 256;

/** DHT entries held by one node (owner and replica copies, tombstones included). */
export const MAX_DHT_ENTRIES = 16_384;
/** DHT entries whose copy one origin (the node that put it) wrote. */
export const MAX_DHT_ENTRIES_PER_ORIGIN = 1024;
/** How far ahead of the held version a copy's version may be (2^16). */
export const MAX_VERSION_JUMP = 65_536;
/** A replica's copy lapses this many hello periods after its owner last confirmed it. */
export const REPLICA_HOLD_HELLOS = 900;

/** Multicast tree entries of one node. */
export const MAX_MCAST_TREES = 1024;
/** Per-tree, per-neighbour sequence and child records (they outlive the trees, see tree-table.ts); also the seeds a
 * node remembers passing on (trees.ts). */
export const MAX_MCAST_TREE_RECORDS = 8192;
/** Group records an RVP (or replica) holds. */
export const MAX_RVP_GROUPS = 1024;
/** Sources, and members, of one group in any list a node keeps. */
export const MAX_GROUP_PARTIES = 1024;

/**
 * The cap of each table VrrNode.tableSizes() reports (names as it reports them): what a fuzz or a report compares
 * sizes with. mcastTreeRecords sums three maps, each capped apart; pendingSetups may hold the node's own join on top.
 */
export const TABLE_CAPS: Readonly<Record<string, number>> = {
  neighborsOnOnePort: MAX_NEIGHBORS_PER_PORT,
  routes: MAX_ROUTES,
  pathChecks: MAX_ROUTES, // one per path this node is an endpoint of, each a route
  representatives: MAX_REPRESENTATIVES,
  pendingSetups: MAX_PENDING_SETUPS + 1,
  setupHolds: MAX_SETUP_HOLDS,
  dhtEntries: MAX_DHT_ENTRIES,
  dhtEntriesOfOneOrigin: MAX_DHT_ENTRIES_PER_ORIGIN,
  mcastTrees: MAX_MCAST_TREES,
  mcastTreeRecords: 3 * MAX_MCAST_TREE_RECORDS,
  rvpGroups: MAX_RVP_GROUPS,
  mcastPartiesOfOneGroup: MAX_GROUP_PARTIES,
};

/** Every table of `sizes` (VrrNode.tableSizes()) above its cap, as "name: size > cap" (empty when none is). */
export function tablesOverCap(sizes: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (const [name, size] of Object.entries(sizes)) {
    const cap = TABLE_CAPS[name];
    if (cap !== undefined && size > cap) out.push(`${name}: ${size} > ${cap}`);
  }
  return out;
}
