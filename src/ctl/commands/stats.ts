// `vrrctl stats`: the node's counters (frames, malformed frames by reason, unknown options, drops), the
// overlay's translation counters and every link's socket and emulator counters.

import type { Command } from 'commander';
import { call, output } from '../context.ts';
import { renderPairs, renderTable } from '../table.ts';

/** The stats reply (control-verbs.ts). */
export interface StatsResult {
  summary: Record<string, number>;
  node: Record<string, number>;
  overlay: { translation: Record<string, number>; tap: Record<string, number | string | null> } | null;
  links: {
    interface: string;
    up: boolean;
    downs: number;
    socket: Record<string, number | string | null> | null;
    emulator: Record<string, number> | null;
  }[];
  control: Record<string, number> | null;
}

/** Registers `stats`. */
export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('counters: frames, malformed frames, unknown options, drops, overlay, links')
    .option('-a, --all', 'every counter (default: the summary, links and non-zero node counters)')
    .action(async (opts: { all?: boolean }, command: Command) => {
      const s = await call<StatsResult>(command, 'stats');
      output(command, s, (r) => renderStats(r, opts.all ?? false));
    });
}

/** Human rendering of a stats reply. */
export function renderStats(s: StatsResult, all: boolean): string {
  const parts = [renderPairs(Object.entries(s.summary))];
  parts.push(
    '',
    renderTable(
      ['interface', 'up', 'downs', 'rx', 'tx', 'rx err', 'tx drop', 'tx err', 'emulated out', 'emul. lost'],
      s.links.map((l) => [
        l.interface,
        l.up,
        l.downs,
        num(l.socket?.rx),
        num(l.socket?.tx),
        num(l.socket?.rxErrors),
        num(l.socket?.txDropped),
        num(l.socket?.txErrors),
        l.emulator ? l.emulator.delivered : null,
        l.emulator ? l.emulator.dropped + l.emulator.overflowed : null,
      ]),
    ),
  );
  const counters = Object.entries(s.node)
    .filter(([, v]) => all || v !== 0)
    .sort(([a], [b]) => a.localeCompare(b));
  parts.push('', renderTable(['node counter', 'value'], counters));
  if (s.overlay) {
    const overlay = Object.entries(s.overlay.translation).sort(([a], [b]) => a.localeCompare(b));
    parts.push('', renderTable(['overlay counter', 'value'], overlay));
  }
  if (s.control) {
    // The control socket's bounds at work: refused, oversize and dropped connections, skipped events.
    const control = Object.entries(s.control).filter(([, v]) => all || v !== 0);
    parts.push('', renderTable(['control counter', 'value'], control));
  }
  return parts.join('\n');
}

function num(v: number | string | null | undefined): number | null {
  return typeof v === 'number' ? v : null;
}
