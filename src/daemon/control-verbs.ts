// What each control verb answers, built from the daemon's parts. Results are plain JSON with addresses written
// as text (02:00:00:00:00:0b); docs/vrrd.md lists every shape. Argument errors are RangeErrors whose message
// says which argument, what was expected and what was found: the client shows them as they are. The tables
// that grow with the lab (PAGED_VERBS) answer one page at a time (paging.ts).

import { clockwise, formatAddress, ringDistance } from '../vrr/address.ts';
import type { VrrNode } from '../vrr/node.ts';
import { parseDurationMs } from '../topology/units.ts';
import type { AddressMappings } from './address-mappings.ts';
import type { DaemonConfig } from './config.ts';
import type { ControlServer, VerbHandler } from './control-server.ts';
import type { DhtClient, DhtResult } from './dht-client.ts';
import { formatEmulation, parseEmulationSpec } from '../topology/emulation-spec.ts';
import { formatCidr } from '../topology/ip-address.ts';
import { parseGroup } from './frames/group-address.ts';
import type { Links } from './links.ts';
import type { MulticastGroups } from './multicast-groups.ts';
import type { Overlay } from './overlay.ts';
import { Page, pageRequest, pageRows, type SortKey } from './paging.ts';

/** The parts of a running daemon the verbs read and act on. */
export interface VerbContext {
  config: DaemonConfig;
  node: VrrNode;
  links: Links;
  overlay: Overlay | null;
  dht: DhtClient;
  mappings: AddressMappings | null;
  multicast: MulticastGroups;
  control: () => ControlServer | null;
  startedAt: number;
  version: string;
  /** per-node: this process runs only this node; shared: a vrrd --host runs it with others. */
  mode: 'per-node' | 'shared';
}

