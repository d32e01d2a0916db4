// Network namespaces and veth pairs: the one place that builds them. The netns runtime, the daemon tests'
// small labs (src/testbed/bare), the integration tests and the benches all create namespaces and links through
// these functions, so there is one way a namespace comes into being (named, loopback up, optionally labelled)
// and one way it goes (whatever runs inside killed first, then deleted).
//
// A namespace carries no labels of its own; a label is written as the alias of its loopback interface, which
// lives and dies with the namespace and is read back with `ip -n NS link show lo`. The testbed's labels are
// `key=value` words (LABELS in runtime/runtime.ts). The namespace's identity is the inode of its nsfs file
// (/run/netns/NAME for a named one, /proc/PID/ns/net for a process's): the kernel gives a namespace one inode
// for its life, so comparing inodes tells a namespace from a later one of the same name or PID.
//
// Both an async (execa) and a sync (execFileSync) form of each builder: the runtime creates namespaces
// concurrently, the tests' fixtures build theirs in a synchronous create(). The steps are shared.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { execa } from 'execa';

/** Where `ip netns add` puts named namespaces. */
export const NETNS_DIR = '/run/netns';

/** Why namespaces cannot be made here (not root, no iproute2), or null when they can. */
export function netnsUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'not root: network namespaces, veth and AF_PACKET need root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (`ip`) is not installed';
  }
  return null;
}

/** Runs `ip ...args`; resolves to stdout, rejects naming the command and ip's stderr. */
export async function ip(args: readonly string[], input?: string): Promise<string> {
  const r = await execa('ip', args, { reject: false, input, timeout: 60_000 });
  if (r.failed) throw new Error(`ip ${args.join(' ')} failed: ${String(r.stderr).trim() || r.shortMessage}`);
  return String(r.stdout);
}

/** Runs `ip ...args` synchronously; returns stdout, throws naming the command and ip's stderr. */
export function ipSync(...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`ip ${args.join(' ')} failed: ${stderr.trim() || String(error)}`);
  }
}

/** Options of a new namespace. */
export interface NamespaceOptions {
  /** Written as the loopback's alias (at most 255 bytes): what the namespace is, for whoever finds it later. */
  label?: string;
}

/** The ip invocations that make a namespace: add it, bring its loopback up, label it. */
function namespaceSteps(name: string, options: NamespaceOptions): string[][] {
  const steps = [
    ['netns', 'add', name],
    ['-n', name, 'link', 'set', 'lo', 'up'],
  ];
  if (options.label !== undefined) steps.push(['-n', name, 'link', 'set', 'lo', 'alias', options.label]);
  return steps;
}

/** Creates a named namespace with its loopback up; a failure after `netns add` deletes it again. */
export async function createNamespace(name: string, options: NamespaceOptions = {}): Promise<void> {
  const [add, ...rest] = namespaceSteps(name, options);
  await ip(add);
  try {
    for (const step of rest) await ip(step);
  } catch (error) {
    await ip(['netns', 'del', name]).catch(() => {});
    throw error;
  }
}

/** createNamespace, synchronously. */
export function createNamespaceSync(name: string, options: NamespaceOptions = {}): void {
  const [add, ...rest] = namespaceSteps(name, options);
  ipSync(...add);
  try {
    for (const step of rest) ipSync(...step);
  } catch (error) {
    try {
      ipSync('netns', 'del', name);
    } catch {
      // Left for the caller's cleanup, which deletes by name.
    }
    throw error;
  }
}

/**
 * Deletes many named namespaces at once (`down` of a lab): every process inside any of them is found in one pass
 * over /proc (no `ip netns pids` per namespace) and sent SIGTERM at the same moment, so each vrrd stops cleanly
 * (its socket file and TAP removed) while the others do; all are waited for together, SIGKILL after graceMs; then
 * one `ip -force -batch` deletes every namespace. Resolves to the processes signalled and namespaces deleted.
 */
