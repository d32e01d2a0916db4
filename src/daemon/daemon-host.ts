// Shared mode: one vrrd process hosting many nodes (`vrrd --host FILE`). Each node is a Daemon of its own, with
// its own packet sockets and overlay TAP opened inside its own network namespace, its own control socket, seed,
// log and DHT; the nodes share the event loop and the process, nothing else (frames between them still cross
// the real veth links). What a process costs whatever it runs (V8, the loader, the heap's slack, a GC thread per
// core) is then paid once per host instead of once per node.
//
// The host's own control socket (optional) answers host.status, host.crash {node} (stop one node: drop its state,
// close its sockets and TAP, as a SIGKILL would a vrrd of its own) and host.restart {node} (start it again from
// nothing, same configuration). Invariant: a hosted node's state is 'running' exactly when it has a Daemon.

import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { ControlServer, type VerbHandler } from './control-server.ts';
import { Daemon } from './daemon.ts';
import type { HostConfig, HostedNodeConfig } from './host-config.ts';
import { Logger } from './logger.ts';
import { MemoryTrimmer } from './memory-trim.ts';
import { ProcessLoad } from './process-load.ts';

/** How many nodes start at once: each start forks `ip` a few times, and that is what takes the time. */
const START_CONCURRENCY = 8;

const LOG_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;

/** Where a hosted node is in its life. */
export type HostedState = 'starting' | 'running' | 'crashed' | 'stopping' | 'failed';

/** One hosted node as host.status reports it. */
export interface HostedNodeStatus {
  name: string;
  netns: string | null;
  state: HostedState;
  socket: string;
  log: string | null;
  /** When it last started (ISO time), or null when it never did. */
  startedAt: string | null;
  /** Restarts since the host started. */
  restarts: number;
  /** Why its last start failed, when it did. */
  error: string | null;
}

interface Hosted {
  readonly cfg: HostedNodeConfig;
  readonly logger: Logger;
  /** The log file's fd, or null when the node logs to the host's stderr. */
  readonly logFd: number | null;
  daemon: Daemon | null;
  state: HostedState;
  startedAt: number | null;
  restarts: number;
  error: string | null;
  /** The start or stop in progress, so verbs on one node never overlap. */
  busy: Promise<void> | null;
}

/** Many nodes in one process. */
export class DaemonHost {
  readonly config: HostConfig;
  readonly #logger: Logger;
  readonly #nodes = new Map<string, Hosted>();
  readonly #trimmer: MemoryTrimmer;
  readonly #startedAt = Date.now();
  readonly #load = new ProcessLoad();
  #control: ControlServer | null = null;
  #stopped = false;

