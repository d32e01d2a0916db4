// `testbed down [LAB] [--all]`: removes everything a lab created, found by its labels and names (works without
// the topology file and after a crash). Idempotent: a lab that is not there is reported as such, exit 0.

import type { Command } from 'commander';
import { availableRuntimes, downLabs } from '../lab/down.ts';
import { runtimeOfKind } from '../runtime/select.ts';
import { EXIT, resolveLabName, runVerb, UsageError, withJson, type VerbIo } from './context.ts';

/** Adds the `down` verb. */
export function registerDownCommand(program: Command): void {
  withJson(
    program
      .command('down')
      .description('remove a lab (containers, namespaces, links, daemons, files); idempotent')
      .argument('[lab]', 'lab name or its topology file (default: the only lab up)')
      .option('--all', 'remove every lab the testbed created, and any leftover of one'),
  ).action((lab: string | undefined, options: { all?: boolean; json?: boolean }) =>
    runVerb(Boolean(options.json), (io) => downCommand(lab, options, io)),
  );
}

/** Runs `down`; resolves to the exit code. */
export async function downCommand(
  lab: string | undefined,
  options: { all?: boolean },
  io: VerbIo,
): Promise<number> {
  if (options.all && lab !== undefined) throw new UsageError('down: give a lab name or --all, not both');
  const name = options.all ? null : resolveLabName(lab, 'down');
  const results = await downLabs(name, availableRuntimes(runtimeOfKind));
  for (const r of results) {
    const { containers, namespaces, processes, directories } = r.removed;
    io.info(
      r.found
        ? `lab ${r.lab}: removed ${containers} container(s), ${namespaces} namespace(s), ${processes} process(es), ${directories} directory`
        : `lab ${r.lab}: nothing to remove`,
    );
    if (r.left !== null) io.info(`lab ${r.lab}: ${r.left}`);
  }
  if (results.length === 0) io.info('no lab to remove');
  io.result({ ok: true, labs: results });
  return EXIT.ok;
}
