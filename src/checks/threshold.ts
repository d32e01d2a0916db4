// Thresholds in check sections (expect: { delivery: ">= 99%" }): a minimum percentage, read with its location.

import { readUnit } from '../topology/link-params.ts';
import { parsePercent, PERCENT_FORMAT, UnitError } from '../topology/units.ts';
import type { Value } from '../topology/yaml-reader.ts';

const AT_LEAST_FORMAT = `a minimum like ">= 99%" or 99% (${PERCENT_FORMAT})`;

/** Reads a minimum percentage; ">=" may be written for the reader's sake, no other comparison makes sense. */
export function readAtLeastPercent(value: Value): number {
  return readUnit(value, AT_LEAST_FORMAT, (raw) => {
    const text = typeof raw === 'string' ? raw.replace(/^>=\s*/, '') : raw;
    try {
      return parsePercent(text);
    } catch (error) {
      if (error instanceof UnitError) throw new UnitError(AT_LEAST_FORMAT, JSON.stringify(raw));
      throw error;
    }
  });
}
