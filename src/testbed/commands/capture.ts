// `testbed capture LAB A B`: a pcap of the link between A and B, taken with tcpdump on A's end, written to a
// file that Wireshark or tshark reads (VRR frames carry EtherType 0x88b5... as docs/wire.md says). Stops after
// --count frames, after --duration, or on Ctrl-C.

import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { plannedLink } from '../lab/plan.ts';
import { parseDurationMs } from '../../topology/units.ts';
import { EXIT, openLab, runVerb, UsageError, withJson } from './context.ts';

/** Adds `capture`. */
export function registerCaptureCommand(program: Command): void {
  withJson(
    program
      .command('capture')
      .description('write a pcap of the link between a and b (tcpdump on a’s end)')
      .argument('<lab>')
      .argument('<a>')
      .argument('<b>')
      .option('-w, --write <file>', 'pcap file (default: <lab>-<a>-<b>.pcap here)')
      .option('-c, --count <n>', 'stop after n frames')
      .option('--duration <d>', 'stop after this long, e.g. 10s'),
  ).action(
    (
      labName: string,
      a: string,
      b: string,
      o: { write?: string; count?: string; duration?: string; json?: boolean },
    ) =>
      runVerb(Boolean(o.json), async (io) => {
        const lab = await openLab(labName);
        const link = plannedLink(lab.plan, a, b);
        const ifname = link.a === a ? link.ifA : link.ifB;
        const file = o.write ?? `${lab.plan.lab}-${a}-${b}.pcap`;
        const args = ['tcpdump', '-i', ifname, '-U', '-w', '-'];
        if (o.count !== undefined) {
          if (!/^\d+$/.test(o.count))
            throw new UsageError(`--count expects a whole number, found ${o.count}`);
          args.push('-c', o.count);
        }
        let durationMs: number | null = null;
        if (o.duration !== undefined) {
          try {
            durationMs = parseDurationMs(o.duration);
          } catch (error) {
            throw new UsageError(`--duration: ${(error as Error).message}`);
          }
        }
        const child = lab.spawn(a, args);
        const out = createWriteStream(file);
        child.stdout!.pipe(out);
        let stderr = '';
        child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
        io.progress(`capturing ${a}:${ifname} (link to ${b}) into ${file}`);
        const stop = (): void => void child.kill('SIGINT');
        process.once('SIGINT', stop);
        const timer = durationMs === null ? null : setTimeout(stop, durationMs);
        const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
        if (timer) clearTimeout(timer);
        process.off('SIGINT', stop);
        await new Promise((r) => out.end(r));
        const packets = /(\d+) packets? captured/.exec(stderr)?.[1];
        if (code !== 0 && code !== null && packets === undefined) {
          throw new Error(`tcpdump in ${a} failed: ${stderr.trim()}`);
        }
        io.info(`${packets ?? '?'} frames written to ${file}`);
        io.result({
          ok: true,
          file,
          frames: packets === undefined ? null : Number(packets),
          interface: ifname,
        });
        return EXIT.ok;
      }),
  );
}
