// Fault actions of a timeline mapped onto the simulated network.

import type { ScenarioAction, Topology } from '../../topology/types.ts';
import { HostileNode } from '../hostile/hostile-node.ts';
import type { SimNetwork } from '../network.ts';

/** A timeline action that changes the network (everything but verify and wait). */
export type FaultAction = Exclude<ScenarioAction, { kind: 'verify' } | { kind: 'wait' }>;

/** True for actions that change the network. */
export function isFault(action: ScenarioAction): action is FaultAction {
  return action.kind !== 'verify' && action.kind !== 'wait';
}

/** Applies one fault. `heal` undoes partitions and link-downs alike (docs/topology.md), not crashes. */
export function applyFault(network: SimNetwork, topology: Topology, action: FaultAction): void {
  switch (action.kind) {
    case 'link-down':
      return network.linkDown(action.a, action.b);
    case 'link-up':
      return network.linkUp(action.a, action.b);
    case 'impair':
      return network.impair(action.a, action.b, action.aToB, action.bToA);
    case 'partition':
      return network.partition(action.groups);
    case 'heal':
      // SimNetwork.heal() lifts the partition only; the scenario verb also brings downed links back.
      network.heal();
      for (const link of topology.links) network.linkUp(link.a, link.b);
      return;
    case 'crash':
      return network.crash(action.node);
    case 'restart':
      return network.restart(action.node);
    case 'hostile': {
      const node = network.node(action.node);
      if (!(node instanceof HostileNode))
        throw new Error(
          `node ${action.node} is not running as a hostile node (it is down, or built by a custom factory)`,
        );
      node.attack({
        attack: action.attack,
        ...(action.ratePerSec !== null ? { ratePerSec: action.ratePerSec } : {}),
        ...(action.durationMs !== null ? { durationMs: action.durationMs } : {}),
      });
      return;
    }
    case 'stall':
      return network.stall(action.node, action.ms);
  }
}

/** A short human description of an action, for progress lines and fuzz schedules. */
export function describeAction(action: ScenarioAction): string {
  switch (action.kind) {
    case 'link-down':
    case 'link-up':
    case 'impair':
      return `${action.kind} ${action.a} ${action.b}`;
    case 'partition':
      return `partition ${action.groups.map((g) => `[${g.join(',')}]`).join(' ')}`;
    case 'heal':
      return 'heal all';
    case 'crash':
    case 'restart':
      return `${action.kind} ${action.node}`;
    case 'stall':
      return `stall ${action.node} for ${action.ms} ms`;
    case 'wait':
      return `wait ${action.ms} ms`;
    case 'hostile':
      return `hostile ${action.node} ${action.attack}`;
    case 'verify':
      return `verify ${action.checks.map((c) => (c.withinMs === null ? c.check : `${c.check} within ${c.withinMs} ms`)).join(', ')}`;
  }
}
