// The fault-schedule fuzzer of the simulator.

export {
  fuzzOne,
  runFuzz,
  replayCommand,
  scheduleSeedOf,
  defaultInvariants,
  type InvariantChecker,
  type FuzzOptions,
  type FuzzOneResult,
  type FuzzSummary,
} from './fuzz.ts';
export { randomSchedule, type ScheduleOptions } from './schedule.ts';
