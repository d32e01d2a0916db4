// Which runtime hosts a lab: the first of the registry's runtimes that can run here (`--runtime` chooses one),
// and for an existing lab the one its lab.json names.

import type { Runtime, RuntimeKind } from './runtime.ts';
import { RUNTIME_KINDS, RUNTIMES, runtimeEntry } from './registry.ts';

/** What --runtime accepts: auto, or a runtime's name. */
export const RUNTIME_CHOICES: readonly string[] = ['auto', ...RUNTIME_KINDS];

/** A --runtime value. */
export type RuntimeChoice = string;

/** The runtime of a kind (not checked for availability). */
export async function runtimeOfKind(kind: RuntimeKind): Promise<Runtime> {
  const runtime = await runtimeEntry(kind).load();
  if (runtime.kind !== kind) {
    throw new Error(
      `the registry's runtime ${kind} calls itself ${runtime.kind} (src/testbed/runtime/registry.ts)`,
    );
  }
  return runtime;
}

/** Resolves a --runtime choice to an available runtime, or throws saying why none is. */
export async function chooseRuntime(choice: RuntimeChoice): Promise<{ runtime: Runtime; why: string }> {
  if (choice !== 'auto') {
    const runtime = await runtimeOfKind(choice);
    const reason = await runtime.unavailableReason();
    if (reason !== null) throw new Error(`--runtime ${choice} cannot run here: ${reason}`);
    return { runtime, why: `--runtime ${choice}` };
  }
  const refused: string[] = [];
  for (const entry of RUNTIMES) {
    const runtime = await runtimeOfKind(entry.kind);
    const reason = await runtime.unavailableReason();
    if (reason === null) {
      return {
        runtime,
        why: refused.length === 0 ? 'auto: the first choice' : `auto: ${refused.join('; ')}`,
      };
    }
    refused.push(`${entry.kind} cannot run here: ${reason}`);
  }
  throw new Error(`no runtime can run here: ${refused.join('; ')}`);
}
