// Hex helpers for the wire tests: vectors are written as lines of 8 bytes, one 8-byte unit per line.

/** Parses hex with any whitespace between bytes. */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/.test(digits)) throw new Error(`fromHex: not lower-case hex bytes: ${text}`);
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Formats bytes the way vectors are written: "01 00 00 18 02 00 00 0a" lines of 8 bytes. */
export function toHexLines(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    lines.push(Array.from(bytes.subarray(i, i + 8), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return lines.join('\n');
}
