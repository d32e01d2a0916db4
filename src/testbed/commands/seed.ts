// --seed as every verb takes it: a non-negative safe integer.

import { UsageError } from './context.ts';

/** Parses --seed; undefined when not given; a UsageError saying what was expected otherwise. */
export function parseSeedOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--seed expects a non-negative integer, found ${JSON.stringify(text)}`);
  }
  return Number(text);
}
