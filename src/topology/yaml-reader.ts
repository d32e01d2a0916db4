// Reads a YAML (or JSON) text as a tree of located values: every typed accessor either returns what the
// schema wants or throws a TopologyError naming the file, line, column, key path, expectation and finding.
// Hand-written rather than a JSON-schema library so that each message can say what this key means.

import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import { TopologyError } from './errors.ts';
import type { SourceLocation } from './types.ts';

/** A path into the document: map keys and list indexes. */
export type KeyPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** Formats a key path for messages: `links[2]["a->b"].loss`; the document itself is `(top level)`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(top level)' : out;
}

/** A parsed text that maps offsets to lines and columns. Syntax errors are thrown at construction. */
export class SourceText {
  private readonly lineCounter = new LineCounter();
  readonly doc: Document.Parsed;

  constructor(
    /** The name used in messages. */
    readonly file: string,
    text: string,
  ) {
    // uniqueKeys: false because Mapping reports duplicates itself, with the key path and the first occurrence.
    this.doc = parseDocument(text, { lineCounter: this.lineCounter, uniqueKeys: false, prettyErrors: false });
    const syntax = this.doc.errors[0];
    if (syntax) {
      const offset = syntax.pos[0];
      const reason = syntax.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw this.errorAt(
        offset,
        pathAtOffset(this.doc.contents, offset, []),
        'valid YAML',
        `a syntax error: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`,
      );
    }
  }

  /** The document's top-level value. */
  root(): Value {
    return new Value(this, this.resolve(this.doc.contents), [], this.doc.contents?.range?.[0] ?? 0);
  }

  /** The value at a key path (or its deepest existing part): how errors found in plain data get a position. */
  valueAt(path: KeyPath): Value {
    let value = this.root();
    for (const segment of path) {
      let next: Value | undefined;
      if (typeof segment === 'number' && value.isList()) next = value.list('a list')[segment];
      else if (typeof segment === 'string' && value.isMap()) next = value.map('a map').get(segment);
      if (!next) break;
      value = next;
    }
    return new Value(this, value.node, path, value.offset);
  }

  /** 1-based line and column of an offset. */
  locate(offset: number): SourceLocation {
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** Builds (does not throw) the error for a position. */
  errorAt(offset: number, path: KeyPath, expected: string, found: string): TopologyError {
    const where = this.locate(offset);
    return new TopologyError(where.file, where.line, where.column, formatKeyPath(path), expected, found);
  }

  /** Follows an alias to the node it names, so `*anchor` reads like what it points at. */
  resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }
}

/** One value of the document and where it sits. */
export class Value {
  constructor(
    readonly source: SourceText,
    /** The YAML node (Scalar, YAMLMap, YAMLSeq) or null when the document has nothing here. */
    readonly node: unknown,
    readonly path: KeyPath,
    /** Where errors about this value point. */
    readonly offset: number,
  ) {}

  /** file, line and column of this value. */
  get where(): SourceLocation {
    return this.source.locate(this.offset);
  }

  /** Throws a TopologyError at this value. */
  fail(expected: string, found: string = this.describe()): never {
    throw this.source.errorAt(this.offset, this.path, expected, found);
  }

  /** What the value is, for the "found" half of a message. */
  describe(): string {
    return describeNode(this.node);
  }

  /** True for a missing value, an empty value (`key:`), `null` or `~`. */
  isNull(): boolean {
    return this.node == null || (isScalar(this.node) && this.node.value === null);
  }

  isMap(): boolean {
    return isMap(this.node);
  }

  isList(): boolean {
    return isSeq(this.node);
  }

  /** Reads a map; `expected` says what map (e.g. "a map of link parameters"). */
  map(expected: string): Mapping {
    if (!isMap(this.node)) this.fail(expected);
    return new Mapping(this, this.node.items as Pair[]);
  }

  /** Reads a list. */
  list(expected: string): Value[] {
    if (!isSeq(this.node)) this.fail(expected);
    return this.node.items.map((item, index) => {
      const resolved = this.source.resolve(item);
      return new Value(this.source, resolved, [...this.path, index], offsetOf(item) ?? this.offset);
    });
  }

  /** Reads a scalar as text as written: a name like `0001` stays "0001" although YAML reads it as 1. */
  text(expected: string): string {
    if (!isScalar(this.node) || this.node.value === null || typeof this.node.value === 'object') {
      this.fail(expected);
    }
    if (typeof this.node.value === 'string') return this.node.value;
    return this.node.source ?? String(this.node.value);
  }

  /** Reads a string scalar (numbers and booleans are refused). */
  string(expected: string): string {
    if (!isScalar(this.node) || typeof this.node.value !== 'string') this.fail(expected);
    return this.node.value;
  }

  /** Reads a string or a number: what unit parsers take (a bare 0 is a number). */
  stringOrNumber(expected: string): string | number {
    if (!isScalar(this.node)) this.fail(expected);
    const v = this.node.value;
    if (typeof v === 'string' || typeof v === 'number') return v;
    this.fail(expected);
  }

