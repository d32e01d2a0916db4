// The lab's side of the checks (src/checks): a LabProbe over a LabAccess, so a check's lab half can run
// commands in nodes, ask their vrrd and read their planned addresses without knowing how the lab is built.

import type { LabProbe } from '../../checks/lab-probe.ts';
import type { LabAccess } from '../lab/lab-access.ts';
import { hostIpv4, hostIpv6, plannedNode, protocolOf } from '../lab/plan.ts';

/** The checks' view of a lab that is up. */
export function labProbe(lab: LabAccess): LabProbe {
  return {
    nodeCommand: lab.nodeCommand,
    aliveNodes: () => lab.aliveNodes(),
    upLinks: () => lab.upLinks(),
    node(name) {
      const planned = plannedNode(lab.plan, name);
      return {
        address: planned.address,
        ipv4: hostIpv4(planned),
        ipv6: hostIpv6(planned),
        vsetSize: planned.vrr.vsetSize,
        protocol: protocolOf(planned),
      };
    },
    exec: (node, argv, options) => lab.exec(node, argv, options),
    spawn: (node, argv) => lab.spawn(node, argv),
    ctl: <T>(node: string, verb: string, args?: Record<string, unknown>) => lab.ctl<T>(node, verb, args),
    now: () => lab.now(),
    sleep: (ms) => lab.sleep(ms),
  };
}
