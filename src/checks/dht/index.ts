// dht: keys put from seeded alive nodes are found from other nodes (at least expect.found of them). Its section
// checks.dht says how many keys; a verify of dht needs it.

import type { Check } from '../check.ts';
import { checkResult } from '../report.ts';
import { everyNodeCarries } from '../sim-probe.ts';
import { runDhtCheck } from './lab.ts';
import { simDhtCheck } from './sim.ts';
import { dhtSection, type DhtCheckSpec } from './spec.ts';

/** The dht check. */
export const dhtCheck: Check<DhtCheckSpec> = {
  name: 'dht',
  protocols: ['vrrd'],
  section: dhtSection,
  lab: (probe, run) => runDhtCheck(probe, run.spec, run.seed),
  sim(network, run) {
    const result = simDhtCheck(network, run.spec, run.seed);
    return checkResult('dht', result.passed, result.figures, result.problems);
  },
  simUnsupported: (network) =>
    everyNodeCarries(network, (node) => node.dht !== undefined)
      ? null
      : 'dht: not run: the nodes of this simulation carry no DHT (its node factory attaches none)',
};
