// vrrd's configuration: command-line flags (commander) over an optional YAML or JSON file, resolved against
// the host's interfaces into one DaemonConfig. Every default is decided here, and reported (the address's and
// the seed's origin are kept so the daemon can log them), so the rest of the daemon never guesses.

import { readFileSync, statSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  formatAddress,
  isNodeAddress,
  LOCAL_BIT,
  GROUP_BIT,
  parseAddress,
  type Address,
} from '../vrr/address.ts';
import { parseDurationMs } from '../topology/units.ts';
import type { LinkParams } from '../topology/types.ts';
import { defaultSocketPath } from '../control/protocol.ts';
import { parseEmulationPairs, parseEmulationSpec, type EmulationSpec } from '../topology/emulation-spec.ts';
import type { HostInterface } from './host-interfaces.ts';
import { parseCidr, type Cidr } from '../topology/ip-address.ts';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './logger.ts';
import { netnsPath } from './native/netns-path.ts';
import { deriveOverlayIpv4, deriveOverlayIpv6, DEFAULT_IPV6_PREFIX } from '../topology/overlay-addresses.ts';
import { readKeyFile } from '../topology/security.ts';
import { MAX_HELLO_MS, MIN_HELLO_MS } from '../topology/limits.ts';

/** The overlay interface: its name and the addresses configured on it (null = none of that family). */
export interface OverlayConfig {
  name: string;
  ipv4: Cidr | null;
  ipv6: Cidr | null;
}

/** How this node publishes its IP -> MAC mappings in the DHT. */
export interface MappingConfig {
  /** Lifetime of a published mapping. */
  ttlMs: number;
  /** How often it is published again (well inside the TTL, so it never lapses while the node lives). */
  refreshMs: number;
}

/** Everything vrrd runs with, defaults filled in. */
export interface DaemonConfig {
  /** A name for logs and the default socket path; null when none was given. */
  name: string | null;
  address: Address;
  /** Where the address came from, for the start-up log ("config", "MAC of veth0"). */
  addressFrom: string;
  vsetSize: number;
  helloMs: number;
  interfaces: string[];
  /** Null when the overlay is disabled (--no-overlay): the node only relays. */
  overlay: OverlayConfig | null;
  socketPath: string;
  seed: number;
  seedFrom: 'config' | 'time';
  logLevel: LogLevel;
  /** Link emulation per interface name (egress). */
  emulation: Record<string, Partial<LinkParams>>;
  mappings: MappingConfig;
  /**
   * The network namespace of the node's interfaces and overlay (a name under /run/netns or an absolute path such
   * as /proc/PID/ns/net), or null for the daemon's own. vrrd opens its links and TAP inside it (native/netns.h).
   */
  netns: string | null;
  /** The mesh's network key (a keyed mesh: every frame sealed and checked), or null. Never logged. */
  networkKey: Uint8Array | null;
  /** The key file it was read from, for the start-up log; null without a key. */
  keyFile: string | null;
}

/** Address settings as written: a CIDR, "auto" (derived from the node address) or "none". */
type AddressSetting = string;

/** The settings before defaults: what the file and the flags said. */
export interface ConfigInput {
  name?: string;
  address?: string;
  vsetSize?: number;
  helloMs?: number;
  interfaces?: string[];
  overlay?: {
    enabled?: boolean;
    name?: string;
    ipv4?: AddressSetting;
    ipv6?: AddressSetting;
    ipv6Prefix?: string;
  };
  socket?: string;
  seed?: number;
  logLevel?: string;
  emulation?: Record<string, EmulationSpec>;
  dht?: { ttl?: string | number; refresh?: string | number };
  netns?: string;
  keyFile?: string;
}

/** Default overlay interface name. */
export const DEFAULT_OVERLAY_NAME = 'vrr0';
/** Default control socket path when no name is given. */
export const DEFAULT_SOCKET = defaultSocketPath(null);

const FILE_KEYS = [
  'name',
  'address',
  'vsetSize',
  'helloMs',
  'interfaces',
  'overlay',
  'socket',
  'seed',
  'logLevel',
  'emulation',
  'dht',
  'netns',
  'keyFile',
] as const;
const OVERLAY_KEYS = ['enabled', 'name', 'ipv4', 'ipv6', 'ipv6Prefix'];
const DHT_KEYS = ['ttl', 'refresh'];

