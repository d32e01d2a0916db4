// The report of one run, whatever ran it: a real lab (docker or netns) or the simulator. report.json, junit.xml
// and the terminal summary are all written from this one shape, and a SimReport converts to it with a pure
// function, so a sim report stays byte-identical (no wall-clock or machine-dependent field is added for it).

import type { SimReport } from '../../sim/run-sim.ts';
import type { ScenarioStepReport } from '../../sim/scenario/step-report.ts';
import type { LinkParams, Topology } from '../../topology/types.ts';
import type { CheckResult } from '../../checks/report.ts';

/** What ran the lab: 'sim' for the simulator, else the runtime's name (runtime/registry.ts). */
export type ReportRuntime = string;

/** How a link's impairments were applied: tc netem, vrrd's own emulator, nothing, or the simulator's model. */
export type ShapedBy = 'netem' | 'vrrd-emulation' | 'none' | 'simulated';

/** One link of the lab, with the impairments asked for per direction. */
export interface ReportLink {
  a: string;
  b: string;
  shapedBy: ShapedBy;
  aToB: LinkParams;
  bToA: LinkParams;
}

/** A timeline step; a real-lab runner may attach the verify step's individual check results. */
export interface RunStepReport extends ScenarioStepReport {
  checks?: CheckResult[];
}

/** Versions that produced the report; node and engine are absent for sim reports (they differ per machine). */
export interface ReportVersions {
  'vrr-lab': string;
  node?: string;
  /** The container engine's version (docker), absent otherwise. */
  engine?: string;
}

/** Run-wide figures: numbers, or one level of named numbers (the simulator's routesPerNode {mean, max}). */
export type RunFigures = Record<string, number | null | Record<string, number>>;

/** Everything one run found. */
export interface RunReport {
  passed: boolean;
  /** Lab name (the topology's name for sim runs). */
  lab: string;
  topology: string;
  /** Absolute path of the topology file the run was made from (what `testbed replay` re-reads). */
  topologyFile?: string;
  seed: number;
  runtime: ReportRuntime;
  /** How a real lab ran vrrd: one process per node, or shared hosts; absent for sim runs. */
  daemons?: 'per-node' | 'shared';
  versions: ReportVersions;
  /** ISO time the run started; absent for sim runs, whose reports must not depend on when they ran. */
  startedAt?: string;
  nodes: number;
  /** Ms from the start until the ring was first consistent (virtual ms for sim runs); null: never. */
  convergenceMs: number | null;
  links: ReportLink[];
  steps: RunStepReport[];
  /** The closing checks, after the timeline. */
  checks: CheckResult[];
  figures: RunFigures;
}

/** Options of fromSimReport. */
export interface FromSimOptions {
  /** vrr-lab's version (package.json). */
  version: string;
  /** The topology simulated: lists its links (otherwise `links` stays empty: a SimReport only counts them). */
  topology?: Topology;
}

/** A SimReport as a RunReport; pure, so the same SimReport gives the same RunReport byte for byte. */
export function fromSimReport(sim: SimReport, options: FromSimOptions): RunReport {
  const links: ReportLink[] = (options.topology?.links ?? []).map((l) => ({
    a: l.a,
    b: l.b,
    shapedBy: 'simulated',
    aToB: l.aToB,
    bToA: l.bToA,
  }));
  return {
    passed: sim.passed,
    lab: sim.topology,
    topology: sim.topology,
    seed: sim.seed,
    runtime: 'sim',
    versions: { 'vrr-lab': options.version },
    nodes: sim.nodes,
    convergenceMs: sim.convergenceMs,
    links,
    steps: sim.steps ?? [],
    checks: sim.checks,
    figures: { links: sim.links, ...sim.figures },
  };
}

/** True when every step and check passed (and there was at least one check): how a runner sets `passed`. */
export function reportPassed(steps: readonly RunStepReport[], checks: readonly CheckResult[]): boolean {
  return (
    (checks.length > 0 || steps.length > 0) && checks.every((c) => c.passed) && steps.every((s) => s.passed)
  );
}
