// `vrrctl link show [IF]` and `vrrctl link set IF key=value...`: the in-daemon link emulation of each
// interface (delay, jitter, loss, rate, duplicate, reorder, corrupt), read and changed live.

import type { Command } from 'commander';
import { EMULATION_KEYS, parseEmulationPairs } from '../../topology/emulation-spec.ts';
import { call, CtlFailure, output } from '../context.ts';
import { renderTable } from '../table.ts';

/** A link.show row. */
export interface LinkRow {
  interface: string;
  port: number;
  up: boolean;
  mac: string | null;
  mtu: number | null;
  emulated: boolean;
  emulation: Record<string, string>;
  emulator: Record<string, number> | null;
}

/** Registers `link show` and `link set`. */
export function registerLink(program: Command): void {
  const link = program.command('link').description('show or change link emulation per interface, live');

  link
    .command('show [interface]')
    .description('interfaces with their emulation settings and emulator counters')
    .action(async (ifname: string | undefined, _opts, command: Command) => {
      const rows = await call<LinkRow[]>(command, 'link.show', ifname ? { interface: ifname } : {});
      output(command, rows, renderLinks);
    });

  link
    .command('set <interface> <settings...>')
    .description(
      `change settings, e.g. delay=10ms jitter=2ms loss=1% rate=1mbit (keys: ${EMULATION_KEYS.join(', ')}; rate=unlimited lifts a rate)`,
    )
    .action(async (ifname: string, settings: string[], _opts, command: Command) => {
      let spec;
      try {
        spec = parseEmulationPairs(settings.join(' '), 'link set');
      } catch (error) {
        throw new CtlFailure((error as Error).message, 2);
      }
      const r = await call<{ interface: string; emulation: Record<string, string> }>(command, 'link.set', {
        interface: ifname,
        settings: spec,
      });
      output(
        command,
        r,
        (x) => `${x.interface}: ${EMULATION_KEYS.map((k) => `${k}=${x.emulation[k]}`).join(' ')}`,
      );
    });
}

function renderLinks(rows: LinkRow[]): string {
  return renderTable(
    ['interface', 'up', 'mac', 'mtu', ...EMULATION_KEYS, 'emulated', 'lost'],
    rows.map((r) => [
      r.interface,
      r.up,
      r.mac,
      r.mtu,
      ...EMULATION_KEYS.map((k) => r.emulation[k]),
      r.emulator ? r.emulator.delivered : null,
      r.emulator ? r.emulator.dropped + r.emulator.overflowed : null,
    ]),
  );
}
