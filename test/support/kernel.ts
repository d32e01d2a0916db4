// Probes of kernel features a test needs, answered so that the test can tell "the kernel lacks it" (skip,
// skipForKernel) from "this machine cannot even ask" (no root, no tc: skipForMissing).

import { spawnSync } from 'node:child_process';

/** What probing for a kernel feature found. */
export type KernelProbe = { has: true } | { has: false; kernelLacks: boolean; reason: string };

/**
 * Whether the kernel has sch_netem: adds a netem qdisc to lo in a throwaway network namespace (unshare --net:
 * it vanishes with the probe, so nothing is left behind and no lab or host interface is touched). Needs root.
 */
export function probeNetem(): KernelProbe {
  const r = spawnSync(
    'unshare',
    ['--net', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'],
    {
      encoding: 'utf8',
    },
  );
  if (r.error) return { has: false, kernelLacks: false, reason: `unshare could not run: ${r.error.message}` };
  if (r.status === 0) return { has: true };
  const said = `${r.stderr}${r.stdout}`.trim();
  // tc's answer when the kernel has no such qdisc (module absent and not built in).
  if (/qdisc kind is unknown/i.test(said)) {
    return {
      has: false,
      kernelLacks: true,
      reason: `no sch_netem in kernel ${kernelRelease()} (tc: ${said})`,
    };
  }
  return {
    has: false,
    kernelLacks: false,
    reason: `tc qdisc add ... netem failed: ${said || `exit ${r.status}`}`,
  };
}

function kernelRelease(): string {
  return spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout?.trim() || '?';
}
