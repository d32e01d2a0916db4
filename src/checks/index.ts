// The checks package: every check behind one interface (check.ts), their registry (registry.ts: how to add a
// check), the probes the lab and the simulator hand them, and the report shape both share.

export type { Check, CheckRun, CheckSection, LabCheckStream, SimCheckStream } from './check.ts';
export {
  CHECKS,
  CHECK_NAMES,
  CHECK_CATALOG,
  CLOSING_CHECKS,
  findCheck,
  sectionOf,
  missingSection,
  type AnyCheck,
} from './registry.ts';
export { loadTopology, parseTopology } from './topology.ts';
export { runLabCheck, startLabCheck, type LabCheckContext } from './run-lab.ts';
export { checkResult, capProblems, round3, type CheckReport, type CheckResult } from './report.ts';
export type { LabProbe, ProbeNode, ProbeExecResult, ProbeExecOptions } from './lab-probe.ts';
export type { SimProbe, SimProbeNode, SimDht, SimMulticast, SimTimer } from './sim-probe.ts';
export type { NodeSnapshot, RouteView, UpLink } from './node-snapshot.ts';
export { mapLimit } from './map-limit.ts';
export { pingAllCheck } from './ping-all/index.ts';
export { dhtCheck } from './dht/index.ts';
export { multicastCheck } from './multicast/index.ts';
export { ringConsistentCheck } from './ring-consistent/index.ts';
export { choosePairs, LAB_SAMPLING, SIM_SAMPLING, type PairSampling } from './ping-all/sample.ts';
export { planDhtKeys, dhtCheckKey, type PlannedKey } from './dht/sample.ts';
export type { DhtCheckSpec } from './dht/spec.ts';
export type { MulticastCheckSpec } from './multicast/spec.ts';
export {
  checkRingConsistency,
  vsetsConsistent,
  expectedVset,
  type RingConsistencyResult,
} from './ring-consistent/verdict.ts';
export { checkNetworkRing, isRingConsistent } from './ring-consistent/sim.ts';
export { pingAll, PROBE_NEXT_HEADER, type PingAllOptions, type PingAllResult } from './ping-all/sim.ts';