export async function deleteNamespaces(
  names: readonly string[],
  graceMs = 5000,
): Promise<{ processes: number; deleted: number }> {
  if (names.length === 0) return { processes: 0, deleted: 0 };
  const inodes = new Set(names.map(namespaceInode).filter((i): i is number => i !== null));
  const inside = processesIn(inodes);
  const alive = (p: { pid: number; start: string }): boolean => startOf(p.pid) === p.start;
  const send = (signal: NodeJS.Signals): void => {
    for (const p of inside) {
      if (!alive(p)) continue;
      try {
        process.kill(p.pid, signal);
      } catch {
        // Exited in between.
      }
    }
  };
  send('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (inside.some(alive)) {
    if (Date.now() > deadline) {
      send('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const lines = names.map((n) => `netns del ${n}`).join('\n') + '\n';
  await execa('ip', ['-force', '-batch', '-'], { reject: false, input: lines, timeout: 120_000 });
  const left = names.filter((n) => namespaceInode(n) !== null);
  if (left.length > 0) {
    // A namespace `ip` could not delete: once more one by one, for its own error message.
    for (const n of left) await ip(['netns', 'del', n]);
  }
  return { processes: inside.length, deleted: names.length - left.length };
}

/** Every process whose network namespace is one of inodes, with its start time (to tell it from a PID's next owner). */
function processesIn(inodes: ReadonlySet<number>): { pid: number; start: string }[] {
  const out: { pid: number; start: string }[] = [];
  if (inodes.size === 0) return out;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const inode = nsfsInode(`/proc/${entry}/ns/net`);
    if (inode === null || !inodes.has(inode)) continue;
    const start = startOf(Number(entry));
    if (start !== null) out.push({ pid: Number(entry), start });
  }
  return out;
}

/** Field 22 of /proc/PID/stat (start time), or null when the process is gone. */
function startOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Deletes a named namespace (its processes must be gone: the fixtures stop theirs first). Never throws. */
export function deleteNamespaceSync(name: string): void {
  try {
    ipSync('netns', 'del', name);
  } catch (error) {
    if (namespaceInode(name) !== null) console.log(`cleanup: ${String(error)}`);
  }
}

/** Names of the named namespaces of this host. */
export async function listNamespaces(): Promise<string[]> {
  const r = await execa('ip', ['netns', 'list'], { reject: false });
  if (r.failed) return [];
  // Lines look like "name" or "name (id: 3)".
  return String(r.stdout)
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name !== '');
}

/** The nsfs inode of a named namespace (its identity), or null when there is none of that name. */
export function namespaceInode(name: string): number | null {
  return nsfsInode(`${NETNS_DIR}/${name}`);
}

/** The nsfs inode behind a path such as /proc/PID/ns/net, or null when it does not exist. */
export function nsfsInode(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

/** The loopback alias of a named namespace (its label), or null when it has none or is gone. */
export async function namespaceLabel(name: string): Promise<string | null> {
  const r = await execa('ip', ['-n', name, '-j', 'link', 'show', 'lo'], { reject: false });
  if (r.failed) return null;
  try {
    const [lo] = JSON.parse(String(r.stdout)) as { ifalias?: string }[];
    return lo?.ifalias ?? null;
  } catch {
    return null;
  }
}

/** One end of a veth pair: the interface name and the namespace it is created in (a name, or a PID in it). */
export interface VethEnd {
  netns: string;
  ifname: string;
}

/** The `ip link add` arguments of a pair with each end created directly in its namespace (none in the host's). */
export function vethAddArgs(a: VethEnd, b: VethEnd): string[] {
  return [
    'link',
    'add',
    'name',
    a.ifname,
    'netns',
    a.netns,
    'type',
    'veth',
    'peer',
    'name',
    b.ifname,
    'netns',
    b.netns,
  ];
}

/** Creates many veth pairs with one `ip -batch` (hundreds of links cost one process); the ends stay down. */
export async function createVethPairs(pairs: readonly (readonly [VethEnd, VethEnd])[]): Promise<void> {
  if (pairs.length === 0) return;
  await ip(['-batch', '-'], `${pairs.map(([a, b]) => vethAddArgs(a, b).join(' ')).join('\n')}\n`);
}

/** Options of a single veth pair. */
export interface VethOptions {
  /** Turn IPv6 off on both ends (no router solicitations or MLD on a test link). Default: leave it. */
  noIpv6?: boolean;
}

/**
 * Creates one veth pair between two named namespaces (or both ends in one) and brings both ends up,
 * synchronously (the fixtures' create()).
 */
export function createVethPairSync(a: VethEnd, b: VethEnd, options: VethOptions = {}): void {
  ipSync(...vethAddArgs(a, b));
  for (const end of [a, b]) {
    if (options.noIpv6) {
      try {
        ipSync('netns', 'exec', end.netns, 'sysctl', '-qw', `net.ipv6.conf.${end.ifname}.disable_ipv6=1`);
      } catch {
        // No IPv6 in this kernel (or no sysctl binary): then there is no IPv6 chatter either.
      }
    }
    ipSync('-n', end.netns, 'link', 'set', end.ifname, 'up');
  }
}

/** The argv that runs argv inside a named namespace. */
export function inNamespace(name: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', name, ...argv];
}
