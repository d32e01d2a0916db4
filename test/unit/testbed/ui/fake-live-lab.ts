// A fake LiveLab for the UI server tests: four nodes n0..n3 in a line (the check tests' fake LabAccess), vrrd
// answers made up from a table the test can change, faults recorded instead of applied, and events pushed by hand.

import type { LabAccess } from '../../../../src/testbed/lab/lab-access.ts';
import type { LabPlan } from '../../../../src/testbed/lab/plan.ts';
import { NO_IMPAIRMENT } from '../../../../src/daemon/link-emulation.ts';
import type { RawEvent } from '../../../../src/testbed/ui/event-summary.ts';
import type { LiveLab } from '../../../../src/testbed/ui/live-lab.ts';
import type { LinkStateName, UiFault } from '../../../../src/testbed/ui/ui-types.ts';

/** The fake and its levers. */
export interface FakeLive extends LiveLab {
  /** Each node's vset by node index (the test may change it). */
  vsets: number[][];
  links: LinkStateName[];
  faults: UiFault[];
  /** Marks lab.json as changed: the next refresh() says so. */
  touch(): void;
  /** Sends a daemon event to the follower. */
  emit(event: RawEvent): void;
}

const address = (i: number): string => `02:00:00:00:00:${(i + 1).toString(16).padStart(2, '0')}`;

/** The fake: consistent vsets for r = 2 on four addresses, and routes along the line. */
export function fakeLiveLab(): FakeLive {
  const vsets = [
    [1, 3],
    [2, 0],
    [3, 1],
    [0, 2],
  ];
  let changed = false;
  let follower: ((e: RawEvent) => void) | null = null;
  const faults: UiFault[] = [];
  const links: LinkStateName[] = ['up', 'up', 'up'];
  const access = fakeAccess(4, (node, verb) => {
    const i = Number(node.slice(1));
    const neighbors = [i - 1, i + 1].filter((j) => j >= 0 && j < 4);
    switch (verb) {
      case 'status':
        return { active: true, vsetSize: 2, uptimeMs: 5000, pid: 100 + i, dht: { entries: i } };
      case 'vset':
        return {
          active: true,
          vsetSize: 2,
          members: fake.vsets[i].map((j) => ({ address: address(j), side: 'cw', distance: 1 })),
        };
      case 'neighbors':
        return neighbors.map((j) => ({
          address: address(j),
          interface: `eth${j}`,
          linkAddress: address(j),
          state: 'linked',
          active: true,
          quality: 0.9,
        }));
      case 'routes':
        // One route from n0 to n3 along the line: every node holds its entry.
        return [
          {
            ea: address(0),
            eb: address(3),
            pathId: 7,
            na: i > 0 ? address(i - 1) : null,
            nb: i < 3 ? address(i + 1) : null,
          },
        ];
      case 'representatives':
        return [{ address: address(0), via: address(Math.max(0, i - 1)), seq: 3 }];
      case 'mcast.groups':
        return { trees: [] };
      default:
        throw new Error(`fake vrrd: no verb ${verb}`);
    }
  });
  const fake: FakeLive = {
    access,
    runtime: 'netns',
    vsets,
    links,
    faults,
    refresh: () => {
      const was = changed;
      changed = false;
      return was;
    },
    linkStates: () => [...links],
    applyFault: async (f) => {
      faults.push(f);
      return `did ${f.kind}`;
    },
    follow: async (listener) => {
      follower = listener;
    },
    close: () => {
      follower = null;
    },
    touch: () => {
      changed = true;
    },
    emit: (e) => follower?.(e),
  };
  return fake;
}

// A LabAccess over a plan of n nodes n0..n{n-1} in a line whose vrrd answers come from ctl; nothing else works.
function fakeAccess(n: number, ctl: (node: string, verb: string) => unknown): LabAccess {
  const names = Array.from({ length: n }, (_, i) => `n${i}`);
  const plan: LabPlan = {
    lab: 'fake',
    runId: 'r1',
    runtime: 'netns',
    seed: 7,
    topologyFile: '<fake>',
    nodes: names.map((name, i) => ({
      name,
      address: address(i),
      vrr: { vsetSize: 2, helloMs: 200 },
      ipv4: `198.18.0.${i + 1}/15`,
      ipv6: `fd76:7272::${i + 1}/64`,
      seed: i,
      interfaces: [],
    })),
    links: names.slice(1).map((b, i) => ({
      index: i,
      a: names[i],
      b,
      ifA: 'eth1',
      ifB: 'eth2',
      aToB: NO_IMPAIRMENT,
      bToA: NO_IMPAIRMENT,
    })),
  };
  const none = (what: string): never => {
    throw new Error(`fake lab: no ${what}`);
  };
  return {
    plan,
    nodeCommand: ['node'],
    exec: async () => none('exec'),
    spawn: () => none('spawn'),
    ctl: async <T>(node: string, verb: string): Promise<T> => ctl(node, verb) as T,
    aliveNodes: () => names,
    upLinks: () => plan.links.map((l) => [l.a, l.b] as [string, string]),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
