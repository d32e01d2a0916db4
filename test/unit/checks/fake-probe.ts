// A fake LabProbe for the checks' lab halves: n named nodes n0..n{n-1} in a line (overlay 198.18.0.<i+1> and
// fd76:7272::<i+1>), exec/spawn/ctl answered by the test's handlers, and a fake clock that sleep() advances.

import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type {
  LabProbe,
  ProbeExecOptions,
  ProbeExecResult,
  ProbeNode,
} from '../../../src/checks/lab-probe.ts';

/** Handlers a test plugs in; a missing one throws when called. */
export interface FakeHandlers {
  exec?: (
    node: string,
    argv: string[],
    options?: ProbeExecOptions,
  ) => ProbeExecResult | Promise<ProbeExecResult>;
  spawn?: (node: string, argv: string[]) => ChildProcess;
  ctl?: (node: string, verb: string, args: Record<string, unknown>) => unknown;
  /** Node names (default n0..n{n-1}); node i gets the i-th addresses either way. */
  names?: string[];
  alive?: string[];
  upLinks?: [string, string][];
  /** Nodes that run babeld instead of vrrd. */
  babeld?: string[];
}

/** The fake lab and what it saw. */
export interface FakeLab extends LabProbe {
  clock: { ms: number };
  execCalls: { node: string; argv: string[] }[];
}

/** Node i's overlay addresses in the fake lab. */
export const fakeIpv4 = (i: number): string => `198.18.0.${i + 1}`;
export const fakeIpv6 = (i: number): string => `fd76:7272::${i + 1}`;

/** A fake lab of n nodes n0..n{n-1} (or handlers.names) in a line unless handlers.upLinks says otherwise (r = 2). */
export function fakeLab(n: number, handlers: FakeHandlers): FakeLab {
  const names = handlers.names ?? Array.from({ length: n }, (_, i) => `n${i}`);
  const nodes = new Map<string, ProbeNode>(
    names.map((name, i) => [
      name,
      {
        address: `02:00:00:00:00:${(i + 1).toString(16).padStart(2, '0')}`,
        ipv4: fakeIpv4(i),
        ipv6: fakeIpv6(i),
        vsetSize: 2,
        ...(handlers.babeld?.includes(name) ? { protocol: 'babeld' as const } : {}),
      },
    ]),
  );
  const line = names.slice(1).map((b, i) => [names[i], b] as [string, string]);
  const clock = { ms: 1_000_000 };
  const execCalls: { node: string; argv: string[] }[] = [];
  const missing = (what: string): never => {
    throw new Error(`fake lab: no ${what} handler`);
  };
  return {
    nodeCommand: ['node'],
    clock,
    execCalls,
    node(name) {
      const node = nodes.get(name);
      if (!node) throw new Error(`fake lab has no node ${JSON.stringify(name)}`);
      return node;
    },
    async exec(node, argv, options) {
      execCalls.push({ node, argv });
      return (handlers.exec ?? (() => missing('exec')))(node, argv, options);
    },
    spawn: (node, argv) => (handlers.spawn ?? (() => missing('spawn')))(node, argv),
    async ctl<T>(node: string, verb: string, args: Record<string, unknown> = {}): Promise<T> {
      return (await (handlers.ctl ?? (() => missing('ctl')))(node, verb, args)) as T;
    },
    aliveNodes: () => handlers.alive ?? names,
    upLinks: () => handlers.upLinks ?? line,
    now: () => clock.ms,
    sleep: async (ms) => {
      clock.ms += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/** A fake child process: the test writes its stdout and ends it with exit(code). */
export class FakeChild extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly argv: string[];
  readonly signals: string[] = [];
  exitCode: number | null = null;

  constructor(argv: string[]) {
    super();
    this.argv = argv;
  }

  /** Writes one line to stdout. */
  say(line: string): void {
    this.stdout.write(`${line}\n`);
  }

  /** Ends the process with code (after its output has been read). */
  exit(code: number): void {
    this.stdout.end();
    this.stderr.end();
    setImmediate(() => {
      this.exitCode = code;
      this.emit('exit', code, null);
      this.emit('close', code, null);
    });
  }

  kill(signal: string = 'SIGTERM'): boolean {
    this.signals.push(signal);
    this.emit('signal', signal);
    return true;
  }

  /** As a ChildProcess, for LabProbe.spawn. */
  asChild(): ChildProcess {
    return this as unknown as ChildProcess;
  }
}

/** iputils ping -q output for count requests with `received` replies. */
export function pingOutput(
  address: string,
  count: number,
  received: number,
  rtt = '0.500/1.000/2.000/0.300',
): string {
  const loss = Math.round((100 * (count - received)) / count);
  const lines = [
    `PING ${address} (${address}) 56(84) bytes of data.`,
    '',
    `--- ${address} ping statistics ---`,
    `${count} packets transmitted, ${received} received, ${loss}% packet loss, time 402ms`,
  ];
  if (received > 0) lines.push(`rtt min/avg/max/mdev = ${rtt} ms`);
  return `${lines.join('\n')}\n`;
}
