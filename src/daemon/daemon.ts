// One running node of vrrd: the protocol core (VrrNode) wired to real links, the overlay TAP, the DHT mappings
// and the control socket, all in the node's network namespace (NodeNamespace). A vrrd process runs one Daemon
// (per-node mode) or many, under a DaemonHost (shared mode, daemon-host.ts), which share the event loop and
// nothing else. Start-up order matters: the control socket is the last thing to appear, so a client that can
// connect finds a node that is fully up; stop() undoes everything in reverse and leaves no file behind.

import { readFileSync } from 'node:fs';
import { formatAddress } from '../vrr/address.ts';
import type { VrrEvent } from '../vrr/events.ts';
import { VrrNode } from '../vrr/node.ts';
import { createRng, deriveSeed } from '../vrr/rng.ts';
import { AUTH_TAG_LENGTH, DATA_HEADER_LENGTH } from '../vrr/wire/types.ts';
import { AddressMappings } from './address-mappings.ts';
import { describeConfig, type DaemonConfig } from './config.ts';
import type { DaemonEvent } from '../control/protocol.ts';
import { ControlServer } from './control-server.ts';
import { buildVerbHandlers } from './control-verbs.ts';
import { attachDht, DhtClient } from './dht-client.ts';
import { Links } from './links.ts';
import type { Logger, LogLevel } from './logger.ts';
import { NeighborProxy } from './neighbor-proxy.ts';
import { NodeNamespace } from './node-namespace.ts';
import { Overlay } from './overlay.ts';
import { MulticastGroups } from './multicast-groups.ts';
import {
  configureOverlayAddresses,
  enableOverlayMulticast,
  cachedInterfaceAddresses,
} from './overlay-interface.ts';
import { WallEnv } from './wall-env.ts';

/** How long the overlay's address list is reused by the mapping publisher (overlay-interface.ts says why). */
const ADDRESS_CACHE_MS = 5000;
/** Address mappings are first published once the vset has been unchanged for this many hello periods. */
const MAPPINGS_QUIET_HELLOS = 3;

/**
 * Carrier polling: once a hello period, within these bounds. A lost carrier then fails the link's neighbours
 * within a period, far sooner than their hold time of silence would; polling more often only costs an idle daemon
 * wake-ups.
 */
const MIN_POLL_MS = 100;
const MAX_POLL_MS = 1000;

/** Log level of each core event type (the noisy ones are debug). */
const EVENT_LEVEL: Record<string, LogLevel> = {
  link: 'info',
  active: 'info',
  'vset-add': 'info',
  'vset-remove': 'info',
  'path-up': 'debug',
  'path-down': 'debug',
  'setup-req': 'debug',
  drop: 'debug',
  // Multicast membership and tree changes come in bursts (replicas, every hop of a branch).
  'mcast-rvp': 'debug',
  'mcast-tree': 'debug',
};

/** How a node runs: alone in its vrrd process, or hosted with others in one (`vrrd --host`). */
export type DaemonMode = 'per-node' | 'shared';

/** Options of Daemon.start. */
export interface DaemonOptions {
  /** Reported by the status verb; default per-node. */
  mode?: DaemonMode;
  /** Runs after every timer of the node has fired (see WallEnv): the process's housekeeping. */
  afterTimer?: () => void;
}

/** One running node. */
export class Daemon {
  readonly config: DaemonConfig;
  readonly node: VrrNode;
  readonly mode: DaemonMode;
  readonly #logger: Logger;
  readonly #netns: NodeNamespace;
  readonly #links: Links;
  #overlay: Overlay | null = null;
  #mappings: AddressMappings | null = null;
  #multicast: MulticastGroups | null = null;
  #control: ControlServer | null = null;
  #stopped = false;

