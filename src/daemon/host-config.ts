// The configuration of `vrrd --host FILE`: one process hosting many nodes. The file (YAML or JSON) lists the
// nodes, each with the keys of a vrrd configuration file (config.ts) plus `log`, over optional `defaults`:
//
//   control: /run/vrrd/host.sock   # the host's own control socket (host.status, host.crash, host.restart)
//   logLevel: info                 # the host's own lines (stderr)
//   defaults: { helloMs: 1000 }    # merged under every node (not name, address, socket or log)
//   nodes:
//     - name: n1                   # required: logs and the host verbs name nodes by it
//       netns: vrrlab-lab.n1       # a name under /run/netns or an absolute path (/proc/PID/ns/net)
//       interfaces: [eth0, eth1]
//       address: 02:00:00:00:00:01
//       seed: 7
//       socket: /var/lib/lab/sockets/n1.sock
//       log: /var/lib/lab/logs/n1.log   # default: the host's stderr, lines tagged with the node's name
//       overlay: false                  # or { name, ipv4, ipv6, ipv6Prefix }
//
// Each node is resolved like a vrrd of its own, against the interfaces of its own namespace. Two nodes may not
// share a name, a control socket, a log file, or an interface or overlay name in the same namespace.

import { readFileSync } from 'node:fs';
import {
  checkConfigDocument,
  describe,
  requireMap,
  requireString,
  resolveDaemonConfig,
  type ConfigInput,
  type DaemonConfig,
} from './config.ts';
import type { HostInterface } from './host-interfaces.ts';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './logger.ts';
import { netnsPath } from './native/netns-path.ts';

/** One hosted node as written: a vrrd configuration plus its log file. */
export interface HostedNodeInput extends ConfigInput {
  log?: string;
}

/** The host file as written (checked for shape, defaults not yet applied). */
export interface HostInput {
  control?: string;
  logLevel?: string;
  defaults?: ConfigInput;
  nodes: HostedNodeInput[];
}

/** One hosted node, resolved. */
export interface HostedNodeConfig {
  config: DaemonConfig & { name: string };
  /** Its log file (appended, mode 0600), or null for the host's stderr. */
  log: string | null;
}

/** The host, resolved. */
export interface HostConfig {
  /** The host's control socket, or null for none. */
  control: string | null;
  logLevel: LogLevel;
  nodes: HostedNodeConfig[];
}

const TOP_KEYS = ['control', 'logLevel', 'defaults', 'nodes'];
/** Keys that must differ from node to node, so a default for them makes no sense. */
const PER_NODE_ONLY = ['name', 'address', 'socket', 'log'];

/** Reads and checks a host file; errors name the file, the node and the key. */
export async function loadHostFile(path: string): Promise<HostInput> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read host file ${path}: ${(error as Error).message}`);
  }
  const { parse: parseYaml } = await import('yaml'); // on demand: see loadConfigFile
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new Error(`host file ${path}: not valid YAML or JSON: ${(error as Error).message}`);
  }
  return checkHostDocument(doc ?? {}, `host file ${path}`);
}

/** Checks a parsed host document's shape (unknown keys are errors, as in a vrrd configuration file). */
export function checkHostDocument(doc: unknown, where: string): HostInput {
  const top = requireMap(doc, where, TOP_KEYS);
  const out: HostInput = { nodes: [] };
  if (top.control !== undefined) out.control = requireString(top.control, `${where}: control`);
  if (top.logLevel !== undefined) out.logLevel = requireString(top.logLevel, `${where}: logLevel`);
  if (top.defaults !== undefined) {
    const defaults = requireMap(top.defaults, `${where}: defaults`, null);
    for (const key of PER_NODE_ONLY) {
      if (defaults[key] !== undefined) {
        throw new RangeError(`${where}: defaults.${key}: differs from node to node, set it on each node`);
      }
    }
    out.defaults = checkConfigDocument(defaults, `${where}: defaults`);
  }
  if (!Array.isArray(top.nodes) || top.nodes.length === 0) {
    throw new RangeError(`${where}: nodes: expected a non-empty list of nodes, found ${describe(top.nodes)}`);
  }
  for (const [i, entry] of top.nodes.entries()) {
    const name = isMap(entry) && typeof entry.name === 'string' ? ` (${entry.name})` : '';
    const at = `${where}: nodes[${i}]${name}`;
    const { log, ...rest } = requireMap(entry, at, null);
    const node: HostedNodeInput = checkConfigDocument(rest, at);
    if (node.name === undefined) throw new RangeError(`${at}: name: every hosted node needs a name`);
    if (log !== undefined) node.log = requireString(log, `${at}: log`);
    out.nodes.push(node);
  }
  return out;
}

/**
 * Applies the defaults and resolves every node against the interfaces of its namespace (interfacesOf(netns),
 * null = the host's own); throws naming the node on the first error, or on two nodes that would collide.
 */
export function resolveHostConfig(
  input: HostInput,
  interfacesOf: (netns: string | null) => HostInterface[],
  now: () => number = Date.now,
): HostConfig {
  const logLevel = input.logLevel ?? 'info';
  if (!isLogLevel(logLevel)) {
    throw new RangeError(
      `logLevel: expected one of ${LOG_LEVELS.join(', ')}, found ${JSON.stringify(logLevel)}`,
    );
  }
  const nodes: HostedNodeConfig[] = [];
  const seen = new Map<string, string>(); // what must be unique -> the node that has it
  const claim = (key: string, what: string, node: string): void => {
    const other = seen.get(key);
    if (other !== undefined) throw new RangeError(`nodes ${other} and ${node}: both use ${what}`);
    seen.set(key, node);
  };
  for (const entry of input.nodes) {
    const merged = mergeDefaults(input.defaults ?? {}, entry);
    const name = entry.name!;
    let config: DaemonConfig;
    try {
      const netns = merged.netns === undefined || merged.netns === '' ? null : merged.netns;
      if (netns !== null) netnsPath(netns); // a bad name fails here, before anything opens it
      config = resolveDaemonConfig(merged, interfacesOf(netns), now);
    } catch (error) {
      throw new RangeError(`node ${name}: ${(error as Error).message}`, { cause: error });
    }
    const ns = config.netns ?? '(host)';
    claim(`name:${name}`, `the name ${name}`, name);
    claim(`socket:${config.socketPath}`, `the control socket ${config.socketPath}`, name);
    if (entry.log !== undefined) claim(`log:${entry.log}`, `the log file ${entry.log}`, name);
    for (const ifname of config.interfaces) claim(`if:${ns}:${ifname}`, `${ifname} in netns ${ns}`, name);
    if (config.overlay) {
      claim(`if:${ns}:${config.overlay.name}`, `${config.overlay.name} in netns ${ns}`, name);
    }
    nodes.push({ config: { ...config, name }, log: entry.log ?? null });
  }
  return { control: input.control ?? null, logLevel, nodes };
}

/** A node's settings over the defaults; the nested maps (overlay, emulation, dht) merge key by key. */
function mergeDefaults(defaults: ConfigInput, node: HostedNodeInput): ConfigInput {
  const { log: _log, ...own } = node;
  const merged: ConfigInput = { ...defaults, ...own };
  if (defaults.overlay || own.overlay) merged.overlay = { ...defaults.overlay, ...own.overlay };
  if (defaults.emulation || own.emulation) merged.emulation = { ...defaults.emulation, ...own.emulation };
  if (defaults.dht || own.dht) merged.dht = { ...defaults.dht, ...own.dht };
  return merged;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
