// Scenario timelines in the simulator: the steps, their report entries, and the pieces they use.

export { scenarioSteps, whereOf, type TimelineOptions } from './timeline.ts';
export { scenarioLog, scenarioReports, type ScenarioStepReport } from './step-report.ts';
export { applyFault, describeAction, isFault, type FaultAction } from './apply-fault.ts';
export { verifyCheck, unsupportedReason, type VerifyOutcome } from './verify.ts';
export { RingWatch, ringWatch } from './ring-watch.ts';
export { startStreamOnStep, finishStreams } from './streams.ts';
