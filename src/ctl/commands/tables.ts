// `vrrctl neighbors`, `vrrctl vset`, `vrrctl routes`: the node's three tables.

import type { Command } from 'commander';
import { call, output } from '../context.ts';
import { renderTable } from '../table.ts';

/** A neighbors reply row. */
export interface NeighborRow {
  address: string;
  interface: string;
  linkAddress: string;
  state: string;
  active: boolean;
  quality: number;
}

/** The vset reply. */
export interface VsetResult {
  address: string;
  active: boolean;
  vsetSize: number;
  members: { address: string; side: 'cw' | 'ccw' | 'both'; distance: number }[];
}

/** A routes reply row. */
export interface RouteRow {
  ea: string;
  eb: string;
  pathId: number;
  na: string | null;
  nb: string | null;
}

/** Registers `neighbors`, `vset` and `routes`. */
export function registerTables(program: Command): void {
  program
    .command('neighbors')
    .description('physical neighbours: link state, activity and link quality')
    .action(async (_opts, command: Command) => {
      const rows = await call<NeighborRow[]>(command, 'neighbors');
      output(command, rows, (r) =>
        renderTable(
          ['address', 'interface', 'mac', 'state', 'active', 'quality'],
          r.map((n) => [
            n.address,
            n.interface,
            n.linkAddress,
            n.state,
            n.active,
            `${Math.round(n.quality * 100)}%`,
          ]),
        ),
      );
    });

  program
    .command('vset')
    .description('virtual neighbours in ring order: predecessors (ccw), then successors (cw)')
    .action(async (_opts, command: Command) => {
      const v = await call<VsetResult>(command, 'vset');
      output(command, v, (r) =>
        [
          `${r.address}: ${r.members.length} of ${r.vsetSize} virtual neighbours${r.active ? '' : ' (inactive)'}`,
          renderTable(
            ['address', 'side', 'distance'],
            r.members.map((m) => [m.address, m.side, m.distance]),
          ),
        ].join('\n'),
      );
    });

  program
    .command('routes')
    .description('vset-path entries: endpoints, path id and the next hop toward each endpoint')
    .action(async (_opts, command: Command) => {
      const rows = await call<RouteRow[]>(command, 'routes');
      output(command, rows, (r) =>
        renderTable(
          ['ea', 'eb', 'path id', 'na', 'nb'],
          r.map((x) => [x.ea, x.eb, x.pathId.toString(16).padStart(8, '0'), x.na, x.nb]),
        ),
      );
    });
}
