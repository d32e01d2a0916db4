// `testbed up FILE`: the topology as a lab of vrrd nodes (containers, or namespaces), waited on until the
// ring is consistent. Prints the seed first (replay with --seed), then a summary: nodes, links, how links
// are shaped, convergence time, and what to try next. Exit 0 when the ring is consistent, 1 when it is not
// (the lab is left up to look at), 2 for a bad file or arguments (nothing is created).

import type { Command } from 'commander';
import { checkLabName } from '../lab/lab-name.ts';
import { upLab, type UpResult } from '../lab/up.ts';
import { chooseRuntime, RUNTIME_CHOICES } from '../runtime/select.ts';
import {
  durationArg,
  EXIT,
  loadTopologyArg,
  runtimeChoiceArg,
  runVerb,
  UsageError,
  withJson,
  type VerbIo,
} from './context.ts';
import { interruptible } from './interrupt.ts';
import { parseSeedOption } from './seed.ts';
import { DAEMONS_CHOICES, type DaemonsChoice } from '../../topology/types.ts';
import { daemonsSummary, describeDaemons } from '../lab/daemons-summary.ts';
import type { DaemonsMode } from '../lab/lab-state.ts';

/** Options of `up` as commander hands them over. */
export interface UpCommandOptions {
  seed?: string;
  runtime?: string;
  name?: string;
  timeout?: string;
  keepOnFailure?: boolean;
  daemons?: string;
  json?: boolean;
}

/** Adds the `up` verb. */
export function registerUpCommand(program: Command): void {
  withJson(
    program
      .command('up')
      .description('bring a topology up as a lab of vrrd nodes and wait for a consistent ring')
      .argument('<file>', 'topology file (YAML)')
      .option('--seed <n>', 'run seed (default: the file’s, else the time; printed)')
      .option(
        '--runtime <kind>',
        `${RUNTIME_CHOICES.join(' | ')} (auto: the first that can run here)`,
        'auto',
      )
      .option('--name <lab>', 'lab name (default: the topology’s name)')
      .option(
        '--timeout <duration>',
        'how long to wait for a consistent ring (default: 60s or more for big labs)',
      )
      .option('--keep-on-failure', 'leave what was created when up fails (default: remove it)')
      .option('--daemons <mode>', DAEMONS_HELP),
  ).action((file: string, options: UpCommandOptions) =>
    runVerb(Boolean(options.json), (io) => upCommand(file, options, io)),
  );
}

/** Runs `up`; resolves to the exit code. */
export async function upCommand(file: string, options: UpCommandOptions, io: VerbIo): Promise<number> {
  const topology = loadTopologyArg(file);
  const lab = options.name === undefined ? topology.name : checkLabName(options.name, '--name');
  const choice = runtimeChoiceArg(options.runtime);
  const timeoutMs = options.timeout === undefined ? undefined : durationArg('--timeout', options.timeout);
  const seed = parseSeedOption(options.seed) ?? topology.seed ?? Date.now() % 2 ** 32;
  const daemonsChoice = daemonsChoiceArg(options.daemons) ?? topology.daemons ?? 'auto';
  const { runtime, why } = await chooseRuntime(choice);
  const daemons = resolveDaemons(daemonsChoice, runtime.kind);
  io.info(`seed ${seed}, replay with --seed ${seed}`);
  io.progress(`runtime ${runtime.kind} (${why}), daemons ${daemons}`);
  const started = Date.now();
  const result = await interruptible(io, lab, (signal) =>
    upLab(topology, {
      seed,
      runtime,
      lab,
      timeoutMs,
      keepOnFailure: options.keepOnFailure,
      signal,
      progress: io.progress,
      daemons,
    }),
  );
  const wallMs = Date.now() - started;
  for (const line of upSummary(result, wallMs)) io.info(line);
  io.result(upJson(result, wallMs));
  return result.convergenceMs === null ? EXIT.failed : EXIT.ok;
}

/** The JSON result of `up`. */
export function upJson(result: UpResult, wallMs: number): Record<string, unknown> {
  const { plan, state } = result.lab;
  return {
    ok: result.convergenceMs !== null,
    lab: plan.lab,
    runId: plan.runId,
    runtime: plan.runtime,
    daemons: daemonsSummary(state),
    seed: plan.seed,
    image: result.prepare.image,
    engine: result.prepare.engine,
    nodes: plan.nodes.length,
    links: plan.links.length,
    convergenceMs: result.convergenceMs,
    wallMs,
    phases: result.phases,
    shaping: result.shaping,
    linkShaping: plan.links.map((l) => ({ a: l.a, b: l.b, shapedBy: state.links[l.index].shapedBy })),
    ring: { passed: result.ring.passed, figures: result.ring.figures, problems: result.ring.problems },
  };
}

/** The human summary of `up`. */
export function upSummary(result: UpResult, wallMs: number): string[] {
  const { plan, state } = result.lab;
  const lines = [
    `lab ${plan.lab}: ${plan.nodes.length} nodes, ${plan.links.length} links, runtime ${plan.runtime}` +
      (result.prepare.image ? ` (image ${result.prepare.image})` : '') +
      `, ${describeDaemons(state)}`,
  ];
  const by = new Map<string, number>();
  for (const l of state.links) by.set(l.shapedBy, (by.get(l.shapedBy) ?? 0) + 1);
  const shaping = [...by].map(([k, n]) => `${n} by ${k === 'none' ? 'nothing (unimpaired)' : k}`).join(', ');
  lines.push(`links shaped: ${shaping}${result.shaping ? ` — ${result.shaping.reason}` : ''}`);
  if (result.convergenceMs !== null) {
    lines.push(
      `ring consistent ${(result.convergenceMs / 1000).toFixed(1)} s after vrrd started (up took ${(wallMs / 1000).toFixed(1)} s)`,
    );
  } else {
    lines.push(`ring NOT consistent within the deadline; the lab is left up to look at:`);
    for (const p of result.ring.problems.slice(0, 20)) lines.push(`  ${p}`);
  }
  const [a, b] = [plan.nodes[0], plan.nodes[1] ?? plan.nodes[0]];
  lines.push(
    `try: npm run testbed -- exec ${plan.lab} ${a.name} -- ping -c 3 ${b.ipv4.split('/')[0]}`,
    `     npm run testbed -- status ${plan.lab}    npm run testbed -- down ${plan.lab}`,
  );
  return lines;
}

/** The help of --daemons (up and run). */
export const DAEMONS_HELP =
  `${DAEMONS_CHOICES.join(' | ')}: one vrrd per node, or one vrrd host per core running a slice of the nodes ` +
  '(netns only); auto: shared for netns, per-node for docker (default: the topology’s defaults.daemons, else auto)';

/** --daemons as given, checked; undefined when absent. */
export function daemonsChoiceArg(value: string | undefined): DaemonsChoice | undefined {
  if (value === undefined) return undefined;
  if (!(DAEMONS_CHOICES as readonly string[]).includes(value)) {
    throw new UsageError(
      `--daemons: expected one of ${DAEMONS_CHOICES.join(', ')}, found ${JSON.stringify(value)}`,
    );
  }
  return value as DaemonsChoice;
}

/** auto: shared where the nodes are namespaces on this machine, per-node for containers. */
export function resolveDaemons(choice: DaemonsChoice, runtime: string): DaemonsMode {
  if (choice !== 'auto') return choice;
  return runtime === 'netns' ? 'shared' : 'per-node';
}
