// What the host says about its network interfaces, read from /sys/class/net (inside `ip netns exec`, /sys is
// remounted for the namespace, so this sees the namespace's interfaces). Reading sysfs is cheap and needs no
// child process, which matters because vrrd polls carrier state once per hello period.

import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

const SYS_NET = '/sys/class/net';
/** IFF_UP in /sys/class/net/<if>/flags. */
const IFF_UP = 0x1;
/** IFF_LOOPBACK. */
const IFF_LOOPBACK = 0x8;

/** One interface as sysfs describes it. */
export interface HostInterface {
  name: string;
  /** 48-bit MAC, or null when it has none (or an unreadable one). */
  mac: number | null;
  mtu: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** Carrier present: the link can carry frames (false while the peer end of a veth is down). */
  carrier: boolean;
  loopback: boolean;
}

/** Every interface of the current namespace, sorted by name (so "the first interface" is well defined). */
export function listHostInterfaces(): HostInterface[] {
  let names: string[];
  try {
    names = readdirSync(SYS_NET);
  } catch (error) {
    throw new Error(`cannot list network interfaces in ${SYS_NET}: ${(error as Error).message}`);
  }
  return names
    .sort()
    .map((name) => readHostInterface(name))
    .filter((i): i is HostInterface => i !== null);
}

/** One interface, or null when it does not exist (any more). */
export function readHostInterface(name: string): HostInterface | null {
  const flags = readNumber(name, 'flags');
  if (flags === null) return null;
  const mac = parseMac(readText(name, 'address'));
  return {
    name,
    mac,
    mtu: readNumber(name, 'mtu') ?? 1500,
    up: (flags & IFF_UP) !== 0,
    // Reading `carrier` of an interface that is administratively down fails with EINVAL: no carrier.
    carrier: (flags & IFF_UP) !== 0 && readText(name, 'carrier') === '1',
    loopback: (flags & IFF_LOOPBACK) !== 0,
  };
}

/**
 * Interfaces' operational state as sysfs says it (RFC 2863: "up" when administratively up with a carrier, "down",
 * "lowerlayerdown", "unknown" for drivers that do not report one, ...), read again and again at the cost of one
 * pread each: the daemon asks it of every link every hello period, and opening, reading and closing the file
 * through fs.readFileSync each time was a tenth of an idle daemon's own JavaScript work. The file stays open (sysfs
 * writes the text anew on every read from offset 0) while it reads "up"; anything else, or an error (the interface
 * went away: its old file reads ENODEV), closes it, and the next read opens the file by name again, so a state
 * other than "up" is always read from the interface that has the name now.
 */
export class OperStateReader {
  readonly #root: string;
  readonly #fds = new Map<string, number>();
  readonly #buffer = Buffer.alloc(64);

  /** root: where the interfaces' directories are (tests pass a directory of their own). */
  constructor(root = SYS_NET) {
    this.#root = root;
  }

  /** The interface's operstate ("up", "down", "unknown", ...), or null when it cannot be read. */
  read(name: string): string | null {
    let fd = this.#fds.get(name);
    if (fd === undefined) {
      try {
        fd = openSync(`${this.#root}/${name}/operstate`, 'r');
      } catch {
        return null;
      }
      this.#fds.set(name, fd);
    }
    let state: string | null;
    try {
      state = this.#buffer
        .toString('latin1', 0, readSync(fd, this.#buffer, 0, this.#buffer.length, 0))
        .trim();
    } catch {
      state = null;
    }
    if (state !== 'up') this.#forget(name);
    return state;
  }

  /** Closes every file; idempotent (a later read opens again). */
  close(): void {
    for (const name of [...this.#fds.keys()]) this.#forget(name);
  }

  #forget(name: string): void {
    const fd = this.#fds.get(name);
    if (fd === undefined) return;
    this.#fds.delete(name);
    try {
      closeSync(fd);
    } catch {
      // nothing to do: the fd is gone either way
    }
  }
}

/** Whether an interface can carry frames now (exists, up, carrier). */
export function interfaceUsable(name: string): boolean {
  const i = readHostInterface(name);
  return i !== null && i.up && i.carrier;
}

function readText(name: string, attribute: string): string | null {
  try {
    return readFileSync(`${SYS_NET}/${name}/${attribute}`, 'utf8').trim();
  } catch {
    return null;
  }
}

function readNumber(name: string, attribute: string): number | null {
  const text = readText(name, attribute);
  if (text === null || text === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

function parseMac(text: string | null): number | null {
  if (text === null || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(text)) return null;
  return parseInt(text.replaceAll(':', ''), 16);
}
