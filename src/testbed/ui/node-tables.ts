// A node's tables for the side panel, asked of its vrrd over the control socket (the verbs of docs/vrrd.md):
// status, neighbours with link quality, vset, routes, representatives, DHT entry count, multicast trees. A verb
// the daemon does not know (an older vrrd) leaves its table null instead of failing the whole panel.

import type { UiNodeTables } from './ui-types.ts';

/** One control request to the node (LabAccess.ctl bound to it). */
export type CtlFetch = <T>(verb: string) => Promise<T>;

interface StatusReply {
  active: boolean;
  vsetSize: number;
  uptimeMs: number;
  pid: number;
  dht: { entries: number };
}

interface NeighborReply {
  address: string;
  interface: string;
  state: string;
  active: boolean;
  quality: number;
}

interface VsetReply {
  members: { address: string; side: string }[];
}

interface McastReply {
  trees: { root: string; group: string; upstream: string | null; downstream: string[] }[];
}

/** Asks the node for every table; `name` turns an address into a node name where one has it. */
export async function nodeTablesOf(
  node: string,
  address: string,
  alive: boolean,
  ctl: CtlFetch,
  name: (address: string) => string,
): Promise<UiNodeTables> {
  const empty: UiNodeTables = {
    name: node,
    address,
    alive,
    error: null,
    status: null,
    neighbors: [],
    vset: [],
    routes: [],
    representatives: null,
    dhtEntries: null,
    multicastTrees: null,
  };
  if (!alive) return { ...empty, error: 'vrrd is not running (killed)' };
  const optional = <T>(verb: string): Promise<T | null> => ctl<T>(verb).catch(() => null);
  try {
    const [status, neighbors, vset, routes, reps, mcast] = await Promise.all([
      ctl<StatusReply>('status'),
      ctl<NeighborReply[]>('neighbors'),
      ctl<VsetReply>('vset'),
      ctl<UiNodeTables['routes']>('routes'),
      optional<{ address: string; via: string; seq: number }[]>('representatives'),
      optional<McastReply>('mcast.groups'),
    ]);
    return {
      ...empty,
      status: {
        active: status.active,
        vsetSize: status.vsetSize,
        uptimeMs: status.uptimeMs,
        pid: status.pid,
      },
      neighbors: neighbors.map((n) => ({ name: name(n.address), ...n })),
      vset: vset.members.map((m) => ({ name: name(m.address), address: m.address, side: m.side })),
      routes,
      representatives: reps?.map((r) => ({ name: name(r.address), ...r })) ?? null,
      dhtEntries: status.dht.entries,
      multicastTrees: mcast?.trees ?? null,
    };
  } catch (error) {
    return { ...empty, error: `vrrd did not answer: ${(error as Error).message}` };
  }
}
