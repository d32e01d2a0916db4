// `testbed ui [LAB]`: a local web page of a lab (live) or of a recorded run (`--replay timeline.jsonl`, or
// `--sim FILE` to simulate a topology and replay that). The server binds 127.0.0.1 on a free port and prints the
// URL with the run's token; it runs until Ctrl-C.

import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { runSimulation } from '../../sim/run-sim.ts';
import type { UiBackend } from '../ui/backend.ts';
import { LiveBackend } from '../ui/live-backend.ts';
import { openLiveLab } from '../ui/live-lab.ts';
import { bundlePage } from '../ui/page-bundle.ts';
import { loadReplay, ReplayBackend } from '../ui/replay-backend.ts';
import { startUiServer } from '../ui/server.ts';
import { SimTimelineRecorder } from '../ui/sim-timeline.ts';
import { writeTimelineEvents } from '../report/html-report.ts';
import { EXIT, loadTopologyArg, runVerb, UsageError, withJson, type VerbIo } from './context.ts';

interface UiOptions {
  replay?: string;
  sim?: string;
  seed?: string;
  topology?: string;
  port?: string;
  json?: boolean;
}

/** Adds the `ui` verb. */
export function registerUiCommand(program: Command): void {
  withJson(
    program
      .command('ui')
      .description('a local web page of a lab (live, with fault controls) or of a recorded run (--replay)')
      .argument('[lab]', 'lab name or topology file (default: the only lab up)')
      .option(
        '--replay <timeline>',
        'replay a timeline.jsonl (of `testbed run`, or of `testbed sim --report-dir`)',
      )
      .option(
        '--topology <file>',
        'with --replay: the topology file, when the timeline’s run-start does not name it',
      )
      .option('--sim <file>', 'simulate this topology, then replay the run')
      .option('--seed <n>', 'with --sim: the seed (default: the file’s)')
      .option('--port <n>', 'listen on this port of 127.0.0.1 (default: a free one)'),
  ).action((lab: string | undefined, o: UiOptions) =>
    runVerb(Boolean(o.json), async (io) => {
      const port = o.port === undefined ? 0 : Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new UsageError(`--port expects a port number, found ${o.port}`);
      }
      const backend = await openBackend(lab, o, io);
      const [assets] = await Promise.all([bundlePage()]);
      const server = await startUiServer({ backend, assets, port });
      io.info(`testbed ui: ${backend.topology().name} (${backend.topology().mode})`);
      io.info(`open ${server.url}`);
      io.result({ ok: true, url: server.url, port: server.port, token: server.token });
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await server.close();
      await backend.close();
      return EXIT.ok;
    }),
  );
}

async function openBackend(lab: string | undefined, o: UiOptions, io: VerbIo): Promise<UiBackend> {
  if (o.replay !== undefined && o.sim !== undefined) throw new UsageError('give --replay or --sim, not both');
  if (o.replay !== undefined) return new ReplayBackend(loadReplay(o.replay, o.topology));
  if (o.sim !== undefined) {
    const topology = loadTopologyArg(o.sim);
    const seed = o.seed === undefined ? (topology.seed ?? 1) : Number(o.seed);
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new UsageError(`--seed expects a non-negative integer, found ${o.seed}`);
    const dir = join('reports', 'ui-sim', topology.name);
    io.progress(`simulating ${topology.name} (seed ${seed}) into ${dir}/timeline.jsonl`);
    const recorder = new SimTimelineRecorder(topology, seed, resolve(o.sim));
    runSimulation(topology, { seed, recorder });
    const timeline = writeTimelineEvents(dir, recorder.events);
    return new ReplayBackend(loadReplay(timeline));
  }
  const backend = new LiveBackend(await openLiveLab(lab));
  io.progress('collecting every node’s tables');
  await backend.start();
  return backend;
}
