// The runtimes there are: one line each, in the order `--runtime auto` tries them. Nothing else in the
// controller names a runtime: the CLI's --runtime choices, `auto`, `down`'s search for leftovers and the bench
// all come from this list, and whatever differs between runtimes is a member of the Runtime interface.
//
// How to add a runtime (say `vm`):
//   1. src/testbed/runtime/vm.ts: a class implementing Runtime (runtime.ts) with `kind = 'vm'`. Everything it
//      creates must be findable from the lab name alone (labels, or a name prefix and a label it can read back,
//      as the netns runtime's loopback alias), removeLab() must remove exactly that, and findNode() must hand
//      back a NodeHandle whose netnsInode the controller can check before every use.
//   2. one line below: `{ kind: 'vm', load: async () => new (await import('./vm.ts')).VmRuntime() }`.
//   3. its tests: test/integration/vm-runtime.test.ts (the runtime alone) and a lab test as
//      test/integration/lab-netns.test.ts is for netns; docs/testbed.md's runtime list.
// Nothing in lab/, links/, commands/ or the reports changes.

import type { Runtime } from './runtime.ts';

/** One runtime: its name on the command line and in lab.json, and how to make one (lazily: docker loads dockerode). */
export interface RuntimeEntry {
  readonly kind: string;
  load(): Promise<Runtime>;
}

/** Every runtime, in the order `--runtime auto` tries them. */
export const RUNTIMES: readonly RuntimeEntry[] = [
  { kind: 'docker', load: async () => new (await import('./docker.ts')).DockerRuntime() },
  { kind: 'netns', load: async () => new (await import('./netns.ts')).NetnsRuntime() },
];

/** The names of every runtime. */
export const RUNTIME_KINDS: readonly string[] = RUNTIMES.map((r) => r.kind);

/** The registry entry of a kind; throws listing the kinds there are. */
export function runtimeEntry(kind: string): RuntimeEntry {
  const entry = RUNTIMES.find((r) => r.kind === kind);
  if (!entry) throw new Error(`no runtime ${JSON.stringify(kind)} (runtimes: ${RUNTIME_KINDS.join(', ')})`);
  return entry;
}