  private constructor(config: DaemonConfig, logger: Logger, netns: NodeNamespace, options: DaemonOptions) {
    this.config = config;
    this.mode = options.mode ?? 'per-node';
    this.#logger = logger;
    this.#netns = netns;
    const env = new WallEnv(
      createRng(deriveSeed(config.seed, formatAddress(config.address))),
      options.afterTimer,
    );
    this.node = new VrrNode(
      { address: config.address, vsetSize: config.vsetSize, helloMs: config.helloMs },
      env,
      config.networkKey === null ? {} : { networkKey: config.networkKey },
    );
    this.#links = new Links({
      interfaces: config.interfaces,
      emulation: config.emulation,
      seed: config.seed,
      pollMs: Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, config.helloMs)),
      logger,
      netns,
    });
    env.connect({
      send: (port, to, frame) => this.#links.send(port, to, frame),
      deliver: (packet) => this.#overlay?.deliver(packet),
      emit: (event) => this.#onEvent(event),
    });
  }

  /**
   * Starts a node in its namespace (config.netns); on failure everything already opened is closed again before
   * the error propagates.
   */
  static async start(config: DaemonConfig, logger: Logger, options: DaemonOptions = {}): Promise<Daemon> {
    await ControlServer.preparePath(config.socketPath);
    const netns = config.netns === null ? NodeNamespace.own() : NodeNamespace.join(config.netns);
    const d = new Daemon(config, logger, netns, options);
    try {
      await d.#start();
    } catch (error) {
      await d.stop();
      throw error;
    }
    return d;
  }

  async #start(): Promise<void> {
    const { config, node } = this;
    const logger = this.#logger;
    const startedAt = Date.now();
    logger.info('vrrd starting', describeConfig(config));

    const dht = new DhtClient(attachDht(node));
    // Attached with or without an overlay: a relay-only node still carries other nodes' trees.
    const multicast = new MulticastGroups(node, {
      onDeliver: (packet) => this.#overlay?.deliverGroup(packet),
      count: (name, by) => this.#overlay?.count(name, by),
    });
    this.#multicast = multicast;

    if (config.overlay) {
      const overlay = Overlay.open({
        name: config.overlay.name,
        mtu: this.#overlayMtu(),
        node,
        logger,
        netns: this.#netns.openOption,
      });
      this.#overlay = overlay;
      const addresses = [config.overlay.ipv4, config.overlay.ipv6].filter((a) => a !== null);
      await configureOverlayAddresses(overlay.name, addresses, this.#netns);
      await enableOverlayMulticast(overlay.name, this.#netns);
      overlay.setMulticast(multicast);
      const mappings = new AddressMappings({
        dht,
        mac: node.address,
        ttlMs: config.mappings.ttlMs,
        refreshMs: config.mappings.refreshMs,
        quietMs: MAPPINGS_QUIET_HELLOS * config.helloMs,
        addresses: cachedInterfaceAddresses(overlay.name, ADDRESS_CACHE_MS, Date.now, this.#netns),
        count: (name, by) => overlay.count(name, by),
        logger,
      });
      this.#mappings = mappings;
      overlay.setNeighborProxy(
        new NeighborProxy({
          mappings,
          write: (frame) => overlay.write(frame),
          count: (name, by) => overlay.count(name, by),
          logger,
        }),
      );
    }

    this.#links.start({
      onFrame: (port, from, payload) => node.receive(port, from, payload),
      onPortUp: (port, mtu) => {
        node.addPort(port, { mtu });
        this.#publish({ type: 'port-up', interface: this.#links.interfaces[port], mtu });
      },
      onPortDown: (port, why) => {
        node.removePort(port);
        this.#publish({ type: 'port-down', interface: this.#links.interfaces[port], why });
      },
    });
    node.start();
    this.#mappings?.start();

    const control = new ControlServer(
      config.socketPath,
      buildVerbHandlers({
        config,
        node,
        links: this.#links,
        overlay: this.#overlay,
        dht,
        mappings: this.#mappings,
        multicast,
        control: () => this.#control,
        startedAt,
        version: packageVersion(),
        mode: this.mode,
      }),
      logger,
    );
    await control.listen();
    this.#control = control;
    logger.info('vrrd ready', {
      address: formatAddress(node.address),
      socket: config.socketPath,
      pid: process.pid,
      mode: this.mode,
      ...(config.netns !== null ? { netns: config.netns } : {}),
    });
  }

  /**
   * Stops the node, closes the control socket (removing its file), the links and the overlay (which removes the
   * TAP and its addresses). Nothing is sent on the way out: a stop looks like a crash to the neighbours, which
   * find out from missing hellos and failed carriers, as when the process dies. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.node.stop();
    this.#mappings?.stop();
    this.#multicast?.stop();
    const control = this.#control;
    this.#control = null;
    try {
      await control?.close();
    } finally {
      this.#links.close();
      this.#overlay?.close();
      this.#overlay = null;
      this.#netns.close();
    }
  }

  /** Whether stop() has been called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Frames through the links and the overlay since start (what the memory trimmer watches). */
  framesSeen(): number {
    let frames = 0;
    for (const l of this.#links.report()) frames += (l.socket?.rx ?? 0) + (l.socket?.tx ?? 0);
    const tap = this.#overlay?.counters().tap;
    if (tap) frames += tap.rx + tap.tx;
    return frames;
  }

  /** The overlay MTU: the smallest link MTU minus the data header, so every overlay frame fits every link. */
  #overlayMtu(): number {
    const mtus = this.config.interfaces.map((i) => this.#netns.readInterface(i)?.mtu ?? 1500);
    // A keyed mesh's trailer rides inside the link MTU too.
    const trailer = this.config.networkKey === null ? 0 : AUTH_TAG_LENGTH;
    return Math.min(...mtus) - DATA_HEADER_LENGTH - trailer;
  }

  #onEvent(event: VrrEvent): void {
    const formatted = formatEvent(event);
    this.#publish(formatted);
    if (event.type === 'active' || event.type === 'vset-add' || event.type === 'vset-remove') {
      this.#mappings?.ringChanged();
    }
  }

  #publish(fields: { type: string; [k: string]: unknown }): void {
    const event: DaemonEvent = {
      t: new Date().toISOString(),
      node: formatAddress(this.node.address),
      ...fields,
    };
    // A bug caught inside the core is reported as a drop: it deserves more than a debug line.
    const level = fields.reason === 'internal-error' ? 'error' : (EVENT_LEVEL[fields.type] ?? 'info');
    this.#logger.log(level, `event ${fields.type}`, { event: fields });
    this.#control?.publish(event);
  }
}

/** A core event with its addresses written as text. */
export function formatEvent(event: VrrEvent): { type: string; [k: string]: unknown } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(event)) {
    out[k] = ADDRESS_FIELDS.has(k) && typeof v === 'number' ? formatAddress(v) : v;
  }
  return out as { type: string };
}

const ADDRESS_FIELDS = new Set(['neighbor', 'member', 'ea', 'eb', 'target']);

let cachedVersion: string | null = null;

/** The package version (from package.json), for `vrrctl status`. */
function packageVersion(): string {
  if (cachedVersion !== null) return cachedVersion;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    cachedVersion = pkg.version ?? 'unknown';
  } catch {
    cachedVersion = 'unknown';
  }
  return cachedVersion;
}
