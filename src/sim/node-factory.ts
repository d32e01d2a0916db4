// The one place the simulator meets the protocol core: a NodeFactory that builds real VrrNodes carrying the
// extensions vrrd attaches (the DHT and multicast), so simulated labs run the same checks as real ones.

import type { VrrEnv } from '../vrr/env.ts';
import { Dht, type DhtOptions } from '../vrr/dht/index.ts';
import { Multicast, type MulticastOptions } from '../vrr/multicast/index.ts';
import { VrrNode } from '../vrr/node.ts';
import type { NodeFactory, SimNode, SimNodeConfig } from './sim-node.ts';

/** Tuning of the extensions a simulated node carries (tests and benches; runs use the defaults). */
export interface SimVrrNodeOptions {
  dht?: DhtOptions;
  multicast?: MulticastOptions;
}

/** A VrrNode with a Dht and a Multicast attached; a restarted node is a new one, with fresh extensions. */
export class SimVrrNode extends VrrNode implements SimNode {
  /** The node's DHT. */
  readonly dht: Dht;
  /** The node's multicast. */
  readonly multicast: Multicast;

  constructor(config: SimNodeConfig, env: VrrEnv, options: SimVrrNodeOptions = {}) {
    super({ address: config.address, vsetSize: config.vsetSize, helloMs: config.helloMs }, env, {
      networkKey: config.networkKey,
    });
    // vrrd's order (DHT, then multicast): each extension takes draws from the node's rng when it attaches.
    this.dht = this.attach(new Dht(this.services, options.dht));
    this.multicast = this.attach(new Multicast(this.services, options.multicast));
  }
}

/** A factory of SimVrrNodes with these extension options. */
export function simVrrNodeFactory(options: SimVrrNodeOptions = {}): NodeFactory {
  return (config, env) => new SimVrrNode(config, env, options);
}

/** Builds a real VrrNode, with the DHT and multicast, from the topology's parameters. */
export const vrrNodeFactory: NodeFactory = simVrrNodeFactory();
