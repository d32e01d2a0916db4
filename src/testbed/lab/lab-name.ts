// Lab names, checked wherever one enters (the CLI's --name and LAB arguments, a topology's `name`, `down`, a
// lab.json read back) and again wherever one becomes part of a path or a resource name (lab-dir.ts,
// runtime.ts nodeResourceName). A lab name is a name, never a path: the rule (topology/names.ts) allows
// letters, digits, `_` and `-` only, so no `/`, no `.` and no `..` can reach a path join, and a failure
// names what was expected, what was found and where.

import { LAB_NAME_PATTERN, LAB_NAME_RULE } from '../../topology/names.ts';

/** A lab name that breaks the rule: the CLI maps it to exit 2 (bad input, nothing created or removed). */
export class LabNameError extends Error {
  override readonly name = 'LabNameError';
}

/** Returns name when it may name a lab; throws `<where>: expected <rule>, found "<name>"` otherwise. */
export function checkLabName(name: unknown, where: string): string {
  if (typeof name === 'string' && LAB_NAME_PATTERN.test(name)) return name;
  throw new LabNameError(`${where}: expected ${LAB_NAME_RULE}, found ${JSON.stringify(name)}`);
}

/** True when name may name a lab (for filters that skip what is not a lab, such as directory listings). */
export function isLabName(name: string): boolean {
  return LAB_NAME_PATTERN.test(name);
}
