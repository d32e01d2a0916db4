// 48-bit VRR addresses, ring arithmetic and THE comparator: forwarding, vset and DHT all order
// candidates with `closerTo`, so "closest" means one thing everywhere in the project.

/** A VRR address: an integer in [0, 2^48). 2^48 < 2^53, so a JS number holds it exactly. */
export type Address = number;

/** Size of the ring: addresses are taken modulo 2^48. */
export const RING_SIZE = 2 ** 48;

/** Bit 0x01 of the first octet: set for group (multicast) addresses. */
export const GROUP_BIT = 2 ** 40;

/** Bit 0x02 of the first octet: set for locally administered addresses (all node addresses). */
export const LOCAL_BIT = 2 ** 41;

/** The broadcast group every node implicitly belongs to (ff:ff:ff:ff:ff:ff). */
export const BROADCAST: Address = RING_SIZE - 1;

// Never use 32-bit bitwise operators on addresses: they would silently drop the upper 16 bits. Differences of two
// addresses lie in (-2^48, 2^48), exact in a double, so one comparison replaces a (slow, floating) modulo.

/** Clockwise distance from a to b: how far b lies ahead of a in increasing-address order. */
export function clockwise(a: Address, b: Address): number {
  const d = b - a;
  return d < 0 ? d + RING_SIZE : d;
}

/** Counter-clockwise distance from a to b. */
export function counterClockwise(a: Address, b: Address): number {
  const d = a - b;
  return d < 0 ? d + RING_SIZE : d;
}

/** Symmetric ring distance: the shorter way round. */
export function ringDistance(a: Address, b: Address): number {
  const d = b > a ? b - a : a - b;
  return d > RING_SIZE / 2 ? RING_SIZE - d : d;
}

/**
 * THE total order on candidates for a target: smaller ring distance first; on a tie (the target exactly
 * halfway between two candidates) the candidate clockwise of the target wins, Chord-style, so a key has
 * exactly one owner. Returns <0 when a is closer to target than b, >0 when b is closer, 0 only if a === b.
 */
export function compareCloseness(target: Address, a: Address, b: Address): number {
  if (a === b) return 0;
  const da = ringDistance(a, target);
  const db = ringDistance(b, target);
  if (da !== db) return da - db;
  return clockwise(target, a) - clockwise(target, b);
}

/** True when a is strictly closer to target than b under the one comparator. */
export function closerTo(target: Address, a: Address, b: Address): boolean {
  return compareCloseness(target, a, b) < 0;
}

/** True for group (multicast or broadcast) addresses. */
export function isGroupAddress(a: Address): boolean {
  return Math.floor(a / GROUP_BIT) % 2 === 1;
}

/** True for addresses a node may own: locally administered, unicast. */
export function isNodeAddress(a: Address): boolean {
  return (
    Number.isInteger(a) &&
    a >= 0 &&
    a < RING_SIZE &&
    !isGroupAddress(a) &&
    Math.floor(a / LOCAL_BIT) % 2 === 1
  );
}

/** Formats an address like a MAC address: 02:00:00:00:00:0b. */
export function formatAddress(a: Address): string {
  const parts: string[] = [];
  let v = a;
  for (let i = 0; i < 6; i++) {
    parts.unshift((v % 256).toString(16).padStart(2, '0'));
    v = Math.floor(v / 256);
  }
  return parts.join(':');
}

const ADDRESS_PATTERN = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** Parses "02:00:00:00:00:0b"; throws a RangeError naming what was expected and what was found. */
export function parseAddress(text: string): Address {
  if (!ADDRESS_PATTERN.test(text)) {
    throw new RangeError(`expected a 48-bit address like 02:00:00:00:00:0b, found ${JSON.stringify(text)}`);
  }
  return text.split(':').reduce((acc, h) => acc * 256 + parseInt(h, 16), 0);
}

/** Reads a 6-byte big-endian address at offset. */
export function readAddress(buf: Uint8Array, offset: number): Address {
  let v = 0;
  for (let i = 0; i < 6; i++) v = v * 256 + buf[offset + i];
  return v;
}

/** Writes a 6-byte big-endian address at offset. */
export function writeAddress(buf: Uint8Array, offset: number, a: Address): void {
  let v = a;
  for (let i = 5; i >= 0; i--) {
    buf[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}
