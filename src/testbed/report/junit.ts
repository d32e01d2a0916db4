// junit.xml: one <testcase> per check per step, so CI shows which check failed after which fault. The
// classname names the step (`at 5s link-down (file:line)`) or `final checks`; the name is the check's.
// Fault steps, which run no check, are one test case named after their action (they fail when the fault
// could not be applied or the ring never came back, whatever the step report says).
//
// Sim step reports carry their checks folded into figures (`<check>.heldAfterMs`, `<check>.<figure>`) and
// problems (`<check>: ...`); real-lab step reports may carry `checks` as they are. Both are unfolded here.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport, RunStepReport } from './run-report.ts';

/** One test case, before it is XML. */
export interface JunitCase {
  classname: string;
  name: string;
  failure: { message: string; text: string } | null;
  skipped: string | null;
  /** Figures, one `key value` per line (in <system-out>). */
  out: string;
}

/** The test cases of a report, in order: every step's, then the final checks'. */
export function junitCases(report: RunReport): JunitCase[] {
  const cases: JunitCase[] = [];
  for (const step of report.steps) cases.push(...stepCases(step));
  for (const check of report.checks) {
    cases.push({
      classname: 'final checks',
      name: check.name,
      failure: check.passed ? null : failureOf(check.name, check.problems ?? []),
      skipped: null,
      out: figureLines(check.figures),
    });
  }
  return cases;
}

/** The report as junit.xml's text. */
export function junitXml(report: RunReport): string {
  const cases = junitCases(report);
  const failures = cases.filter((c) => c.failure !== null).length;
  const skipped = cases.filter((c) => c.skipped !== null).length;
  const suite = `${report.lab} (${report.runtime}, seed ${report.seed})`;
  const counts = `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}"`;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites name="vrr-lab" ${counts}>`);
  const timestamp = report.startedAt !== undefined ? ` timestamp="${attr(report.startedAt)}"` : '';
  lines.push(`  <testsuite name="${attr(suite)}" ${counts}${timestamp}>`);
  lines.push('    <properties>');
  const properties: [string, string][] = [
    ['seed', String(report.seed)],
    ['lab', report.lab],
    ['topology', report.topology],
    ['runtime', report.runtime],
    ['vrr-lab', report.versions['vrr-lab']],
  ];
  if (report.versions.node !== undefined) properties.push(['node', report.versions.node]);
  if (report.versions.engine !== undefined) properties.push(['engine', report.versions.engine]);
  for (const [name, value] of properties) {
    lines.push(`      <property name="${attr(name)}" value="${attr(value)}"/>`);
  }
  lines.push('    </properties>');
  for (const c of cases) {
    lines.push(`    <testcase classname="${attr(c.classname)}" name="${attr(c.name)}">`);
    if (c.failure) {
      lines.push(
        `      <failure message="${attr(c.failure.message)}" type="check">${text(c.failure.text)}</failure>`,
      );
    }
    if (c.skipped !== null) lines.push(`      <skipped message="${attr(c.skipped)}"/>`);
    if (c.out !== '') lines.push(`      <system-out>${text(c.out)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** Writes dir/junit.xml (creating dir) and returns its path. */
export function writeJunit(dir: string, report: RunReport): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'junit.xml');
  writeFileSync(path, junitXml(report));
  return path;
}

/** How a step is named as a classname: `at 5s link-down (topologies/x.yaml:12)`. */
export function stepClassname(step: RunStepReport): string {
  return `at ${step.at / 1000}s ${step.action} (${step.where})`;
}

function stepCases(step: RunStepReport): JunitCase[] {
  const classname = stepClassname(step);
  const problems = step.problems ?? [];
  const cases: JunitCase[] = [];
  if (step.checks !== undefined) {
    for (const check of step.checks) {
      cases.push({
        classname,
        name: check.name,
        failure: check.passed ? null : failureOf(check.name, check.problems ?? []),
        skipped: null,
        out: figureLines(check.figures),
      });
    }
  } else {
    for (const name of foldedChecks(step)) {
      const own = problems.filter((p) => p.startsWith(`${name}: `) || p.includes(`: ${name} did not hold`));
      const held = step.figures[`${name}.heldAfterMs`];
      const failed = own.length > 0 || held === null;
      const figures = Object.fromEntries(
        Object.entries(step.figures)
          .filter(([k]) => k.startsWith(`${name}.`))
          .map(([k, v]) => [k.slice(name.length + 1), v]),
      );
      cases.push({
        classname,
        name,
        failure: failed ? failureOf(name, own.length > 0 ? own : [`${name} never held`]) : null,
        skipped: null,
        out: figureLines(figures),
      });
    }
  }
  for (const reason of step.notRun ?? []) {
    cases.push({ classname, name: reason.split(':')[0], failure: null, skipped: reason, out: '' });
  }
  const accounted = cases.some((c) => c.failure !== null);
  if (cases.length === 0 || (!step.passed && !accounted)) {
    // A fault or wait step, or a failure no check owns (the step could not run at all).
    const stepFigures = Object.fromEntries(Object.entries(step.figures).filter(([k]) => !k.includes('.')));
    cases.push({
      classname,
      name: step.action,
      failure: step.passed ? null : failureOf(step.action, problems.length > 0 ? problems : ['step failed']),
      skipped: null,
      out: figureLines(stepFigures),
    });
  }
  return cases;
}

// Check names folded into a sim step's figures, in the order they appear.
function foldedChecks(step: RunStepReport): string[] {
  return Object.keys(step.figures)
    .filter((k) => k.endsWith('.heldAfterMs'))
    .map((k) => k.slice(0, -'.heldAfterMs'.length));
}

function failureOf(name: string, problems: readonly string[]): { message: string; text: string } {
  const first = problems[0] ?? `${name} failed`;
  return { message: first, text: problems.join('\n') };
}

function figureLines(figures: Record<string, unknown>): string {
  return Object.entries(figures)
    .map(([k, v]) => `${k} ${v === null ? 'never' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

// Characters XML 1.0 cannot carry at all (control characters other than tab, newline, carriage return).
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Text content, escaped. */
export function text(value: string): string {
  return value
    .replace(INVALID_XML, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** An attribute value (in double quotes), escaped; newlines kept as character references. */
export function attr(value: string): string {
  return text(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