/** The handler of every verb but subscribe/unsubscribe (the server's own). */
export function buildVerbHandlers(ctx: VerbContext): Record<string, VerbHandler> {
  const { node, links, config } = ctx;
  const fmt = formatAddress;
  const portName = (port: number): string => links.interfaces[port] ?? `port ${port}`;

  return {
    status: () => {
      const neighbors = node.neighbors();
      return {
        address: fmt(node.address),
        name: config.name,
        pid: process.pid,
        mode: ctx.mode,
        ...(config.netns ? { netns: config.netns } : {}),
        version: ctx.version,
        active: node.isActive(),
        startedAt: new Date(ctx.startedAt).toISOString(),
        uptimeMs: Math.round(Date.now() - ctx.startedAt),
        memory: process.memoryUsage(),
        seed: config.seed,
        vsetSize: node.config.vsetSize,
        helloMs: node.config.helloMs,
        interfaces: links
          .report()
          .map((l) => ({ name: l.interface, port: l.port, up: l.up, emulated: l.emulated })),
        overlay: ctx.overlay && {
          name: ctx.overlay.name,
          mtu: ctx.overlay.mtu,
          ipv4: config.overlay?.ipv4 ? formatCidr(config.overlay.ipv4) : null,
          ipv6: config.overlay?.ipv6 ? formatCidr(config.overlay.ipv6) : null,
        },
        dht: { entries: ctx.dht.entries().length, mappings: ctx.mappings?.status() ?? [] },
        counts: {
          neighbors: neighbors.length,
          linked: neighbors.filter((n) => n.state === 'linked').length,
          vset: node.vsetMembers().length,
          routes: node.routes().length,
        },
      };
    },

    neighbors: (args) =>
      tablePage(
        node.neighbors(),
        (n) => [n.address, n.port],
        (n) => ({
          address: fmt(n.address),
          interface: portName(n.port),
          linkAddress: fmt(n.linkAddress),
          state: n.state,
          active: n.active,
          quality: Math.round(n.quality * 1000) / 1000,
        }),
        args,
      ),

    vset: (args) => {
      // Sides as the vset defines them: the r/2 nearest clockwise (successors) and the r/2 nearest
      // counter-clockwise (predecessors) among the members; with few nodes one member can be both.
      const me = node.address;
      const members = node.vsetMembers();
      const half = node.config.vsetSize / 2;
      const cw = new Set([...members].sort((a, b) => clockwise(me, a) - clockwise(me, b)).slice(0, half));
      const ccw = new Set([...members].sort((a, b) => clockwise(a, me) - clockwise(b, me)).slice(0, half));
      const rows = members.map((m) => {
        const side = cw.has(m) && ccw.has(m) ? 'both' : cw.has(m) ? 'cw' : 'ccw';
        const distance =
          side === 'ccw' ? clockwise(m, me) : side === 'cw' ? clockwise(me, m) : ringDistance(me, m);
        return { address: fmt(m), side, distance };
      });
      // Ring order: farthest predecessor first, then the nearer ones, then the successors outward (the rank is
      // the page key; the address breaks ties).
      const key = (r: { address: string; side: string; distance: number }): SortKey => [
        r.side === 'ccw' ? -r.distance : r.distance,
        r.address,
      ];
      const page = pageRows(rows, key, (r) => r, pageRequest(args));
      return new Page(
        { address: fmt(me), active: node.isActive(), vsetSize: node.config.vsetSize, members: page.rows },
        page.next,
      );
    },

    // Ordered by (ea, pathId), the table's key; only the page's rows are formatted.
    routes: (args) =>
      tablePage(
        node.routes(),
        (r) => [r.ea, r.pathId],
        (r) => ({
          ea: fmt(r.ea),
          eb: fmt(r.eb),
          pathId: r.pathId,
          na: r.na === null ? null : fmt(r.na),
          nb: r.nb === null ? null : fmt(r.nb),
        }),
        args,
      ),

    // The ring-repair representatives this node knows (src/vrr/repair.ts): how separate rings find each other.
    representatives: () =>
      node.representatives().map((r) => ({ address: fmt(r.address), via: fmt(r.via), seq: r.seq })),

    stats: () => {
      const counters = node.counters();
      let malformed = 0;
      for (const [k, v] of Object.entries(counters)) if (k.startsWith('malformed.')) malformed += v;
      return {
        summary: {
          framesIn: counters.framesIn ?? 0,
          framesOut: counters.framesOut ?? 0,
          malformed,
          unknownOptions: counters.unknownOptions ?? 0,
          dataForwarded: counters.dataForwarded ?? 0,
          dataDelivered: counters.dataDelivered ?? 0,
          internalErrors: counters.internalErrors ?? 0,
        },
        node: counters,
        overlay: ctx.overlay?.counters() ?? null,
        links: links.report().map((l) => ({
          interface: l.interface,
          up: l.up,
          downs: l.downs,
          socket: l.socket,
          emulator: l.emulator,
        })),
        control: ctx.control()?.stats ?? null,
      };
    },

    'dht.put': async (args) => {
      const key = stringArg(args, 'key');
      const value = bytesArg(args, 'value', optionalString(args, 'encoding') ?? 'utf8');
      const opts: { ttlMs?: number; version?: number } = {};
      if (args.ttl !== undefined) opts.ttlMs = durationArg(args.ttl, 'ttl');
      if (args.version !== undefined) opts.version = integerArg(args.version, 'version');
      return formatResult(await ctx.dht.put(key, value, opts));
    },

    'dht.get': async (args) => formatResult(await ctx.dht.get(stringArg(args, 'key'))),

    'dht.del': async (args) => formatResult(await ctx.dht.delete(stringArg(args, 'key'))),

    // Ordered by where the keys hash to on the ring (the key's bytes break ties: it is unique).
    'dht.entries': (args) => {
      const now = Date.now();
      return tablePage(
        ctx.dht.entries(),
        (e) => [e.hash, Buffer.from(e.key).toString('hex')],
        (e) => {
          const key = valueFields(e.key);
          return {
            // Text keys (all the daemon's own) as text, binary ones as 0x-prefixed hex.
            key: key.value ?? `0x${key.valueHex}`,
            hash: fmt(e.hash),
            ...valueFields(e.value),
            version: e.version,
            expiresInMs: e.expiresAt === null ? null : Math.max(0, Math.round(e.expiresAt - now)),
            role: e.role,
          };
        },
        args,
      );
    },

    'link.show': (args) => {
      const only = optionalString(args, 'interface');
      const all = links.report();
      if (only !== undefined && !all.some((l) => l.interface === only)) {
        throw new RangeError(
          `interface: expected one of ${links.interfaces.join(', ')}, found ${JSON.stringify(only)}`,
        );
      }
      return all
        .filter((l) => only === undefined || l.interface === only)
        .map((l) => ({
          interface: l.interface,
          port: l.port,
          up: l.up,
          mac: l.mac === null ? null : fmt(l.mac),
          mtu: l.mtu,
          emulated: l.emulated,
          emulation: l.emulation,
          emulator: l.emulator,
        }));
    },

    'link.set': (args) => {
      const ifname = stringArg(args, 'interface');
      const settings = args.settings;
      const params = parseEmulationSpec(settings, 'settings');
      const now = links.setEmulation(ifname, params);
      return { interface: ifname, emulation: formatEmulation(now) };
    },

    'mcast.join': (args) => {
      const group = groupArg(args);
      return { group: fmt(group), joined: ctx.multicast.join(group) };
    },

    'mcast.leave': (args) => {
      const group = groupArg(args);
      return { group: fmt(group), left: ctx.multicast.leave(group) };
    },

    'mcast.send': (args) => {
      const group = groupArg(args);
      const payload = bytesArg(args, 'value', optionalString(args, 'encoding') ?? 'utf8');
      const etherType =
        args.etherType === undefined ? MCAST_TEXT_ETHERTYPE : integerArg(args.etherType, 'etherType');
      if (etherType > 0xffff) throw new RangeError(`etherType: expected at most 0xffff, found ${etherType}`);
      // A new source's first packets are held back while its tree forms (multicast-groups.ts).
      return {
        group: fmt(group),
        sent: ctx.multicast.send(group, payload, etherType),
        bytes: payload.length,
      };
    },

    // The trees grow with the lab (one per source and group it forwards for): they are the paged rows.
    'mcast.groups': (args) => {
      const view = ctx.multicast.view();
      const page = pageRows(
        view.trees,
        (t) => [t.group, t.root],
        (t) => t,
        pageRequest(args),
      );
      return new Page({ ...view, trees: page.rows }, page.next);
    },
  };
}

