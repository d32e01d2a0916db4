// report.json: the whole RunReport, pretty-printed (people read it and diff it), with a final newline.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from './run-report.ts';

/** The report as report.json's text; same report, same bytes. */
export function reportJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Writes dir/report.json (creating dir) and returns its path. */
export function writeReportJson(dir: string, report: RunReport): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'report.json');
  writeFileSync(path, reportJson(report));
  return path;
}
