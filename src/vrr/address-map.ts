// A map keyed by 48-bit addresses for the per-packet paths (neighbours, their reliability state), in insertion
// order. Addresses are beyond V8's small integers, so a Map looks each one up as a boxed number: on a node with a
// few neighbours, a scan of a plain array of keys is several times cheaper. Past SCAN_LIMIT entries (mesh hubs
// have hundreds of neighbours) a Map answers instead.
//
// Invariants: `keys[i]` is the key of `vals[i]`; keys are distinct; `index` holds exactly those keys (key ->
// value) once it exists, and exists exactly when more than SCAN_LIMIT entries were held since creation or the
// last clear() (it is not dropped when the map shrinks again: a hub's neighbour count goes up and down).

import type { Address } from './address.ts';

/** Entries up to which a lookup scans the key array. */
const SCAN_LIMIT = 8;

/** An insertion-ordered map from addresses to V, cheap to look up when small. */
export class AddressMap<V> {
  private readonly keys: Address[] = [];
  private readonly vals: V[] = [];
  private index: Map<Address, V> | null = null;

  /** Entries held. */
  get size(): number {
    return this.keys.length;
  }

  get(a: Address): V | undefined {
    if (this.index !== null) return this.index.get(a);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === a) return this.vals[i];
    return undefined;
  }

  has(a: Address): boolean {
    return this.get(a) !== undefined;
  }

  /** Sets a's value; a new key goes last in the order. */
  set(a: Address, v: V): void {
    const i = this.keys.indexOf(a);
    if (i >= 0) this.vals[i] = v;
    else {
      this.keys.push(a);
      this.vals.push(v);
    }
    if (this.index !== null) this.index.set(a, v);
    else if (this.keys.length > SCAN_LIMIT) {
      this.index = new Map();
      for (let k = 0; k < this.keys.length; k++) this.index.set(this.keys[k], this.vals[k]);
    }
  }

  /** Removes a; false if it was not there. */
  delete(a: Address): boolean {
    const i = this.keys.indexOf(a);
    if (i < 0) return false;
    this.keys.splice(i, 1);
    this.vals.splice(i, 1);
    this.index?.delete(a);
    return true;
  }

  /** The values in insertion order, without copying (do not change the map while iterating). */
  values(): IterableIterator<V> {
    return this.vals.values();
  }

  /** The values in insertion order, as a new array. */
  valueList(): V[] {
    return this.vals.slice();
  }

  clear(): void {
    this.keys.length = 0;
    this.vals.length = 0;
    this.index = null;
  }
}
