// A Dht on fake NodeServices for tests of one node's answers: time does not move unless the test says so, every
// option it routes away is kept, and the test decides which targets end here ('local') or have no route ('none').

import type { Address } from '../../../../src/vrr/address.ts';
import { DEFAULT_CONFIG, type VrrConfig } from '../../../../src/vrr/config.ts';
import { Dht, type DhtOptions } from '../../../../src/vrr/dht/index.ts';
import type { NodeServices } from '../../../../src/vrr/extension.ts';
import { createRng } from '../../../../src/vrr/rng.ts';
import type { DhtOption } from '../../../../src/vrr/wire/types.ts';

/** One node's Dht: what it sends, what it counts, and which targets end here. */
export interface LoneDht {
  dht: Dht;
  sent: DhtOption[];
  counts: Map<string, number>;
  /** Targets that end at this node (besides its own address). */
  local: Set<Address>;
  /** Targets with no route at all. */
  unreachable: Set<Address>;
}

/** A Dht at `me` whose every route goes through the one neighbour `neighbour`. */
export function loneDht(me: Address, neighbour: Address, opts: DhtOptions = {}): LoneDht {
  const sent: DhtOption[] = [];
  const counts = new Map<string, number>();
  const local = new Set<Address>();
  const unreachable = new Set<Address>();
  const kind = (dst: Address) =>
    dst === me || local.has(dst) ? 'local' : unreachable.has(dst) ? 'none' : 'forward';
  const config = { ...DEFAULT_CONFIG, address: me, helloMs: 1000 } as VrrConfig;
  const services: NodeServices = {
    address: me,
    config,
    rng: createRng(5),
    now: () => 0,
    setTimer: () => ({ cancel: () => {} }),
    emit: () => {},
    count: (name, by = 1) => void counts.set(name, (counts.get(name) ?? 0) + by),
    isActive: () => true,
    vsetMembers: () => [],
    linkedNeighbors: () => [neighbour],
    nextHop: (dst) => {
      const k = kind(dst);
      return k === 'forward' ? { kind: 'forward', via: neighbour, endpoint: dst } : { kind: k };
    },
    sendToNeighbor: () => true,
    routeToward: (dst, option) => {
      const k = kind(dst);
      if (k !== 'forward') return k;
      sent.push(option as DhtOption);
      return 'forwarded';
    },
    sendDataVia: () => true,
    deliverLocally: () => {},
  };
  return { dht: new Dht(services, opts), sent, counts, local, unreachable };
}
