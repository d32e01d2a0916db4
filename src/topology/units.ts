// Units in topology files: durations (500us, 2ms, 1.5s, 1m), percentages (0.5%, 100%) and bit rates
// (800bit, 160kbit, 1mbit, 1gbit). A bare 0 is accepted for durations and percentages; any other bare number
// is an error, because "delay: 5" could mean seconds to one reader and milliseconds to another.

/** A value that does not parse as the unit asked for: what was expected and what was found, for TopologyError. */
export class UnitError extends RangeError {
  override readonly name = 'UnitError';

  constructor(
    readonly expected: string,
    readonly found: string,
  ) {
    super(`expected ${expected}, found ${found}`);
  }
}

const NUMBER = String.raw`(\d+(?:\.\d+)?)`;

/** How to write a duration, for error messages and docs. */
export const DURATION_FORMAT = 'a duration like 500us, 2ms, 1.5s or 1m';

const DURATION_UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const DURATION_PATTERN = new RegExp(`^${NUMBER}(us|ms|s|m)$`);

/** Parses a duration (`500us`, `2ms`, `1.5s`, `1m`, or a bare 0) into milliseconds. */
export function parseDurationMs(value: string | number): number {
  if (value === 0) return 0;
  const text = requireText(value, DURATION_FORMAT);
  const match = DURATION_PATTERN.exec(text);
  if (!match) {
    if (/^-/.test(text)) throw new UnitError(`a non-negative duration`, quote(text));
    throw new UnitError(DURATION_FORMAT, quote(text));
  }
  // Round away binary noise (1.1s * 1000) so 1.1s is exactly 1100 ms; microseconds stay exact.
  return roundTo(Number(match[1]) * DURATION_UNIT_MS[match[2]], 6);
}

/** Writes milliseconds back in the largest unit that keeps them whole-ish: 1500 -> 1.5s, 0.5 -> 500us. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${roundTo(ms / 1000, 6)}s`;
  if (ms >= 1) return `${roundTo(ms, 6)}ms`;
  return `${roundTo(ms * 1000, 3)}us`;
}

/** How to write a percentage, for error messages and docs. */
export const PERCENT_FORMAT = 'a percentage from 0% to 100%, like 0.5% or 1%';

const PERCENT_PATTERN = new RegExp(`^${NUMBER}%$`);

/** Parses a percentage (`0%` .. `100%`, decimals allowed, or a bare 0) into a number from 0 to 100. */
export function parsePercent(value: string | number): number {
  if (value === 0) return 0;
  const text = requireText(value, PERCENT_FORMAT);
  const match = PERCENT_PATTERN.exec(text);
  if (!match) throw new UnitError(PERCENT_FORMAT, quote(text));
  const pct = Number(match[1]);
  if (pct > 100) throw new UnitError(PERCENT_FORMAT, quote(text));
  return pct;
}

/** How to write a rate, for error messages and docs. */
export const RATE_FORMAT = 'a rate in bits per second like 800bit, 160kbit, 1mbit or 1gbit';

// Decimal SI prefixes, as tc uses them (1kbit = 1000 bit/s). Byte units (tc's kbps = kilobytes/s) are
// refused on purpose: "10kbps" reads as kilobits to most people and as kilobytes to tc.
const RATE_UNIT_BPS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };
const RATE_PATTERN = new RegExp(`^${NUMBER}([kmgKMG]?bit)$`);

/** Parses a bit rate (`800bit`, `160kbit`, `1.5mbit`, `1gbit`; prefix case-insensitive) into bits per second. */
export function parseRateBps(value: string | number): number {
  const text = requireText(value, RATE_FORMAT);
  const match = RATE_PATTERN.exec(text);
  if (!match) {
    if (/^\d+(\.\d+)?[kmgKMG]?(bps|Bps|byte|B)$/.test(text)) {
      throw new UnitError(`${RATE_FORMAT} (byte units such as kbps are not accepted)`, quote(text));
    }
    throw new UnitError(RATE_FORMAT, quote(text));
  }
  const bps = Math.round(Number(match[1]) * RATE_UNIT_BPS[match[2].toLowerCase()]);
  if (bps < 1) throw new UnitError(`a rate of at least 1bit`, quote(text));
  return bps;
}

function requireText(value: string | number, expected: string): string {
  if (typeof value === 'number') throw new UnitError(`${expected} (with its unit)`, String(value));
  return value.trim();
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
