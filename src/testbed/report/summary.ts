// The terminal summary of a run: what ran, convergence, PASS/FAIL per step and per check with the figures
// that matter for each check (every figure is in report.json), then the verdict. Modelled on `testbed sim`.

import type { CheckResult } from '../../checks/report.ts';
import type { RunReport, RunStepReport } from './run-report.ts';
import { stepClassname } from './junit.ts';

/** Problem lines shown per check or step (the rest are in report.json). */
export const SHOWN_PROBLEMS = 25;

/** The figures shown per check, in this order; a check not listed shows all of its figures. */
const KEY_FIGURES: Record<string, string[]> = {
  'ping-all': ['pairs', 'delivered', 'lossPct', 'meanRttMs', 'maxRttMs', 'crossPartitionPairs'],
  dht: ['keys', 'found', 'wrongValue', 'missing', 'foundPct', 'meanHops', 'meanLatencyMs'],
  multicast: [
    'members',
    'sent',
    'deliveryPct',
    'meanDeliveryPct',
    'duplicates',
    'outOfOrder',
    'longestOutageMs',
  ],
  'ring-consistent': ['nodes', 'partitions', 'inactiveNodes', 'wrongVsets', 'brokenHops', 'missingPaths'],
};

/** The summary's lines. */
export function summarizeRun(report: RunReport): string[] {
  const shaping = [...new Set(report.links.map((l) => l.shapedBy))].join('/') || 'n/a';
  const linkCount = report.links.length > 0 ? report.links.length : Number(report.figures.links ?? 0);
  const lines = [
    `lab ${report.lab} (topology ${report.topology}, ${report.runtime}, seed ${report.seed}): ` +
      `${report.nodes} nodes, ${linkCount} links (shaped by ${shaping})`,
  ];
  const unit = report.runtime === 'sim' ? ' (simulated)' : '';
  lines.push(
    report.convergenceMs === null
      ? 'ring did not converge'
      : `ring converged in ${seconds(report.convergenceMs)}${unit}`,
  );
  for (const step of report.steps) lines.push(...stepLines(step));
  for (const check of report.checks) lines.push(...checkLines(check, ''));
  lines.push(report.passed ? 'PASS' : 'FAIL');
  return lines;
}

/** One check's line and its first problems, indented. */
export function checkLines(check: CheckResult, indent: string): string[] {
  const keys = KEY_FIGURES[check.name]?.filter((k) => k in check.figures) ?? Object.keys(check.figures);
  const figures = keys.map((k) => `${k} ${check.figures[k]}`).join(', ');
  if (check.skipped !== undefined) return [`${indent}SKIP ${check.name}: ${check.skipped}`];
  const lines = [`${indent}${check.passed ? 'PASS' : 'FAIL'} ${check.name}: ${figures}`];
  lines.push(...problemLines(check.problems ?? [], `${indent}     `));
  return lines;
}

function stepLines(step: RunStepReport): string[] {
  // Sim steps fold their checks into figures; show the timing ones (the rest are in the report).
  const figures = Object.entries(step.figures)
    .filter(([k]) => k === 'ringConsistentAfterMs' || k === 'lateMs' || k.endsWith('.heldAfterMs'))
    .map(([k, v]) => `${k} ${v === null ? 'never' : v}`)
    .join(', ');
  const lines = [
    `${step.passed ? 'PASS' : 'FAIL'} step ${stepClassname(step)}${figures ? `: ${figures}` : ''}`,
  ];
  if (step.checks !== undefined) {
    for (const check of step.checks) lines.push(...checkLines(check, '  '));
    // Problems that belong to no check (the step could not run, a fault failed).
    const own = (step.problems ?? []).filter((p) => !step.checks!.some((c) => p.startsWith(`${c.name}: `)));
    lines.push(...problemLines(own, '     '));
  } else {
    lines.push(...problemLines(step.problems ?? [], '     '));
  }
  for (const reason of step.notRun ?? []) lines.push(`     ${reason}`);
  return lines;
}

function problemLines(problems: readonly string[], indent: string): string[] {
  const lines = problems.slice(0, SHOWN_PROBLEMS).map((p) => `${indent}${p}`);
  if (problems.length > SHOWN_PROBLEMS) {
    lines.push(`${indent}(${problems.length - SHOWN_PROBLEMS} more in report.json)`);
  }
  return lines;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
