// ring-consistent: in every partition of alive nodes, every node active, every vset exactly right, every route
// hop sound and every vset member reachable along its path (the definition heads verdict.ts). Takes no section.

import type { Check } from '../check.ts';
import { checkResult } from '../report.ts';
import { runRingCheck } from './lab.ts';
import { checkNetworkRing, isRingConsistent } from './sim.ts';

/** The ring-consistent check. */
export const ringConsistentCheck: Check = {
  name: 'ring-consistent',
  protocols: ['vrrd'],
  lab: (probe) => runRingCheck(probe),
  sim(network) {
    const result = checkNetworkRing(network);
    return checkResult('ring-consistent', result.passed, { ...result.figures }, result.problems);
  },
  simHolds: isRingConsistent,
};
