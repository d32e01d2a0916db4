// The one place the simulator meets the protocol core: a NodeFactory that builds real VrrNodes.

import { VrrNode } from '../vrr/node.ts';
import type { NodeFactory } from './sim-node.ts';

/** Builds a real VrrNode from the topology's parameters. */
export const vrrNodeFactory: NodeFactory = (config, env) =>
  new VrrNode({ address: config.address, vsetSize: config.vsetSize, helloMs: config.helloMs }, env);
