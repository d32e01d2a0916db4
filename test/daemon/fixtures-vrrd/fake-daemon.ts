// A vrrd without a network: the real control server answering the real verbs (control-verbs.ts) over a fake
// node whose tables the test fills, e.g. the 20,000 routes a hub of a 1,000-node lab holds. For paging and the
// control socket's bounds; no root, no namespaces.

import type { ControlLimits } from '../../../src/control/limits.ts';
import { ControlServer } from '../../../src/daemon/control-server.ts';
import { buildVerbHandlers, type VerbContext } from '../../../src/daemon/control-verbs.ts';
import type { DhtEntryView } from '../../../src/vrr/dht/dht.ts';
import type { GroupsView } from '../../../src/daemon/multicast-groups.ts';
import { Logger } from '../../../src/daemon/logger.ts';
import type { Address } from '../../../src/vrr/address.ts';
import type { NeighborView, RouteView } from '../../../src/vrr/node.ts';

/** The tables the fake node shows; a test may change them between pages. */
export interface FakeTables {
  address: Address;
  routes: RouteView[];
  neighbors: NeighborView[];
  vset: Address[];
  vsetSize: number;
  dht: DhtEntryView[];
  groups: GroupsView;
}

/** Empty tables of a node at address 02:00:00:00:00:01. */
export function emptyTables(): FakeTables {
  return {
    address: 0x020000000001,
    routes: [],
    neighbors: [],
    vset: [],
    vsetSize: 4,
    dht: [],
    groups: { member: [], source: [], delivered: {}, sent: {}, trees: [] },
  };
}

/** Address i of a lab (02:00:00:00:00:00 + i). */
export function labAddress(i: number): Address {
  return 0x020000000000 + i;
}

/**
 * count distinct routes (ea, pathId) through a node of a lab of `nodes` nodes, in no particular order: what a hub
 * holds. Path ids come from a fixed LCG, so every run builds the same table.
 */
export function fakeRoutes(count: number, nodes = 1000): RouteView[] {
  const out: RouteView[] = [];
  const seen = new Set<string>();
  let x = 12345;
  while (out.length < count) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const ea = labAddress(1 + (x % nodes));
    const eb = labAddress(1 + ((x >>> 10) % nodes));
    const key = `${ea}/${x}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ea, eb, pathId: x, na: labAddress(2), nb: labAddress(3) });
  }
  return out;
}

/** The context the verbs need, reading the tables (the parts no table verb uses are left out). */
export function fakeContext(
  tables: FakeTables,
  control: () => ControlServer | null = () => null,
): VerbContext {
  const node = {
    get address() {
      return tables.address;
    },
    config: {
      get vsetSize() {
        return tables.vsetSize;
      },
      helloMs: 1000,
    },
    isActive: () => true,
    routes: () => tables.routes,
    neighbors: () => tables.neighbors,
    vsetMembers: () => tables.vset,
    counters: () => ({ routes: tables.routes.length }),
  };
  return {
    config: { name: 'fake', seed: 1 },
    node,
    links: { interfaces: ['eth0'], report: () => [] },
    overlay: null,
    dht: { entries: () => tables.dht },
    mappings: null,
    multicast: { view: () => tables.groups },
    control,
    startedAt: Date.now(),
    version: 'test',
    mode: 'per-node',
  } as unknown as VerbContext;
}

/** Starts a control server at path answering the verbs over tables. */
export async function startFakeDaemon(
  path: string,
  tables: FakeTables,
  limits: Partial<ControlLimits> = {},
): Promise<ControlServer> {
  await ControlServer.preparePath(path);
  let server: ControlServer | null = null;
  server = new ControlServer(
    path,
    buildVerbHandlers(fakeContext(tables, () => server)),
    new Logger('error', () => {}),
    limits,
  );
  await server.listen();
  return server;
}