/** One page of a table whose result is its rows (protocol: PAGED_VERBS). */
function tablePage<T, R>(
  rows: readonly T[],
  keyOf: (row: T) => SortKey,
  format: (row: T) => R,
  args: Record<string, unknown>,
): Page {
  const page = pageRows(rows, keyOf, format, pageRequest(args));
  return new Page(page.rows, page.next);
}

/**
 * EtherType of `mcast send` payloads (IEEE 802 local experimental 1): a member's kernel drops the frame, but
 * capture tools on vrr0 and the delivered counters show it arrived.
 */
const MCAST_TEXT_ETHERTYPE = 0x88b5;

function groupArg(args: Record<string, unknown>): number {
  const text = stringArg(args, 'group');
  try {
    return parseGroup(text);
  } catch (error) {
    throw new RangeError(`group: ${(error as Error).message}`);
  }
}

/** A DHT result with addresses as text and the value both as text and as hex. */
function formatResult(r: DhtResult): Record<string, unknown> {
  return {
    ok: r.ok,
    ...(r.found !== undefined ? { found: r.found } : {}),
    ...(r.value !== undefined ? valueFields(r.value) : {}),
    ...(r.version !== undefined ? { version: r.version } : {}),
    ...(r.hops !== undefined ? { hops: r.hops } : {}),
    ...(r.owner !== undefined ? { owner: formatAddress(r.owner) } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
  };
}

function valueFields(value: Uint8Array): { value: string | null; valueHex: string } {
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const text = buf.toString('utf8');
  // Text only when it round-trips: a MAC or other binary value is shown as hex alone.
  const isText = Buffer.from(text, 'utf8').equals(buf) && !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  return { value: isText ? text : null, valueHex: buf.toString('hex') };
}

function stringArg(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v === '') {
    throw new RangeError(
      `${name}: expected a non-empty string, found ${v === undefined ? 'nothing' : JSON.stringify(v)}`,
    );
  }
  return v;
}

function optionalString(args: Record<string, unknown>, name: string): string | undefined {
  return args[name] === undefined ? undefined : stringArg(args, name);
}

function bytesArg(args: Record<string, unknown>, name: string, encoding: string): Uint8Array {
  const v = args[name];
  if (typeof v !== 'string')
    throw new RangeError(
      `${name}: expected a string, found ${v === undefined ? 'nothing' : JSON.stringify(v)}`,
    );
  switch (encoding) {
    case 'utf8':
      return new Uint8Array(Buffer.from(v, 'utf8'));
    case 'hex':
      if (!/^([0-9a-fA-F]{2})*$/.test(v))
        throw new RangeError(`${name}: expected hex digits in pairs, found ${JSON.stringify(v)}`);
      return new Uint8Array(Buffer.from(v, 'hex'));
    case 'base64':
      return new Uint8Array(Buffer.from(v, 'base64'));
    default:
      throw new RangeError(`encoding: expected utf8, hex or base64, found ${JSON.stringify(encoding)}`);
  }
}

function durationArg(v: unknown, name: string): number {
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string') {
    try {
      return parseDurationMs(v);
    } catch (error) {
      throw new RangeError(`${name}: ${(error as Error).message}`);
    }
  }
  throw new RangeError(`${name}: expected a duration like 60s or a number of ms, found ${JSON.stringify(v)}`);
}

function integerArg(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw new RangeError(`${name}: expected a non-negative integer, found ${JSON.stringify(v)}`);
}
