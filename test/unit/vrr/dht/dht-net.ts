// Helpers of the DHT tests: a TestNet (test/unit/vrr/harness.ts) with a Dht attached to every node, addresses
// spread over the ring like derived node addresses, and a way to run one DHT call to completion.

import { deriveAddress } from '../../../../src/topology/addresses.ts';
import { Dht, type DhtOptions, type DhtResult } from '../../../../src/vrr/dht/index.ts';
import type { VrrConfig } from '../../../../src/vrr/config.ts';
import { TestNet } from '../harness.ts';

/** A TestNet whose nodes all run a Dht. */
export class DhtNet extends TestNet {
  readonly dhts: Dht[];

  constructor(addresses: number[], seed = 1, config: Partial<VrrConfig> = {}, dhtOptions: DhtOptions = {}) {
    super(addresses, seed, config);
    this.dhts = this.nodes.map((n) => n.attach(new Dht(n.services, dhtOptions)));
  }

  /** Runs the clock until `start`'s callback has run (or `limitMs` passes); returns the result. */
  call(start: (done: (r: DhtResult) => void) => void, limitMs = 60_000): DhtResult {
    let result: DhtResult | null = null;
    let calls = 0;
    start((r) => {
      calls++;
      result = r;
    });
    for (let waited = 0; result === null && waited < limitMs; waited += 10) this.run(10);
    if (result === null) throw new Error(`no DHT answer within ${limitMs} ms`);
    this.run(1); // let a second (wrong) callback show up
    if (calls !== 1) throw new Error(`done was called ${calls} times`);
    return result;
  }
}

/** n addresses spread over the ring as the testbed derives them (seeded, distinct). */
export function spreadAddresses(n: number, seed = 1): number[] {
  return Array.from({ length: n }, (_, i) => deriveAddress(seed, `n${i}`));
}

/** Text as bytes. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Bytes as text. */
export function text(b: Uint8Array | undefined): string | undefined {
  return b === undefined ? undefined : new TextDecoder().decode(b);
}
