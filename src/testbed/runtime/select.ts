// Which runtime hosts a lab: docker when an engine is reachable, netns otherwise (`--runtime` chooses), and
// for an existing lab the one its lab.json names.

import type { Runtime, RuntimeKind } from './runtime.ts';
import { NetnsRuntime } from './netns.ts';

/** What --runtime accepts. */
export const RUNTIME_CHOICES = ['auto', 'docker', 'netns'] as const;

/** A --runtime value. */
export type RuntimeChoice = (typeof RUNTIME_CHOICES)[number];

/** The runtime of a kind (not checked for availability). */
export async function runtimeOfKind(kind: RuntimeKind): Promise<Runtime> {
  if (kind === 'netns') return new NetnsRuntime();
  const { DockerRuntime } = await import('./docker.ts');
  return new DockerRuntime();
}

/** Resolves a --runtime choice to an available runtime, or throws saying why none is. */
export async function chooseRuntime(choice: RuntimeChoice): Promise<{ runtime: Runtime; why: string }> {
  if (choice !== 'auto') {
    const runtime = await runtimeOfKind(choice);
    const reason = await runtime.unavailableReason();
    if (reason !== null) throw new Error(`--runtime ${choice} cannot run here: ${reason}`);
    return { runtime, why: `--runtime ${choice}` };
  }
  const docker = await runtimeOfKind('docker');
  const dockerReason = await docker.unavailableReason();
  if (dockerReason === null) return { runtime: docker, why: 'a Docker engine is reachable' };
  const netns = await runtimeOfKind('netns');
  const netnsReason = await netns.unavailableReason();
  if (netnsReason === null) return { runtime: netns, why: `no Docker engine (${dockerReason})` };
  throw new Error(`no runtime can run here: docker: ${dockerReason}; netns: ${netnsReason}`);
}
