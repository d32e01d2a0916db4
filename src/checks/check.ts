// The one interface every check implements: its section of the topology file, its lab half and its simulator
// half side by side, so a verify step means the same thing on a real lab and in its replay. Shared sampling
// (which pairs, which keys) and the pure verdict live in the check's folder and are called by both halves.

import type { CheckSectionContext } from '../topology/checks.ts';
import type { NodeProtocol, Topology } from '../topology/types.ts';
import type { Value } from '../topology/yaml-reader.ts';
import type { LabProbe } from './lab-probe.ts';
import type { CheckResult } from './report.ts';
import type { SimObserver } from './sim-observer.ts';
import type { SimProbe } from './sim-probe.ts';

/** What one run of a check works with. */
export interface CheckRun<Spec> {
  /** The check's section of the topology file, as its reader returned it (null: a check that takes none). */
  readonly spec: Spec;
  /** The run's seed: sampled pairs and keys derive from it, the same in a lab and in its simulated replay. */
  readonly seed: number;
  /** The topology, when the caller has it (node parameters, such as hello periods). */
  readonly topology?: Topology;
  /** Pairs a sampling check pings on large networks; undefined: the half's default. */
  readonly samplePairs?: number;
  /** Watches a simulated round as it happens (report.html's series); the result is the same either way. */
  readonly observer?: SimObserver;
}

/** How a check's section under `checks` is read from the topology file. */
export interface CheckSection<Spec> {
  /** Reads the section; errors go through value.fail, so they carry file:line:column. */
  read(value: Value, context: CheckSectionContext): Spec;
  /** True when a verify of the check needs the section (the loader then refuses a verify without it). */
  readonly required: boolean;
}

/** A check that takes time (a stream) while later steps run, on a real lab. */
export interface LabCheckStream {
  /** probe.now() when it started. */
  readonly startedAt: number;
  /** Waits for its end, collects and judges. */
  stop(): Promise<CheckResult>;
  /** Kills what it started at once (a run being torn down); stop() then reports what it has. */
  abort(): void;
}

/** A check that takes time, on the simulated clock. */
export interface SimCheckStream {
  /** Virtual time it started. */
  readonly startedAt: number;
  /** Virtual time the verdict is given. */
  readonly finishAt: number;
  /** The verdict once given, else null. */
  result(): CheckResult | null;
}

/** A check: one module under src/checks/<name>/, listed once in registry.ts. */
export interface Check<Spec = null> {
  /** The name topology files and `testbed verify` use. */
  readonly name: string;
  /**
   * The node protocols its lab half applies to (['vrrd'] for a check that asks vrrd); absent: every node. On a lab
   * it sees only those nodes, and is skipped (saying so) when there are none.
   */
  readonly protocols?: readonly NodeProtocol[];
  /** Its section under `checks`; absent when it takes none (run.spec is then null). */
  readonly section?: CheckSection<Spec>;
  /** One round on a real lab (no retry: retrying until `within` is the caller's business). */
  lab(probe: LabProbe, run: CheckRun<Spec>): Promise<CheckResult>;
  /** One round in the simulator; it may run the virtual clock (probes take virtual time). */
  sim(network: SimProbe, run: CheckRun<Spec>): CheckResult;
  /**
   * A cheap test that takes no virtual time and holds exactly when `sim` would pass: a verify polls it every hello
   * period and runs `sim` once, at the end, for the figures. Without it a verify retries `sim` whole.
   */
  simHolds?(network: SimProbe): boolean;
  /** Why the check cannot run on this simulated network (its nodes carry no such extension), or null. */
  simUnsupported?(network: SimProbe): string | null;
  /** Present for a check that runs on while later timeline steps happen (a stream across a partition). */
  readonly stream?: {
    /** What the stream is, for a step's problem line: "multicast to 239.1.1.1 from a". */
    describe(spec: Spec): string;
    /** Its figures in a few words, for a progress line when it ends. */
    summarize(result: CheckResult): string;
    /** Starts it on a lab; resolves once it runs. */
    lab(probe: LabProbe, run: CheckRun<Spec>): Promise<LabCheckStream>;
    /** Starts it on the simulated clock; `instance` numbers the run's streams (1, 2, ...) so none counts another's. */
    sim(
      network: SimProbe,
      run: CheckRun<Spec> & { instance: number },
      onDone: (result: CheckResult) => void,
    ): SimCheckStream;
  };
}
