// IPv4 and IPv6 addresses as text and as bytes: what ARP and neighbour discovery carry on the wire, and the
// canonical text (RFC 5952 for IPv6) that names a mapping in the DHT, so every node spells a key the same way.

/** Parses dotted-quad IPv4 text into 4 bytes; throws a RangeError naming what was found. */
export function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.');
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  if (bytes.length !== 4 || bytes.some((b) => !(b >= 0 && b <= 255))) {
    throw new RangeError(`expected an IPv4 address like 198.18.0.1, found ${JSON.stringify(text)}`);
  }
  return Uint8Array.from(bytes);
}

/** Formats 4 bytes (at offset) as dotted-quad text. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** Parses IPv6 text (with :: and an optional embedded IPv4 tail) into 16 bytes; throws a RangeError. */
export function parseIpv6(text: string): Uint8Array {
  const fail = (): never => {
    throw new RangeError(`expected an IPv6 address like fd76:7272::1, found ${JSON.stringify(text)}`);
  };
  let body = text;
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.includes('.', lastColon)) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) is two ordinary groups.
    const v4 = parseIpv4(body.slice(lastColon + 1));
    const hi = ((v4[0] << 8) | v4[1]).toString(16);
    const lo = ((v4[2] << 8) | v4[3]).toString(16);
    body = `${body.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) fail();
  const group = (g: string): number => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : fail());
  const head = halves[0] === '' ? [] : halves[0].split(':').map(group);
  const rest = halves.length === 2 && halves[1] !== '' ? halves[1].split(':').map(group) : [];
  const groups = halves.length === 2 ? [...head, ...rest] : head;
  const total = groups.length;
  if (halves.length === 1 ? total !== 8 : total > 7) fail();
  const filled = halves.length === 2 ? [...head, ...new Array<number>(8 - total).fill(0), ...rest] : head;
  const out = new Uint8Array(16);
  filled.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Formats 16 bytes (at offset) as canonical IPv6 text (RFC 5952: lowercase, longest zero run as ::). */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1]);
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not shortened
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** An address with a prefix length, e.g. 198.18.0.11/15. */
export interface Cidr {
  family: 4 | 6;
  /** Canonical text of the address (no prefix). */
  address: string;
  prefixLength: number;
}

/** Parses "ADDRESS/LEN" of either family; throws a RangeError naming what was expected. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const family = addr.includes(':') ? 6 : 4;
  const max = family === 4 ? 32 : 128;
  const lenText = slash < 0 ? '' : text.slice(slash + 1);
  const prefixLength = /^\d{1,3}$/.test(lenText) ? Number(lenText) : NaN;
  if (!(prefixLength >= 0 && prefixLength <= max)) {
    throw new RangeError(
      `expected an address with a prefix length like ${family === 4 ? '198.18.0.1/15' : 'fd76:7272::1/64'}, found ${JSON.stringify(text)}`,
    );
  }
  const address = family === 4 ? formatIpv4(parseIpv4(addr)) : formatIpv6(parseIpv6(addr));
  return { family, address, prefixLength };
}

/** Formats a Cidr back as "ADDRESS/LEN". */
export function formatCidr(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefixLength}`;
}