/** Builds the vrrd command line (exported so tests and docs can list its flags). */
export function buildDaemonCommand(): Command {
  const collect = (value: string, previous: string[] = []): string[] => [...previous, ...splitList(value)];
  const collectRaw = (value: string, previous: string[] = []): string[] => [...previous, value];
  return new Command('vrrd')
    .description(
      'Virtual Ring Routing daemon: VRR over the given interfaces, an overlay TAP, a control socket',
    )
    .option('-c, --config <file>', 'YAML or JSON configuration file (flags override it)')
    .option('--name <name>', 'a name for logs; the default socket becomes /run/vrrd/<name>.sock')
    .option('--address <addr>', 'VRR address (default: first interface MAC, locally administered)')
    .option('--vset-size <n>', 'virtual set size r (even)', integer)
    .option('--hello-ms <ms>', 'hello period in milliseconds', positiveNumber)
    .option('-i, --interface <names>', 'interface to run VRR on (repeatable, or comma-separated)', collect)
    .option('--overlay-name <name>', `overlay TAP name (default ${DEFAULT_OVERLAY_NAME})`)
    .option('--no-overlay', 'no overlay TAP: relay only')
    .option('--ipv4 <cidr>', 'overlay IPv4: CIDR, "auto" (198.18.x.y/15 from the address) or "none"')
    .option('--ipv6 <cidr>', 'overlay IPv6: CIDR, "auto" (prefix + address) or "none"')
    .option('--ipv6-prefix <prefix>', `/64 prefix for the auto IPv6 address (default ${DEFAULT_IPV6_PREFIX})`)
    .option('--socket <path>', `control socket (default ${DEFAULT_SOCKET} or /run/vrrd/<name>.sock)`)
    .option('--seed <n>', 'seed of every random choice (default: the time, logged)', integer)
    .option(
      '--key-file <file>',
      'network key (hex or raw, mode 0600): seal and check every frame (docs/security.md)',
    )
    .addOption(new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]))
    .option(
      '--emulate <if:settings>',
      'link emulation, e.g. veth0:delay=2ms,loss=1% (repeatable)',
      collectRaw,
    )
    .option('--dht-ttl <duration>', 'lifetime of the IP -> MAC mappings published in the DHT (default 5m)')
    .option('--netns <name|path>', "run on the interfaces of this network namespace (default: vrrd's own)")
    .option(
      '--host <file>',
      'host many nodes in this process, as listed in the YAML or JSON file (docs/vrrd.md)',
    )
    .allowExcessArguments(false)
    .exitOverride();
}

/** Reads flags (and the file they name) into a ConfigInput; flags win over the file. */
export async function readConfigInput(
  argv: readonly string[],
  command = buildDaemonCommand(),
): Promise<ConfigInput> {
  command.parse([...argv], { from: 'user' });
  const o = command.opts<Record<string, unknown>>();
  const file: ConfigInput = typeof o.config === 'string' ? await loadConfigFile(o.config) : {};
  const flags: ConfigInput = {};
  if (o.name !== undefined) flags.name = o.name as string;
  if (o.address !== undefined) flags.address = o.address as string;
  if (o.vsetSize !== undefined) flags.vsetSize = o.vsetSize as number;
  if (o.helloMs !== undefined) flags.helloMs = o.helloMs as number;
  if (o.interface !== undefined) flags.interfaces = o.interface as string[];
  if (o.socket !== undefined) flags.socket = o.socket as string;
  if (o.seed !== undefined) flags.seed = o.seed as number;
  if (o.keyFile !== undefined) flags.keyFile = o.keyFile as string;
  if (o.logLevel !== undefined) flags.logLevel = o.logLevel as string;
  if (o.netns !== undefined) flags.netns = o.netns as string;
  const overlay = { ...file.overlay };
  if (o.overlay === false) overlay.enabled = false;
  if (o.overlayName !== undefined) overlay.name = o.overlayName as string;
  if (o.ipv4 !== undefined) overlay.ipv4 = o.ipv4 as string;
  if (o.ipv6 !== undefined) overlay.ipv6 = o.ipv6 as string;
  if (o.ipv6Prefix !== undefined) overlay.ipv6Prefix = o.ipv6Prefix as string;
  const emulation = { ...file.emulation };
  for (const item of (o.emulate as string[] | undefined) ?? []) {
    const colon = item.indexOf(':');
    if (colon <= 0) {
      throw new RangeError(
        `--emulate: expected IF:key=value,... like veth0:delay=2ms, found ${JSON.stringify(item)}`,
      );
    }
    const ifname = item.slice(0, colon);
    emulation[ifname] = {
      ...emulation[ifname],
      ...parseEmulationPairs(item.slice(colon + 1), `--emulate ${ifname}`),
    };
  }
  const dht = { ...file.dht };
  if (o.dhtTtl !== undefined) dht.ttl = o.dhtTtl as string;
  return { ...file, ...flags, overlay, emulation, dht };
}

