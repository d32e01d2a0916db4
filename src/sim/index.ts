// The simulator package: what the CLI, the bench and later the scenario runner use.

export { runSimulation, DEFAULT_MAX_SIM_MS, type SimOptions, type SimReport } from './run-sim.ts';
export {
  defaultSteps,
  convergeStep,
  ringConsistentStep,
  pingAllStep,
  pollIntervalMs,
  type SimStep,
  type SimRunContext,
  type CheckReport,
} from './steps.ts';
export {
  SimNetwork,
  type SimNetworkOptions,
  type SimNetworkCounters,
  type SimEventRecord,
  type DeliveryListener,
  type EventListener,
} from './network.ts';
export { SimClock } from './sim-clock.ts';
export { EventQueue, QueuedEvent } from './event-queue.ts';
export {
  LinkDirection,
  IDEAL_LINK,
  validateLinkParams,
  type LinkDirectionStats,
  type LinkModelOptions,
} from './link-model.ts';
// The checks' simulator halves live with their checks (src/checks); re-exported for the simulator's users.
export {
  pingAll,
  PROBE_NEXT_HEADER,
  type PingNetwork,
  type PingAllOptions,
  type PingAllResult,
} from '../checks/ping-all/sim.ts';
export { checkNetworkRing, isRingConsistent } from '../checks/ring-consistent/sim.ts';
export { vrrNodeFactory, simVrrNodeFactory, SimVrrNode, type SimVrrNodeOptions } from './node-factory.ts';
export type { SimNode, SimNodeConfig, NodeFactory, NeighborView, SimDht, SimMulticast } from './sim-node.ts';
export { simDhtCheck, type SimDhtCheckOptions, type SimDhtCheckResult } from '../checks/dht/sim.ts';
export { startMulticastStream, type StreamHandle, type StreamResult } from '../checks/multicast/sim.ts';
export {
  scenarioSteps,
  scenarioReports,
  type ScenarioStepReport,
  type TimelineOptions,
} from './scenario/index.ts';
export {
  runFuzz,
  fuzzOne,
  replayCommand,
  scheduleSeedOf,
  defaultInvariants,
  randomSchedule,
  type InvariantChecker,
  type FuzzOptions,
  type FuzzOneResult,
  type FuzzSummary,
} from './fuzz/index.ts';