  private constructor(config: HostConfig, logger: Logger) {
    this.config = config;
    this.#logger = logger;
    for (const cfg of config.nodes) {
      // O_NOFOLLOW: a symlink planted where a node's log goes is refused, not followed to some other file.
      const logFd = cfg.log === null ? null : openSync(cfg.log, LOG_FLAGS, 0o600);
      const sink = logFd === null ? undefined : (line: string) => writeSync(logFd, line + '\n');
      this.#nodes.set(cfg.config.name, {
        cfg,
        logger: new Logger(cfg.config.logLevel, sink, { name: cfg.config.name }),
        logFd,
        daemon: null,
        state: 'starting',
        startedAt: null,
        restarts: 0,
        error: null,
        busy: null,
      });
    }
    this.#trimmer = new MemoryTrimmer(() => {
      let frames = 0;
      for (const h of this.#nodes.values()) frames += h.daemon?.framesSeen() ?? 0;
      return frames;
    });
  }

  /**
   * Starts every node (a few at a time), then the host's control socket. If any node fails to start, the others
   * are stopped again and the error, naming the node, propagates.
   */
  static async start(config: HostConfig, logger: Logger): Promise<DaemonHost> {
    const host = new DaemonHost(config, logger);
    try {
      const hosted = [...host.#nodes.values()];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < hosted.length) {
          const h = hosted[next++];
          await host.#startNode(h);
          if (h.state === 'failed') throw new Error(`node ${h.cfg.config.name} failed to start: ${h.error}`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, hosted.length) }, worker));
      if (config.control !== null) {
        await ControlServer.preparePath(config.control);
        const control = new ControlServer(config.control, host.#verbs(), logger);
        await control.listen();
        host.#control = control;
      }
    } catch (error) {
      await host.stop();
      throw error;
    }
    host.#trimmer.start();
    logger.info('vrrd host ready', {
      nodes: config.nodes.length,
      control: config.control,
      pid: process.pid,
    });
    return host;
  }

  /** Every node's state. */
  status(): HostedNodeStatus[] {
    return [...this.#nodes.values()].map((h) => ({
      name: h.cfg.config.name,
      netns: h.cfg.config.netns,
      state: h.state,
      socket: h.cfg.config.socketPath,
      log: h.cfg.log,
      startedAt: h.startedAt === null ? null : new Date(h.startedAt).toISOString(),
      restarts: h.restarts,
      error: h.error,
    }));
  }

  /** Stops one node abruptly (its state is dropped, its sockets and TAP closed); the others carry on. */
  async crash(name: string): Promise<HostedNodeStatus> {
    const h = this.#node(name);
    await this.#serialize(h, async () => {
      if (h.daemon === null) return;
      h.logger.warn('vrrd node crashed on request (host.crash)');
      await this.#stopNode(h, 'crashed');
    });
    return this.#statusOf(h);
  }

  /** Starts one node again from nothing (stopping it first if it runs); resolves once its socket listens. */
  async restart(name: string): Promise<HostedNodeStatus> {
    const h = this.#node(name);
    await this.#serialize(h, async () => {
      if (h.daemon !== null) await this.#stopNode(h, 'crashed');
      h.restarts++;
      await this.#startNode(h);
    });
    if (h.state === 'failed') throw new Error(`node ${name} failed to restart: ${h.error}`);
    return this.#statusOf(h);
  }

  /** Stops every node and the host's control socket, and closes the log files; idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#trimmer.stop();
    this.#load.stop();
    const control = this.#control;
    this.#control = null;
    await control?.close();
    // Every node at once: each stop is a few closes, and a node of a stopping host must not wait for another.
    await Promise.allSettled([...this.#nodes.values()].map((h) => h.busy ?? Promise.resolve()));
    const results = await Promise.allSettled(
      [...this.#nodes.values()].map((h) => this.#stopNode(h, 'stopping')),
    );
    for (const h of this.#nodes.values()) if (h.logFd !== null) closeSync(h.logFd);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  async #startNode(h: Hosted): Promise<void> {
    h.state = 'starting';
    h.error = null;
    try {
      h.daemon = await Daemon.start(h.cfg.config, h.logger, {
        mode: 'shared',
        afterTimer: () => this.#trimmer.poke(),
      });
      h.state = 'running';
      h.startedAt = Date.now();
    } catch (error) {
      h.daemon = null;
      h.state = 'failed';
      h.error = (error as Error).message;
      h.logger.error('vrrd failed to start', { error: h.error });
      this.#logger.error('hosted node failed to start', { node: h.cfg.config.name, error: h.error });
    }
  }

  async #stopNode(h: Hosted, after: HostedState): Promise<void> {
    const daemon = h.daemon;
    h.daemon = null;
    if (daemon === null) return;
    h.state = after;
    await daemon.stop();
  }

  /** Runs one verb's work on a node once the previous one is done. */
  async #serialize(h: Hosted, work: () => Promise<void>): Promise<void> {
    if (this.#stopped) throw new Error('the host is stopping');
    while (h.busy) await h.busy;
    const run = work();
    const mine = run.then(
      () => undefined,
      () => undefined,
    );
    h.busy = mine;
    try {
      await run;
    } finally {
      if (h.busy === mine) h.busy = null;
    }
  }

  #node(name: string): Hosted {
    const h = this.#nodes.get(name);
    if (!h) {
      throw new RangeError(
        `node: no hosted node ${JSON.stringify(name)} (this host runs: ${[...this.#nodes.keys()].join(', ')})`,
      );
    }
    return h;
  }

  #statusOf(h: Hosted): HostedNodeStatus {
    return this.status().find((s) => s.name === h.cfg.config.name)!;
  }

  #verbs(): Record<string, VerbHandler> {
    const nodeArg = (args: Record<string, unknown>): string => {
      if (typeof args.node !== 'string') {
        throw new RangeError(`node: expected a hosted node's name, found ${JSON.stringify(args.node)}`);
      }
      return args.node;
    };
    return {
      'host.status': () => ({
        mode: 'shared',
        pid: process.pid,
        startedAt: new Date(this.#startedAt).toISOString(),
        uptimeMs: Date.now() - this.#startedAt,
        memory: process.memoryUsage(),
        cpu: process.cpuUsage(),
        // Since the previous host.status: how late the shared event loop ran and what the GC paused it for.
        load: this.#load.sample(),
        nodes: this.status(),
      }),
      'host.crash': (args) => this.crash(nodeArg(args)),
      'host.restart': (args) => this.restart(nodeArg(args)),
    };
  }
}