/** Reads and checks a YAML or JSON configuration file; errors name the file and the key. */
export async function loadConfigFile(path: string): Promise<ConfigInput> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  // Loaded here, not with the module: a vrrd run by flags alone (every lab node) never parses YAML, and the
  // parser evaluated at start-up would cost each such daemon 0.65 MB of private memory for nothing.
  const { parse: parseYaml } = await import('yaml');
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML is a superset of JSON: one parser for both
  } catch (error) {
    throw new Error(`config file ${path}: not valid YAML or JSON: ${(error as Error).message}`);
  }
  return checkConfigDocument(doc ?? {}, `config file ${path}`);
}

/** Checks a parsed configuration document's shape (unknown keys are errors: a typo must not do nothing). */
export function checkConfigDocument(doc: unknown, where: string): ConfigInput {
  const top = requireMap(doc, where, FILE_KEYS);
  const out: ConfigInput = {};
  if (top.name !== undefined) out.name = requireString(top.name, `${where}: name`);
  if (top.address !== undefined) out.address = requireString(top.address, `${where}: address`);
  if (top.vsetSize !== undefined) out.vsetSize = requireNumber(top.vsetSize, `${where}: vsetSize`);
  if (top.helloMs !== undefined) out.helloMs = requireNumber(top.helloMs, `${where}: helloMs`);
  if (top.socket !== undefined) out.socket = requireString(top.socket, `${where}: socket`);
  if (top.seed !== undefined) out.seed = requireNumber(top.seed, `${where}: seed`);
  if (top.keyFile !== undefined) out.keyFile = requireString(top.keyFile, `${where}: keyFile`);
  if (top.logLevel !== undefined) out.logLevel = requireString(top.logLevel, `${where}: logLevel`);
  if (top.netns !== undefined) out.netns = requireString(top.netns, `${where}: netns`);
  if (top.interfaces !== undefined) {
    if (!Array.isArray(top.interfaces) || top.interfaces.some((i) => typeof i !== 'string')) {
      throw new RangeError(
        `${where}: interfaces: expected a list of interface names, found ${describe(top.interfaces)}`,
      );
    }
    out.interfaces = top.interfaces as string[];
  }
  if (top.overlay !== undefined) {
    if (top.overlay === false) out.overlay = { enabled: false };
    else {
      const m = requireMap(top.overlay, `${where}: overlay`, OVERLAY_KEYS);
      out.overlay = {};
      if (m.enabled !== undefined) {
        if (typeof m.enabled !== 'boolean') {
          throw new RangeError(
            `${where}: overlay.enabled: expected true or false, found ${describe(m.enabled)}`,
          );
        }
        out.overlay.enabled = m.enabled;
      }
      for (const key of ['name', 'ipv4', 'ipv6', 'ipv6Prefix'] as const) {
        if (m[key] !== undefined) out.overlay[key] = requireString(m[key], `${where}: overlay.${key}`);
      }
    }
  }
  if (top.emulation !== undefined) {
    const m = requireMap(top.emulation, `${where}: emulation`, null);
    out.emulation = {};
    for (const [ifname, spec] of Object.entries(m)) {
      parseEmulationSpec(spec, `${where}: emulation.${ifname}`); // checked now, parsed again at resolve
      out.emulation[ifname] = spec as EmulationSpec;
    }
  }
  if (top.dht !== undefined) {
    const m = requireMap(top.dht, `${where}: dht`, DHT_KEYS);
    out.dht = {};
    for (const key of ['ttl', 'refresh'] as const) {
      const v = m[key];
      if (v === undefined) continue;
      if (typeof v !== 'string' && typeof v !== 'number') {
        throw new RangeError(`${where}: dht.${key}: expected a duration like 60s, found ${describe(v)}`);
      }
      out.dht[key] = v;
    }
  }
  return out;
}

