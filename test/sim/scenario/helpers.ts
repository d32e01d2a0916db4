// Builders for scenario tests: timeline steps with a made-up file location, and runs that keep the network.

import type { ScenarioAction, ScenarioStep, Topology } from '../../../src/topology/types.ts';
import type { SimNetwork } from '../../../src/sim/network.ts';
import { runSimulation, type SimReport } from '../../../src/sim/run-sim.ts';
import type { SimStep } from '../../../src/sim/steps.ts';

/** A timeline step at `atS` seconds, located at line `line` of test.yaml. */
export function at(atS: number, action: ScenarioAction, line: number): ScenarioStep {
  return { atMs: atS * 1000, action, where: { file: 'test.yaml', line, column: 3 } };
}

/** A topology with a timeline. */
export function withScenario(topology: Topology, scenario: ScenarioStep[]): Topology {
  return { ...topology, scenario };
}

/** A step that hands the network to a callback (to look at it mid-run). */
export function probe(name: string, look: (network: SimNetwork) => void): SimStep {
  return { name, run: (ctx) => look(ctx.network) };
}

/** Runs a topology with its scenario and the default closing checks. */
export function play(topology: Topology, seed = 1, steps?: SimStep[]): SimReport {
  return runSimulation(topology, { seed, steps });
}

/** Every problem of a report, step and check, for assertion messages. */
export function allProblems(report: SimReport): string {
  return [
    ...(report.steps ?? []).flatMap((s) => (s.problems ?? []).map((p) => `${s.where}: ${p}`)),
    ...report.checks.flatMap((c) => (c.problems ?? []).map((p) => `${c.name}: ${p}`)),
  ].join('\n');
}
