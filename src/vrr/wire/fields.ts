// Big-endian integer fields and the range checks the encoders apply: the byte-level primitives of the codec.
// Plain Uint8Array indexing: no DataView allocation per frame, and an out-of-range read can never throw.

/** Reads a big-endian u16 at offset. */
export function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1];
}

/** Reads a big-endian u32 at offset (as a non-negative number). */
export function readU32(bytes: Uint8Array, offset: number): number {
  // Multiplying the top byte instead of shifting it keeps the result unsigned.
  return (
    bytes[offset] * 0x1000000 + ((bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3])
  );
}

/** Writes a big-endian u16 at offset (the caller has range-checked value). */
export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 8;
  bytes[offset + 1] = value; // Uint8Array stores value mod 256
}

/** Writes a big-endian u32 at offset (the caller has range-checked value). */
export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}

/**
 * Throws a RangeError unless value is an integer in [0, max]: encoders refuse what the field cannot hold.
 * `index` names a list element; the message is only built on failure (encoders call this per slot).
 */
export function checkUint(value: number, max: number, what: string, index?: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${label(what, index)}: expected an integer in [0, ${max}], found ${value}`);
  }
}

/** "what" or "what[index]", for error messages. */
export function label(what: string, index: number | undefined): string {
  return index === undefined ? what : `${what}[${index}]`;
}

/** Two lower-case hex digits, for messages (`0x${hexByte(type)}`). */
export function hexByte(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
