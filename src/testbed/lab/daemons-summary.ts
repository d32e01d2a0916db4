// How a lab runs vrrd, said the same way by `up`, `status` and the run report: the mode, and in shared mode
// which host process runs how many nodes.

import type { DaemonsMode, LabState } from './lab-state.ts';
import { daemonsMode } from './lab-state.ts';

/** The daemons of a lab as JSON: the mode, and the hosts (pid and nodes) in shared mode. */
export function daemonsSummary(state: LabState): {
  mode: DaemonsMode;
  hosts?: { index: number; pid: number | null; nodes: string[] }[];
} {
  const mode = daemonsMode(state);
  if (mode === 'per-node') return { mode };
  return {
    mode,
    hosts: (state.daemons?.hosts ?? []).map((h) => ({ index: h.index, pid: h.pid, nodes: h.nodes })),
  };
}

/** One phrase: "one vrrd per node" or "2 shared vrrd hosts (pids 10: 5 nodes, 11: 4 nodes)". */
export function describeDaemons(state: LabState): string {
  const s = daemonsSummary(state);
  if (s.mode === 'per-node') return 'one vrrd per node';
  const hosts = s.hosts ?? [];
  const each = hosts.map((h) => `pid ${h.pid ?? '-'}: ${h.nodes.length} nodes`).join(', ');
  return `${hosts.length} shared vrrd host${hosts.length === 1 ? '' : 's'} (${each})`;
}
