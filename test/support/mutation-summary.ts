// Turns Stryker's JSON mutation reports (reports/mutation/*.json) into the Markdown of docs/mutation.md: the score
// per file and every surviving mutant as file:line, mutator, replacement and the original source line, so that
// the survivors can be triaged and tests written to kill them. Usage: `npm run mutate:summary -- <report.json>...`
// (several reports, e.g. one per chunk of a run, are merged; a file in two reports keeps the later one).

import { readFileSync } from 'node:fs';

/** The part of a mutation-testing-report-schema mutant this summary reads. */
interface Mutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

/** The part of a mutation-testing-report-schema report this summary reads. */
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

/** Counts of one file's mutants by status, and its mutation score. */
interface FileScore {
  file: string;
  total: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  errors: number;
}

/** Reads and merges the reports, later ones replacing earlier ones file by file. */
function mergeReports(paths: string[]): Report {
  const merged: Report = { files: {} };
  for (const path of paths) {
    const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
    if (typeof report.files !== 'object' || report.files === null) {
      throw new Error(`${path}: expected a Stryker JSON report with a "files" object, found none`);
    }
    Object.assign(merged.files, report.files);
  }
  return merged;
}

/** The counts for one file; CompileError and RuntimeError are counted as errors and left out of the score. */
function scoreFile(file: string, mutants: Mutant[]): FileScore {
  const count = (status: string) => mutants.filter((m) => m.status === status).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const errors = count('CompileError') + count('RuntimeError');
  return { file, total: mutants.length, killed, timeout, survived, noCoverage, errors };
}

/** Stryker's mutation score: detected over valid mutants (killed, timed out, survived, not covered), in percent. */
function percent(s: Pick<FileScore, 'killed' | 'timeout' | 'survived' | 'noCoverage'>): string {
  const valid = s.killed + s.timeout + s.survived + s.noCoverage;
  return valid === 0 ? 'n/a' : ((100 * (s.killed + s.timeout)) / valid).toFixed(1);
}

/** text as a Markdown code span, fenced with more backticks than it holds (mutants are often template literals). */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 || text === '' ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

/** One line of Markdown per surviving or uncovered mutant, with the original source line for context. */
function survivorLines(source: string, mutants: Mutant[]): string[] {
  const lines = source.split('\n');
  const oneLine = (text: string) => {
    const flat = text.replace(/\s+/g, ' ').trim();
    return flat.length > 90 ? `${flat.slice(0, 87)}...` : flat;
  };
  return mutants
    .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
    .sort(
      (a, b) =>
        a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column,
    )
    .map((m) => {
      const line = m.location.start.line;
      const original = oneLine(lines[line - 1] ?? '');
      const tag = m.status === 'NoCoverage' ? ' (no coverage)' : '';
      return `- L${line} ${m.mutatorName}${tag}: ${code(oneLine(m.replacement ?? ''))} in ${code(original)}`;
    });
}

/** The Markdown summary: a score table, then the survivors grouped by file. */
function summarize(report: Report): string {
  const files = Object.keys(report.files).sort();
  const scores = files.map((f) => scoreFile(f, report.files[f].mutants));
  const sum = (key: keyof Omit<FileScore, 'file'>) => scores.reduce((acc, s) => acc + s[key], 0);
  const all = {
    killed: sum('killed'),
    timeout: sum('timeout'),
    survived: sum('survived'),
    noCoverage: sum('noCoverage'),
  };
  const out: string[] = [
    '| file | mutants | killed | timeout | survived | no coverage | errors | score % |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...scores.map(
      (s) =>
        `| ${s.file} | ${s.total} | ${s.killed} | ${s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.errors} | ${percent(s)} |`,
    ),
    `| **all** | ${sum('total')} | ${all.killed} | ${all.timeout} | ${all.survived} | ${all.noCoverage} | ${sum('errors')} | **${percent(all)}** |`,
    '',
  ];
  for (const file of files) {
    const lines = survivorLines(report.files[file].source, report.files[file].mutants);
    if (lines.length > 0) out.push(`#### ${file} (${lines.length})`, '', ...lines, '');
  }
  return out.join('\n');
}

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error('usage: mutation-summary <stryker-report.json>... (e.g. reports/mutation/mutation.json)');
  process.exit(2);
}
process.stdout.write(summarize(mergeReports(paths)));
