// A bare lab for the vrrd tests and bench (no controller): namespaces in a line joined by veth pairs (node i's
// "e" end to node i+1's "w" end), optionally one extra namespace hanging off the last node (for injecting
// frames), and a vrrd in each line namespace (per-node mode, start()) or one vrrd hosting every node (shared
// mode, startHost()). Everything is named `vrrd-<pid>-<label>-...`, and destroy() removes it all (daemons,
// namespaces, socket directory), also after a failure half-way through create().

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ControlClient, requestOnce } from '../../control/client.ts';
import { REPO_ROOT } from '../../daemon/daemon-bundle.ts';
import { parseAddress, type Address } from '../../vrr/address.ts';
import type { NodeSnapshot, UpLink } from '../../checks/ring-consistent/verdict.ts';
import { createNamespaceSync, createVethPairSync, deleteNamespaceSync, inNamespace } from '../links/netns.ts';

/** Options of a line lab. */
export interface LineLabOptions {
  /** Nodes in the line. */
  size: number;
  /** Pinned addresses by position (so the true ring is known and differs from the line order). */
  addresses: string[];
  helloMs: number;
  vsetSize: number;
  seed: number;
  /** Add namespace `x` joined to the last node by a veth ("x" there, "v" in x), for frame injection. */
  injector?: boolean;
  /** Extra vrrd flags for every node. */
  extraArgs?: string[];
  /**
   * What runs vrrd: the TypeScript source under the tsx loader (default), or a bundle's vrrd.mjs (the
   * deployed form, bundleDaemon() in src/daemon/daemon-bundle.ts) on plain node.
   */
  vrrdBundle?: string;
  /** Extra node flags for every daemon (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/** One vrrd process of the lab. */
export interface LabDaemon {
  index: number;
  ns: string;
  socket: string;
  address: Address;
  child: ChildProcess;
  /** stderr (the JSON log), kept for failure reports. */
  log: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The line of namespaces and their daemons. */
export class LineLab {
  readonly prefix: string;
  readonly opts: LineLabOptions;
  readonly daemons: (LabDaemon | null)[] = [];
  socketDir = '';
  /** The vrrd --host process (shared mode), or null. */
  host: LabDaemon | null = null;
  #namespaces: string[] = [];

  /** Names the lab; nothing exists until create(). */
  constructor(label: string, opts: LineLabOptions) {
    this.prefix = `vrrd-${process.pid}-${label}`;
    this.opts = opts;
  }

  /** Namespace of node i (or "x" for the injector). */
  ns(i: number | 'x'): string {
    return `${this.prefix}-${i}`;
  }

  /** Creates the namespaces and links (all up). */
  create(): this {
    this.socketDir = mkdtempSync(join(tmpdir(), 'vrrd-test-'));
    const names = [...Array(this.opts.size).keys()].map((i) => this.ns(i));
    if (this.opts.injector) names.push(this.ns('x'));
    for (const ns of names) {
      createNamespaceSync(ns);
      this.#namespaces.push(ns);
    }
    for (let i = 0; i + 1 < this.opts.size; i++) this.#veth(this.ns(i), 'e', this.ns(i + 1), 'w');
    if (this.opts.injector) this.#veth(this.ns(this.opts.size - 1), 'x', this.ns('x'), 'v');
    return this;
  }

  #veth(nsA: string, ifA: string, nsB: string, ifB: string): void {
    createVethPairSync({ netns: nsA, ifname: ifA }, { netns: nsB, ifname: ifB });
  }

  /** Starts every node's vrrd and waits until all control sockets answer. */
  async startAll(): Promise<void> {
    await Promise.all([...Array(this.opts.size).keys()].map((i) => this.start(i)));
  }

