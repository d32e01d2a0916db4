// Reads the `security` section: the network key of a keyed mesh (docs/security.md), given inline as hex or in a
// file beside the topology. Without the section the mesh is not keyed. The key never reaches a report.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Value } from './yaml-reader.ts';

/** The shortest key accepted, in bytes (128 bits): the core refuses shorter ones too. */
export const MIN_KEY_BYTES = 16;

/** A keyed mesh's settings. */
export interface SecuritySpec {
  /** The network key every keyed node seals its frames with. */
  key: Uint8Array;
  /** Where the key came from, for messages: 'inline' or the key file's path. */
  source: string;
}

const KEY_RULE = `a network key: at least ${MIN_KEY_BYTES * 2} hex digits (${MIN_KEY_BYTES} bytes)`;

/** Parses hex text (white space allowed) into bytes, or returns null when it is not hex of an even length. */
export function parseHexKey(text: string): Uint8Array | null {
  const digits = text.replace(/\s+/g, '');
  if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(digits)) return null;
  return Uint8Array.from(digits.match(/../g)!, (pair) => parseInt(pair, 16));
}

/**
 * Reads a key file: hex text (as `openssl rand -hex 32` writes) or at least 16 raw bytes. Throws an Error that
 * names the file and says what was expected.
 */
export function readKeyFile(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new Error(`key file ${file}: ${(error as NodeJS.ErrnoException).code ?? error} when reading it`);
  }
  const hex = parseHexKey(bytes.toString('latin1'));
  const key = hex ?? new Uint8Array(bytes);
  if (key.length < MIN_KEY_BYTES) {
    throw new Error(`key file ${file}: expected ${KEY_RULE} or as many raw bytes, found ${key.length} bytes`);
  }
  return key;
}

/** Reads `security: { key: <hex> }` or `security: { keyFile: <path> }` (relative to the topology's folder). */
export function readSecurity(value: Value | undefined, baseDir: string): SecuritySpec | null {
  if (!value) return null;
  const map = value.map('a map with key (hex) or keyFile (a path)');
  map.allowOnly(['key', 'keyFile']);
  const keyValue = map.get('key');
  const fileValue = map.get('keyFile');
  if (keyValue && fileValue) fileValue.fail('key or keyFile, not both', 'both');
  if (keyValue) {
    const text = keyValue.text(KEY_RULE);
    const key = parseHexKey(text);
    if (key === null || key.length < MIN_KEY_BYTES)
      return keyValue.fail(KEY_RULE, `${text.length} characters`);
    return { key, source: 'inline' };
  }
  if (fileValue) {
    const file = path.resolve(baseDir, fileValue.text('a path to a key file'));
    try {
      return { key: readKeyFile(file), source: file };
    } catch (error) {
      return fileValue.fail(KEY_RULE, (error as Error).message);
    }
  }
  return value.fail('a map with key (hex) or keyFile (a path)', 'neither');
}
