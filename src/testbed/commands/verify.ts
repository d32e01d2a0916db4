// `testbed verify LAB [CHECK...]`: runs checks now against a lab that is up (default: the closing checks,
// ring-consistent and ping-all, plus every check whose section the lab's topology defines). Exit 0 only if every check passed.

import type { Command } from 'commander';
import { CHECK_NAMES, CHECKS, CLOSING_CHECKS, sectionOf } from '../../checks/registry.ts';
import { loadTopology } from '../../checks/topology.ts';
import type { ChecksSpec } from '../../topology/types.ts';
import { runCheck, type CheckResult } from '../verify/index.ts';
import { checkLines } from '../report/summary.ts';
import { EXIT, openLab, runVerb, UsageError, withJson } from './context.ts';
import { parseSeedOption } from './seed.ts';

/** Adds the `verify` verb. */
export function registerVerifyCommand(program: Command): void {
  withJson(
    program
      .command('verify')
      .description(`run checks on a lab that is up (${CHECK_NAMES.join(', ')})`)
      .argument('<lab>', 'lab name or its topology file')
      .argument(
        '[checks...]',
        'checks to run (default: ring-consistent, ping-all, and those the topology defines)',
      )
      .option('--seed <n>', 'seed of the sampled pairs and keys (default: the lab’s)'),
  ).action((labName: string, names: string[], o: { seed?: string; json?: boolean }) =>
    runVerb(Boolean(o.json), async (io) => {
      for (const n of names) {
        if (!CHECK_NAMES.includes(n)) {
          throw new UsageError(
            `verify: expected a check name (${CHECK_NAMES.join(', ')}), found ${JSON.stringify(n)}`,
          );
        }
      }
      const lab = await openLab(labName);
      const checks = labChecks(lab.plan.topologyFile);
      const wanted = names.length > 0 ? names : defaultChecks(checks);
      const seed = parseSeedOption(o.seed) ?? lab.plan.seed;
      const results: CheckResult[] = [];
      for (const check of wanted) {
        io.progress(`verify ${check}`);
        const result = await runCheck(lab, check, { checks, seed });
        results.push(result);
        for (const line of checkLines(result, '')) io.info(line);
      }
      const passed = results.every((r) => r.passed);
      io.info(passed ? 'PASS' : 'FAIL');
      io.result({ passed, lab: lab.plan.lab, seed, checks: results });
      return passed ? EXIT.ok : EXIT.failed;
    }),
  );
}

/** The checks section of the lab's topology file (none when the file is gone or changed beyond reading). */
function labChecks(file: string): ChecksSpec {
  try {
    return loadTopology(file).checks;
  } catch {
    return {};
  }
}

function defaultChecks(checks: ChecksSpec): string[] {
  const defined = CHECKS.filter((c) => c.section && sectionOf(checks, c) !== null).map((c) => c.name);
  return [...CLOSING_CHECKS, ...defined];
}