  /** Reads an integer within [min, max]. */
  integer(expected: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    if (!isScalar(this.node) || typeof this.node.value !== 'number') this.fail(expected);
    const v = this.node.value;
    if (!Number.isInteger(v) || v < min || v > max) this.fail(expected);
    return v;
  }

  /** Reads a finite number; `accept` decides the range. */
  number(expected: string, accept: (n: number) => boolean = () => true): number {
    if (!isScalar(this.node) || typeof this.node.value !== 'number') this.fail(expected);
    const v = this.node.value;
    if (!Number.isFinite(v) || !accept(v)) this.fail(expected);
    return v;
  }

  /** Reads true or false. */
  boolean(expected: string): boolean {
    if (!isScalar(this.node) || typeof this.node.value !== 'boolean') this.fail(expected);
    return this.node.value;
  }
}

/** One key of a map and its value. */
export interface Entry {
  key: string;
  /** The key itself, located at the key (for unknown-key errors). */
  keyValue: Value;
  value: Value;
}

/** A map read from the document: keys unique, lookups by name, unknown keys reported at the key. */
export class Mapping {
  readonly entries: Entry[] = [];
  private readonly byKey = new Map<string, Entry>();

  constructor(
    /** The map itself. */
    readonly self: Value,
    pairs: Pair[],
  ) {
    const { source, path } = self;
    for (const pair of pairs) {
      const keyNode = source.resolve(pair.key);
      const keyOffset = offsetOf(pair.key) ?? self.offset;
      const keyAsValue = new Value(source, keyNode, path, keyOffset);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        keyAsValue.fail('a plain key');
      }
      const key = keyAsValue.text('a plain key');
      const keyValue = new Value(source, keyNode, [...path, key], keyOffset);
      const previous = this.byKey.get(key);
      if (previous) {
        keyValue.fail(
          'each key once in a map',
          `${JSON.stringify(key)} again (first at line ${previous.keyValue.where.line})`,
        );
      }
      // An empty value (`key:`) has a range of its own just after the colon; a missing one points at the key.
      const valueNode = source.resolve(pair.value);
      const value = new Value(source, valueNode, [...path, key], offsetOf(pair.value) ?? keyOffset);
      const entry = { key, keyValue, value };
      this.entries.push(entry);
      this.byKey.set(key, entry);
    }
  }

  /** The value of a key, or undefined when absent. */
  get(key: string): Value | undefined {
    return this.byKey.get(key)?.value;
  }

  /** True when the key is present. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** The value of a key that must be present; `expected` describes the whole map for the error. */
  require(key: string, expected: string): Value {
    const value = this.get(key);
    if (value) return value;
    const keys = this.entries.map((e) => e.key);
    return this.self.fail(
      expected,
      keys.length === 0 ? 'an empty map' : `a map with only ${keys.join(', ')}`,
    );
  }

  /**
   * Fails at the first key that is neither in `known` nor accepted by `alsoAllowed` (then `alsoDescribed`
   * names those extra keys in the message, like `"a->b"`).
   */
  allowOnly(known: readonly string[], alsoAllowed?: (key: string) => boolean, alsoDescribed?: string): void {
    const listed = alsoDescribed ? [...known, alsoDescribed] : known;
    for (const entry of this.entries) {
      if (known.includes(entry.key) || alsoAllowed?.(entry.key)) continue;
      entry.keyValue.fail(`one of ${listed.join(', ')}`, `unknown key ${JSON.stringify(entry.key)}`);
    }
  }
}

function offsetOf(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function describeNode(node: unknown): string {
  if (node == null) return 'nothing';
  if (isMap(node)) return node.items.length === 0 ? 'an empty map' : 'a map';
  if (isSeq(node)) return node.items.length === 0 ? 'an empty list' : 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return node.source ? node.source : 'nothing';
    if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
    return node.source ?? String(v);
  }
  return 'an unsupported YAML value';
}

// Best-effort key path of the deepest node containing an offset, to place a syntax error in the document.
function pathAtOffset(node: unknown, offset: number, path: (string | number)[]): (string | number)[] {
  if (isMap(node)) {
    for (const pair of node.items as Pair[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) continue;
      const valueRange = (pair.value as YamlNode | null)?.range;
      if (valueRange && offset >= valueRange[0] && offset <= valueRange[2]) {
        return pathAtOffset(pair.value, offset, [...path, key]);
      }
      const keyRange = (pair.key as YamlNode).range;
      if (keyRange && offset >= keyRange[0] && offset <= keyRange[2]) return [...path, key];
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const range = (item as YamlNode | null)?.range;
      if (range && offset >= range[0] && offset <= range[2])
        return pathAtOffset(item, offset, [...path, index]);
    }
  }
  return path;
}
