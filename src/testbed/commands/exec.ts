// `testbed exec LAB NODE -- CMD...` runs a command in a node (the container's own binaries, or the host's in
// a namespace) with the terminal attached, exiting with its code; `testbed logs LAB NODE [-f]` prints (and
// follows) that node's vrrd log. With --json, exec collects the output and logs parses the lines.

import type { Command } from 'commander';
import { constants, createReadStream, existsSync, openSync, statSync, watch } from 'node:fs';
import { readNoFollow } from '../lab/daemons.ts';
import { EXIT, openLab, runVerb, UsageError } from './context.ts';

/** Adds `exec` and `logs`. */
export function registerExecCommands(program: Command): void {
  program
    .command('exec')
    .description('run a command in a node, e.g. exec lab a -- ping -c 3 198.18.0.7')
    .argument('<lab>')
    .argument('<node>')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('--json', 'collect the output: one JSON object {exitCode, stdout, stderr} on stdout')
    .action((labName: string, node: string, command: string[], o: { json?: boolean }) =>
      runVerb(Boolean(o.json), async (io) => {
        const lab = await openLab(labName);
        lab.handle(node);
        if (o.json) {
          const r = await lab.exec(node, command);
          io.result({ node, command, ...r });
          return r.exitCode;
        }
        const child = lab.runtime.spawn(lab.identity, lab.handle(node), command, { tty: true });
        return new Promise<number>((resolve, reject) => {
          child.once('error', (e) => reject(new Error(`exec ${command[0]} in ${node}: ${e.message}`)));
          child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + 9 : EXIT.failed)));
        });
      }),
    );
  program
    .command('logs')
    .description('print a node’s vrrd log (JSON lines)')
    .argument('<lab>')
    .argument('<node>')
    .option('-f, --follow', 'keep printing as the log grows (Ctrl-C to stop)')
    .option('--json', 'one JSON object {node, file, lines: [parsed log lines]} on stdout')
    .action((labName: string, node: string, o: { follow?: boolean; json?: boolean }) =>
      runVerb(Boolean(o.json), async (io) => {
        const lab = await openLab(labName);
        lab.handle(node);
        const file = lab.logFile(node);
        if (!existsSync(file)) throw new UsageError(`node ${node} has no log yet (${file})`);
        if (o.json) {
          const lines = readNoFollow(file).split('\n').filter(Boolean).map(parseLogLine);
          io.result({ node, file, lines });
          return EXIT.ok;
        }
        await pipeFrom(file, 0);
        if (!o.follow) return EXIT.ok;
        let offset = statSync(file).size;
        return new Promise<number>(() => {
          watch(file, async () => {
            const size = statSync(file).size;
            if (size > offset) {
              const from = offset;
              offset = size;
              await pipeFrom(file, from, size - 1);
            }
          });
        });
      }),
    );
}

function pipeFrom(file: string, start: number, end?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // A node can write in its own directory: a symlink planted in its log's place is not followed.
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    const s = createReadStream('', { fd, start, end });
    s.on('error', reject);
    s.on('end', resolve);
    s.pipe(process.stdout, { end: false });
  });
}

/** A log line as JSON (vrrd writes JSON lines; anything else, e.g. a crash trace, is kept as text). */
function parseLogLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return { text: line };
  }
}
