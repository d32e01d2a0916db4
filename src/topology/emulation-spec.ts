// Link emulation settings as people write them (delay=2ms, loss=1%, rate=1mbit) and as the LinkEmulator takes
// them (LinkParams numbers). One parser for the config file, the --emulate flag, `vrrctl link set` and the
// control socket, using the topology's own unit parsers so a topology file and vrrd agree on "2ms" or "1mbit".

import { ceilingOf } from './limits.ts';
import type { LinkParams } from './types.ts';
import { formatDuration, parseDurationMs, parsePercent, parseRateBps, UnitError } from './units.ts';

/** The setting names, as written in files and on the command line. */
export const EMULATION_KEYS = ['delay', 'jitter', 'loss', 'rate', 'duplicate', 'reorder', 'corrupt'] as const;

/** One setting name. */
export type EmulationKey = (typeof EMULATION_KEYS)[number];

/** Settings as written: each value a unit string ("2ms", "1%", "1mbit", "unlimited") or a bare 0. */
export type EmulationSpec = Partial<Record<EmulationKey, string | number>>;

/**
 * Turns written settings into LinkParams fields; throws a RangeError naming the key, what was expected and what
 * was found (`where` says where the settings came from, e.g. "config file vrrd.yaml: emulation.veth0").
 */
export function parseEmulationSpec(spec: unknown, where: string): Partial<LinkParams> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new RangeError(`${where}: expected a map of ${EMULATION_KEYS.join(', ')}, found ${describe(spec)}`);
  }
  const out: Partial<LinkParams> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (!(EMULATION_KEYS as readonly string[]).includes(key)) {
      throw new RangeError(
        `${where}: unknown emulation setting ${JSON.stringify(key)} (expected one of ${EMULATION_KEYS.join(', ')})`,
      );
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new RangeError(`${where}.${key}: expected a string like "2ms" or "1%", found ${describe(value)}`);
    }
    try {
      applySetting(out, key as EmulationKey, value);
    } catch (error) {
      if (error instanceof UnitError) throw new RangeError(`${where}.${key}: ${error.message}`);
      throw error;
    }
    const ceiling = ceilingOf(key);
    const ms = key === 'delay' ? out.delayMs : key === 'jitter' ? out.jitterMs : undefined;
    if (ceiling !== undefined && ms !== undefined && ms > ceiling) {
      throw new RangeError(
        `${where}.${key}: expected a duration of at most ${formatDuration(ceiling)}, found ${formatDuration(ms)}`,
      );
    }
  }
  return out;
}

/** Parses "delay=2ms,loss=1%" (or the same separated by spaces) into written settings. */
export function parseEmulationPairs(text: string, where: string): EmulationSpec {
  const spec: Record<string, string> = {};
  for (const pair of text.split(/[,\s]+/).filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new RangeError(`${where}: expected key=value like delay=2ms, found ${JSON.stringify(pair)}`);
    spec[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return spec;
}

/** Writes LinkParams back the way people write them ("2ms", "1%", "1mbit" or "unlimited"). */
export function formatEmulation(params: LinkParams): Record<EmulationKey, string> {
  return {
    delay: formatDuration(params.delayMs),
    jitter: formatDuration(params.jitterMs),
    loss: `${params.lossPct}%`,
    rate: params.rateBps === null ? 'unlimited' : formatRate(params.rateBps),
    duplicate: `${params.duplicatePct}%`,
    reorder: `${params.reorderPct}%`,
    corrupt: `${params.corruptPct}%`,
  };
}

/** True when params impair nothing (frames can skip the emulator). */
export function isUnimpaired(params: LinkParams): boolean {
  return (
    params.delayMs === 0 &&
    params.jitterMs === 0 &&
    params.lossPct === 0 &&
    params.rateBps === null &&
    params.duplicatePct === 0 &&
    params.reorderPct === 0 &&
    params.corruptPct === 0
  );
}

function applySetting(out: Partial<LinkParams>, key: EmulationKey, written: string | number): void {
  // "delay=0" on a command line arrives as the string "0": the same bare 0 the unit parsers accept.
  const value = written === '0' ? 0 : written;
  switch (key) {
    case 'delay':
      out.delayMs = parseDurationMs(value);
      break;
    case 'jitter':
      out.jitterMs = parseDurationMs(value);
      break;
    case 'loss':
      out.lossPct = parsePercent(value);
      break;
    case 'duplicate':
      out.duplicatePct = parsePercent(value);
      break;
    case 'reorder':
      out.reorderPct = parsePercent(value);
      break;
    case 'corrupt':
      out.corruptPct = parsePercent(value);
      break;
    case 'rate':
      out.rateBps = value === 'unlimited' ? null : parseRateBps(value);
      break;
  }
}

function formatRate(bps: number): string {
  for (const [unit, scale] of [
    ['gbit', 1e9],
    ['mbit', 1e6],
    ['kbit', 1e3],
  ] as const) {
    if (bps >= scale) return `${Number((bps / scale).toFixed(3))}${unit}`;
  }
  return `${bps}bit`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}
