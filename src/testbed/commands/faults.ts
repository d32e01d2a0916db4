// The live fault verbs: `link LAB A B up|down`, `impair LAB A B k=v...`, `partition LAB G1 G2...`, `heal LAB`,
// `kill LAB NODE`, `restart LAB NODE`. Each opens the lab, applies one fault (lab/faults.ts, the same code the
// scenario runner uses) and says what it did.

import type { Command } from 'commander';
import { parseEmulationPairs, parseEmulationSpec } from '../../topology/emulation-spec.ts';
import type { LinkParams } from '../../topology/types.ts';
import { heal, impairLink, killNode, partition, restartNode, setLink } from '../lab/faults.ts';
import type { Lab } from '../lab/lab.ts';
import { EXIT, openLab, runVerb, UsageError, withJson } from './context.ts';

/** Adds the fault verbs. */
export function registerFaultCommands(program: Command): void {
  fault(
    program,
    'link',
    'set a link down or up (both ends)',
    '<lab> <a> <b> <state>',
    async (lab, [a, b, s]) => {
      if (s !== 'up' && s !== 'down')
        throw new UsageError(`link: expected up or down, found ${JSON.stringify(s)}`);
      return setLink(lab, a, b, s === 'up');
    },
  );
  withJson(
    program
      .command('impair')
      .description('change a link’s impairments live, e.g. impair lab a b delay=10ms loss=1%')
      .argument('<lab>')
      .argument('<a>')
      .argument('<b>')
      .argument('[settings...]', 'k=v for both directions: delay jitter loss rate duplicate reorder corrupt')
      .option('--a-to-b <settings>', 'k=v,... from a to b only')
      .option('--b-to-a <settings>', 'k=v,... from b to a only'),
  ).action(
    (
      lab: string,
      a: string,
      b: string,
      settings: string[],
      o: { aToB?: string; bToA?: string; json?: boolean },
    ) =>
      runVerb(Boolean(o.json), async (io) => {
        const both = parse(settings.join(' '), 'settings');
        const fromA = { ...both, ...parse(o.aToB ?? '', '--a-to-b') };
        const fromB = { ...both, ...parse(o.bToA ?? '', '--b-to-a') };
        if (Object.keys(fromA).length + Object.keys(fromB).length === 0) {
          throw new UsageError('impair: give settings like delay=10ms loss=1% (or --a-to-b / --b-to-a)');
        }
        const line = await impairLink(await openLab(lab), a, b, fromA, fromB);
        io.info(line);
        io.result({ ok: true, did: line });
        return EXIT.ok;
      }),
  );
  withJson(
    program
      .command('partition')
      .description(
        'cut every link between groups, e.g. partition lab a,b,c d,e (unnamed nodes: one more group)',
      )
      .argument('<lab>')
      .argument('<groups...>', 'comma-separated node names, one argument per group'),
  ).action((lab: string, groups: string[], o: { json?: boolean }) =>
    runVerb(Boolean(o.json), async (io) => {
      const parsed = groups.map((g) => g.split(',').filter(Boolean));
      if (parsed.length < 1 || parsed.some((g) => g.length === 0))
        throw new UsageError('partition: empty group');
      const line = await partition(await openLab(lab), parsed);
      io.info(line);
      io.result({ ok: true, did: line });
      return EXIT.ok;
    }),
  );
  fault(program, 'heal', 'undo the last partition', '<lab>', (lab) => heal(lab));
  fault(program, 'kill', 'crash a node: SIGKILL its vrrd (state lost)', '<lab> <node>', (lab, [node]) =>
    killNode(lab, node),
  );
  fault(program, 'restart', 'start a node’s vrrd again from nothing', '<lab> <node>', (lab, [node]) =>
    restartNode(lab, node),
  );
}

function fault(
  program: Command,
  name: string,
  description: string,
  args: string,
  apply: (lab: Lab, rest: string[]) => Promise<string>,
): void {
  const command = program.command(name).description(description);
  for (const arg of args.split(' ')) command.argument(arg);
  withJson(command).action(async (...received: unknown[]) => {
    const count = args.split(' ').length;
    const [labName, ...rest] = received.slice(0, count) as string[];
    const options = received[count] as { json?: boolean };
    await runVerb(Boolean(options.json), async (io) => {
      const line = await apply(await openLab(labName), rest);
      io.info(line);
      io.result({ ok: true, did: line });
      return EXIT.ok;
    });
  });
}

function parse(text: string, where: string): Partial<LinkParams> {
  try {
    return parseEmulationSpec(parseEmulationPairs(text, where), where);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
