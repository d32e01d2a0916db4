// Run reports: the one RunReport shape (real labs and the simulator), and its writers: report.json,
// junit.xml, timeline.jsonl, report.html and the terminal summary.

export {
  fromSimReport,
  reportPassed,
  type FromSimOptions,
  type ReportLink,
  type ReportRuntime,
  type ReportVersions,
  type RunFigures,
  type RunReport,
  type RunStepReport,
  type ShapedBy,
} from './run-report.ts';
export { labVersions, vrrLabVersion } from './versions.ts';
export { reportJson, writeReportJson } from './report-json.ts';
export { junitCases, junitXml, stepClassname, writeJunit, type JunitCase } from './junit.ts';
export {
  TimelineWriter,
  type TimelineEvent,
  type TimelineInput,
  type TimelineOptions,
  type TimelineSummary,
} from './timeline.ts';
export { checkLines, summarizeRun, SHOWN_PROBLEMS } from './summary.ts';
export { htmlReport, readTimelineEvents, writeHtmlReport, writeTimelineEvents } from './html-report.ts';
export { reportSeries, type ReportSeries } from './report-series.ts';
