// ping-all: every ordered pair of alive nodes in the same partition reaches the other (a seeded sample on large
// networks, the same pairs for one seed in a lab and its replay: sample.ts). Takes no section.

import type { Check } from '../check.ts';
import { checkResult } from '../report.ts';
import { runPingAll } from './lab.ts';
import { pingAll } from './sim.ts';

/** The ping-all check. */
export const pingAllCheck: Check = {
  name: 'ping-all',
  lab: (probe, run) => runPingAll(probe, run.seed, { samplePairs: run.samplePairs }),
  sim(network, run) {
    const result = pingAll(network, {
      samplePairs: run.samplePairs,
      onPairs: run.observer?.pairs?.bind(run.observer),
    });
    return checkResult('ping-all', result.passed, { ...result.figures }, result.problems);
  },
};