  /** Starts node i's vrrd (again, after a kill) and waits until its control socket answers. */
  async start(i: number): Promise<LabDaemon> {
    const socket = join(this.socketDir, `n${i}.sock`);
    const [cmd, ...args] = inNamespace(this.ns(i), [
      process.execPath,
      ...(this.opts.nodeArgs ?? []),
      ...(this.opts.vrrdBundle ? [this.opts.vrrdBundle] : ['--import', 'tsx', 'src/daemon/vrrd.ts']),
      '--name',
      `n${i}`,
      '--socket',
      socket,
      '--address',
      this.opts.addresses[i],
      '--hello-ms',
      String(this.opts.helloMs),
      '--vset-size',
      String(this.opts.vsetSize),
      '--seed',
      String(this.opts.seed),
      '--log-level',
      'debug',
      ...(this.opts.extraArgs ?? []),
    ]);
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const d: LabDaemon = {
      index: i,
      ns: this.ns(i),
      socket,
      address: parseAddress(this.opts.addresses[i]),
      child,
      log: '',
      exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    };
    child.stderr!.on('data', (chunk: Buffer) => {
      d.log += chunk.toString('utf8');
      if (d.log.length > 4_000_000) d.log = d.log.slice(-2_000_000); // debug logs of a long test
    });
    this.daemons[i] = d;
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`vrrd n${i} exited (${child.exitCode}) at start:\n${tail(d.log)}`);
        try {
          (await ControlClient.connect(socket)).close();
          return true;
        } catch {
          return false;
        }
      },
      30_000,
      `vrrd n${i} to open its control socket ${socket}`,
    );
    return d;
  }

  /** The host's control socket (shared mode). */
  get hostSocket(): string {
    return join(this.socketDir, 'host.sock');
  }

  /** The log file of node i in shared mode. */
  hostedLog(i: number): string {
    return join(this.socketDir, `n${i}.log`);
  }

  /**
   * Shared mode: starts one vrrd hosting every node (each in its namespace, with the flags start() would give
   * it) and waits until every node's control socket and the host's answer. daemons[i].child is the host.
   */
  async startHost(): Promise<void> {
    const nodes = [...Array(this.opts.size).keys()].map((i) => ({
      name: `n${i}`,
      netns: this.ns(i),
      socket: join(this.socketDir, `n${i}.sock`),
      log: this.hostedLog(i),
      address: this.opts.addresses[i],
      interfaces: [...(i > 0 ? ['w'] : []), ...(i + 1 < this.opts.size ? ['e'] : [])],
    }));
    const file = join(this.socketDir, 'host.json');
    writeFileSync(
      file,
      JSON.stringify({
        control: this.hostSocket,
        defaults: {
          helloMs: this.opts.helloMs,
          vsetSize: this.opts.vsetSize,
          seed: this.opts.seed,
          logLevel: 'debug',
        },
        nodes,
      }),
    );
    const child = spawn(
      process.execPath,
      [
        ...(this.opts.nodeArgs ?? []),
        ...(this.opts.vrrdBundle ? [this.opts.vrrdBundle] : ['--import', 'tsx', 'src/daemon/vrrd.ts']),
        '--host',
        file,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const host: LabDaemon = {
      index: -1,
      ns: '',
      socket: this.hostSocket,
      address: 0,
      child,
      log: '',
      exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    };
    child.stderr!.on('data', (chunk: Buffer) => (host.log += chunk.toString('utf8')));
    this.host = host;
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`vrrd --host exited (${child.exitCode}) at start:\n${tail(host.log)}`);
        try {
          (await ControlClient.connect(this.hostSocket)).close();
          return true;
        } catch {
          return false;
        }
      },
      60_000,
      `vrrd --host to open ${this.hostSocket}`,
    );
    for (const n of nodes) this.#hosted(Number(n.name.slice(1)));
  }

  /** Records hosted node i as running (its socket answers once the host says it runs). */
  #hosted(i: number): void {
    const host = this.host!;
    this.daemons[i] = {
      index: i,
      ns: this.ns(i),
      socket: join(this.socketDir, `n${i}.sock`),
      address: parseAddress(this.opts.addresses[i]),
      child: host.child,
      log: '',
      exit: host.exit,
    };
  }

  /** One request to the host's control socket. */
  hostCtl<T = any>(verb: string, args: Record<string, unknown> = {}): Promise<T> {
    return requestOnce<T>(this.hostSocket, verb, args, 60_000);
  }

  /** Shared mode: crashes hosted node i (host.crash). */
  async crashHosted(i: number): Promise<any> {
    const r = await this.hostCtl('host.crash', { node: `n${i}` });
    this.daemons[i] = null;
    return r;
  }

  /** Shared mode: starts hosted node i again from nothing (host.restart). */
  async restartHosted(i: number): Promise<any> {
    const r = await this.hostCtl('host.restart', { node: `n${i}` });
    this.#hosted(i);
    return r;
  }

  /** Sends a signal to node i's vrrd and waits for it to exit. */
  async kill(
    i: number,
    signal: NodeJS.Signals,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const d = this.daemons[i];
    if (!d) throw new Error(`node ${i} has no daemon`);
    d.child.kill(signal);
    const result = await d.exit;
    this.daemons[i] = null;
    return result;
  }

  /** One control request to node i. */
  ctl<T = any>(i: number, verb: string, args: Record<string, unknown> = {}): Promise<T> {
    const d = this.daemons[i];
    if (!d) throw new Error(`node ${i} has no daemon`);
    return requestOnce<T>(d.socket, verb, args, 20_000);
  }

  /** Runs vrrctl against node i; never throws for a non-zero exit. */
  async vrrctl(i: number, ...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const socket = this.daemons[i]?.socket ?? join(this.socketDir, `n${i}.sock`);
    const r = await execa(
      process.execPath,
      ['--import', 'tsx', 'src/ctl/vrrctl.ts', '--socket', socket, ...args],
      {
        cwd: REPO_ROOT,
        reject: false,
        timeout: 60_000,
      },
    );
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  /** Runs a command inside node i's namespace (or x); never throws for a non-zero exit. */
  async exec(
    i: number | 'x',
    cmd: string,
    ...args: string[]
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const [ip, ...ipArgs] = inNamespace(this.ns(i), [cmd, ...args]);
    const r = await execa(ip, ipArgs, {
      reject: false,
      timeout: 120_000,
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  /** Every running node's tables, as the ring checker takes them. */
  async snapshots(): Promise<NodeSnapshot[]> {
    const out: NodeSnapshot[] = [];
    for (const d of this.daemons) {
      if (!d) continue;
      const [vset, routes, neighbors] = await Promise.all([
        this.ctl(d.index, 'vset'),
        this.ctl(d.index, 'routes'),
        this.ctl(d.index, 'neighbors'),
      ]);
      out.push({
        name: `n${d.index}`,
        address: d.address,
        alive: true,
        active: vset.active,
        vsetSize: vset.vsetSize,
        vset: vset.members.map((m: { address: string }) => parseAddress(m.address)),
        routes: routes.map(
          (r: { ea: string; eb: string; pathId: number; na: string | null; nb: string | null }) => ({
            ea: parseAddress(r.ea),
            eb: parseAddress(r.eb),
            pathId: r.pathId,
            na: r.na === null ? null : parseAddress(r.na),
            nb: r.nb === null ? null : parseAddress(r.nb),
          }),
        ),
        linkedNeighbors: neighbors
          .filter((n: { state: string }) => n.state === 'linked')
          .map((n: { address: string }) => parseAddress(n.address)),
      });
    }
    return out;
  }

  /** The line's links that are up, by node names (downLinks: indexes i of links i..i+1 that are down). */
  upLinks(downLinks: number[] = []): UpLink[] {
    const links: UpLink[] = [];
    for (let i = 0; i + 1 < this.opts.size; i++)
      if (!downLinks.includes(i)) links.push([`n${i}`, `n${i + 1}`]);
    return links;
  }

  /** Stops every daemon (SIGKILL after 5 s), deletes the namespaces and the socket directory. Never throws. */
  async destroy(): Promise<void> {
    const processes = this.host ? [this.host] : this.daemons;
    await Promise.all(
      processes.map(async (d) => {
        if (!d || d.child.exitCode !== null || d.child.signalCode !== null) return;
        d.child.kill('SIGTERM');
        const timer = setTimeout(() => d.child.kill('SIGKILL'), 5000);
        await d.exit;
        clearTimeout(timer);
      }),
    );
    for (const ns of this.#namespaces.splice(0)) deleteNamespaceSync(ns);
    if (this.socketDir) rmSync(this.socketDir, { recursive: true, force: true });
  }

  /** The last lines of every daemon's log (for a failing test's message). */
  logs(lines = 30): string {
    if (this.host) return `--- host ---\n${tail(this.host.log, lines)}`;
    return this.daemons
      .filter((d): d is LabDaemon => d !== null)
      .map((d) => `--- n${d.index} ---\n${tail(d.log, lines)}`)
      .join('\n');
  }
}

/** Polls check every intervalMs until it returns true; rejects after timeoutMs naming what was awaited. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 200,
): Promise<number> {
  const start = Date.now();
  let lastError: unknown = null;
  for (;;) {
    try {
      if (await check()) return Date.now() - start;
      lastError = null;
    } catch (error) {
      lastError = error;
      if ((error as Error).message?.includes('exited')) throw error;
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function tail(text: string, lines = 30): string {
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n');
}
