// `vrrctl status`: the daemon at a glance (address, ring membership, interfaces, overlay, DHT mappings).

import type { Command } from 'commander';
import { call, output } from '../context.ts';
import { renderPairs, renderTable } from '../table.ts';

/** The status reply (control-verbs.ts). */
export interface StatusResult {
  address: string;
  name: string | null;
  pid: number;
  version: string;
  active: boolean;
  startedAt: string;
  uptimeMs: number;
  seed: number;
  vsetSize: number;
  helloMs: number;
  interfaces: { name: string; port: number; up: boolean; emulated: boolean }[];
  overlay: { name: string; mtu: number; ipv4: string | null; ipv6: string | null } | null;
  dht: {
    /** Entries stored on this node. */
    entries: number;
    mappings: { key: string; ok: boolean; at: string; error?: string }[];
  };
  counts: { neighbors: number; linked: number; vset: number; routes: number };
}

/** Registers `status`. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('address, ring membership, interfaces, overlay and DHT mappings')
    .action(async (_opts, command: Command) => {
      const s = await call<StatusResult>(command, 'status');
      output(command, s, renderStatus);
    });
}

/** Human rendering of a status reply. */
export function renderStatus(s: StatusResult): string {
  const pairs: [string, string | number | boolean | null][] = [
    ['address', s.address],
    ['name', s.name],
    ['state', s.active ? 'active (in a ring)' : 'inactive (joining)'],
    ['uptime', `${(s.uptimeMs / 1000).toFixed(1)} s`],
    ['pid', s.pid],
    ['version', s.version],
    ['seed', s.seed],
    ['vset size', s.vsetSize],
    ['hello', `${s.helloMs} ms`],
    ['neighbors', `${s.counts.linked} linked of ${s.counts.neighbors}`],
    ['vset', `${s.counts.vset} of ${s.vsetSize}`],
    ['routes', s.counts.routes],
    ['overlay', s.overlay ? `${s.overlay.name} mtu ${s.overlay.mtu}` : 'disabled'],
  ];
  if (s.overlay) pairs.push(['  ipv4', s.overlay.ipv4], ['  ipv6', s.overlay.ipv6]);
  pairs.push(['dht entries', s.dht.entries]);
  const parts = [
    renderPairs(pairs),
    '',
    renderTable(
      ['interface', 'port', 'up', 'emulated'],
      s.interfaces.map((i) => [i.name, i.port, i.up, i.emulated]),
    ),
  ];
  if (s.dht.mappings.length > 0) {
    parts.push(
      '',
      renderTable(
        ['mapping', 'published', 'at', 'error'],
        s.dht.mappings.map((m) => [m.key, m.ok, m.at, m.error ?? null]),
      ),
    );
  }
  return parts.join('\n');
}