/** Fills the defaults in: interfaces from the host, the address from the first interface's MAC, and so on. */
export function resolveDaemonConfig(
  input: ConfigInput,
  host: readonly HostInterface[],
  now: () => number = Date.now,
): DaemonConfig {
  const name = input.name ?? null;
  if (name !== null && !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new RangeError(
      `name: expected letters, digits, '.', '_' or '-' (at most 64), found ${JSON.stringify(name)}`,
    );
  }
  const netns = input.netns === undefined || input.netns === '' ? null : input.netns;
  if (netns !== null) netnsPath(netns); // throws naming what was expected
  const overlayEnabled = input.overlay?.enabled !== false;
  const overlayName = input.overlay?.name ?? DEFAULT_OVERLAY_NAME;

  const interfaces = input.interfaces ?? defaultInterfaces(host, overlayName);
  if (interfaces.length === 0) {
    throw new RangeError(
      'interfaces: none given and no non-loopback interface is up (pass --interface NAME, or bring one up)',
    );
  }
  const duplicate = interfaces.find((n, i) => interfaces.indexOf(n) !== i);
  if (duplicate !== undefined) throw new RangeError(`interfaces: ${duplicate} is listed twice`);
  for (const ifname of interfaces) {
    if (!host.some((h) => h.name === ifname)) {
      throw new RangeError(
        `interfaces: no interface named ${JSON.stringify(ifname)} ${netns === null ? 'here' : `in netns ${netns}`} (found: ${host.map((h) => h.name).join(', ') || 'none'})`,
      );
    }
  }

  let address: Address;
  let addressFrom: string;
  if (input.address !== undefined) {
    address = parseAddress(input.address);
    if (!isNodeAddress(address)) {
      throw new RangeError(
        `address: expected a locally administered unicast address (first octet with bit 0x02 set and 0x01 clear), found ${input.address}`,
      );
    }
    addressFrom = 'config';
  } else {
    const first = host.find((h) => h.name === interfaces[0])!;
    if (first.mac === null) {
      throw new RangeError(
        `address: not given, and ${first.name} has no MAC to derive one from (pass --address)`,
      );
    }
    address = addressFromMac(first.mac);
    addressFrom = `MAC of ${first.name}`;
  }

  const vsetSize = input.vsetSize ?? 4;
  if (!Number.isInteger(vsetSize) || vsetSize < 2 || vsetSize % 2 !== 0) {
    throw new RangeError(`vsetSize: expected an even integer >= 2, found ${vsetSize}`);
  }
  const helloMs = input.helloMs ?? 1000;
  if (!(helloMs >= MIN_HELLO_MS && helloMs <= MAX_HELLO_MS)) {
    throw new RangeError(
      `helloMs: expected a number of milliseconds in [${MIN_HELLO_MS}, ${MAX_HELLO_MS}], found ${helloMs}`,
    );
  }

  let overlay: OverlayConfig | null = null;
  if (overlayEnabled) {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(overlayName)) {
      throw new RangeError(
        `overlay.name: expected an interface name of at most 15 characters, found ${JSON.stringify(overlayName)}`,
      );
    }
    const prefix = input.overlay?.ipv6Prefix ?? DEFAULT_IPV6_PREFIX;
    overlay = {
      name: overlayName,
      ipv4: resolveAddressSetting(
        input.overlay?.ipv4 ?? 'auto',
        4,
        () => deriveOverlayIpv4(address),
        'overlay.ipv4',
      ),
      ipv6: resolveAddressSetting(
        input.overlay?.ipv6 ?? 'auto',
        6,
        () => deriveOverlayIpv6(address, prefix),
        'overlay.ipv6',
      ),
    };
  }

  const logLevel = input.logLevel ?? 'info';
  if (!isLogLevel(logLevel)) {
    throw new RangeError(
      `logLevel: expected one of ${LOG_LEVELS.join(', ')}, found ${JSON.stringify(logLevel)}`,
    );
  }
  const seed = input.seed ?? now();
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed: expected a non-negative integer, found ${seed}`);
  }

  const emulation: Record<string, Partial<LinkParams>> = {};
  for (const [ifname, spec] of Object.entries(input.emulation ?? {})) {
    if (!interfaces.includes(ifname)) {
      throw new RangeError(
        `emulation.${ifname}: not one of the interfaces vrrd runs on (${interfaces.join(', ')})`,
      );
    }
    emulation[ifname] = parseEmulationSpec(spec, `emulation.${ifname}`);
  }

  // Mappings change only when a node comes or goes; a departed node's lingering one names an unreachable address.
  const ttlMs = input.dht?.ttl !== undefined ? duration(input.dht.ttl, 'dht.ttl') : 300_000;
  const refreshMs = input.dht?.refresh !== undefined ? duration(input.dht.refresh, 'dht.refresh') : ttlMs / 3;
  if (!(ttlMs >= 1000)) throw new RangeError(`dht.ttl: expected at least 1s, found ${ttlMs} ms`);
  if (!(refreshMs > 0 && refreshMs < ttlMs)) {
    throw new RangeError(
      `dht.refresh: expected a duration shorter than dht.ttl (${ttlMs} ms), found ${refreshMs} ms`,
    );
  }

  return {
    name,
    address,
    addressFrom,
    vsetSize,
    helloMs,
    interfaces,
    overlay,
    socketPath: input.socket ?? defaultSocketPath(name),
    seed,
    seedFrom: input.seed !== undefined ? 'config' : 'time',
    logLevel,
    emulation,
    mappings: { ttlMs, refreshMs },
    netns,
    networkKey: input.keyFile !== undefined ? readPrivateKeyFile(input.keyFile) : null,
    keyFile: input.keyFile ?? null,
  };
}

/**
 * Reads the network key, refusing a file that group or others may read or write (as ssh refuses a private key):
 * the key is the mesh's only secret.
 */
export function readPrivateKeyFile(file: string): Uint8Array {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (error) {
    throw new RangeError(
      `keyFile: ${file}: ${(error as NodeJS.ErrnoException).code ?? error} when reading it`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new RangeError(
      `keyFile: ${file}: expected mode 0600 or stricter (the key is secret), found 0${(mode & 0o777).toString(8)}`,
    );
  }
  try {
    return readKeyFile(file);
  } catch (error) {
    throw new RangeError(`keyFile: ${(error as Error).message}`);
  }
}

/** A MAC made into a node address: locally administered bit set, group bit cleared. */
export function addressFromMac(mac: number): Address {
  let a = mac;
  if (Math.floor(a / LOCAL_BIT) % 2 === 0) a += LOCAL_BIT;
  if (Math.floor(a / GROUP_BIT) % 2 === 1) a -= GROUP_BIT;
  return a;
}

/** The interfaces vrrd runs on by default: every non-loopback interface that is up, but the overlay. */
export function defaultInterfaces(host: readonly HostInterface[], overlayName: string): string[] {
  return host.filter((h) => !h.loopback && h.up && h.name !== overlayName).map((h) => h.name);
}

/** The address and seed lines worth logging at start (so a run can be replayed). */
export function describeConfig(config: DaemonConfig): Record<string, unknown> {
  return {
    address: formatAddress(config.address),
    addressFrom: config.addressFrom,
    seed: config.seed,
    seedFrom: config.seedFrom,
    keyed: config.keyFile !== null ? { keyFile: config.keyFile } : false,
    interfaces: config.interfaces,
    vsetSize: config.vsetSize,
    helloMs: config.helloMs,
    overlay: config.overlay && {
      name: config.overlay.name,
      ipv4: config.overlay.ipv4 && `${config.overlay.ipv4.address}/${config.overlay.ipv4.prefixLength}`,
      ipv6: config.overlay.ipv6 && `${config.overlay.ipv6.address}/${config.overlay.ipv6.prefixLength}`,
    },
    socket: config.socketPath,
    ...(config.netns !== null ? { netns: config.netns } : {}),
  };
}

function resolveAddressSetting(setting: string, family: 4 | 6, derive: () => Cidr, key: string): Cidr | null {
  if (setting === 'none') return null;
  if (setting === 'auto') return derive();
  let cidr: Cidr;
  try {
    cidr = parseCidr(setting);
  } catch (error) {
    throw new RangeError(`${key}: ${(error as Error).message}, or "auto", or "none"`);
  }
  if (cidr.family !== family) throw new RangeError(`${key}: expected an IPv${family} CIDR, found ${setting}`);
  return cidr;
}

function duration(value: string | number, key: string): number {
  try {
    return parseDurationMs(value);
  } catch (error) {
    throw new RangeError(`${key}: ${(error as Error).message}`);
  }
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, found ${value}`);
  return Number(value);
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive number, found ${value}`);
  return n;
}

/** value as a map whose keys are all in allowed (null: any); errors say where and what was found. */
export function requireMap(
  value: unknown,
  where: string,
  allowed: readonly string[] | null,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RangeError(`${where}: expected a map, found ${describe(value)}`);
  }
  if (allowed !== null) {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        throw new RangeError(
          `${where}: unknown key ${JSON.stringify(key)} (expected one of ${allowed.join(', ')})`,
        );
      }
    }
  }
  return value as Record<string, unknown>;
}

/** value as a string; errors say where and what was found. */
export function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string')
    throw new RangeError(`${where}: expected a string, found ${describe(value)}`);
  return value;
}

function requireNumber(value: unknown, where: string): number {
  if (typeof value !== 'number')
    throw new RangeError(`${where}: expected a number, found ${describe(value)}`);
  return value;
}

/** What a value is, for messages ("a map", "string \"x\"", "nothing"). */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}
