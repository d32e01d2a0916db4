// Seeded random fault schedules for the fuzzer: link downs and ups, partitions into 2-3 groups, heals,
// crashes and restarts at random gaps, ending with a heal of everything and a restart of every crashed
// node. The schedule is a plain scenario timeline, so the scenario runner plays it.
// With `asymmetric`, it also plays the transitions that leave the two ends of a link disagreeing: one direction
// drops everything for a while (one end sees the failure before the other, or never: the link-model's per-direction
// loss), and links that flap (down and up again within a few hundred ms, faster than failure detection) right after
// a heal. Every one-way drop is lifted by the final heal. Off by default, so the suite's seeds keep their schedules.

import { createRng, type Rng } from '../../vrr/rng.ts';
import type { ScenarioAction, ScenarioStep, Topology } from '../../topology/types.ts';

/** Shape of a random schedule. */
export interface ScheduleOptions {
  /** Random faults before the final heal. Default 8. */
  faults?: number;
  /** Gap between faults: uniform in [minGapMs, maxGapMs]. Defaults 500 and 15,000. */
  minGapMs?: number;
  maxGapMs?: number;
  /** Also one-way link drops and links that flap during a heal. Default false. */
  asymmetric?: boolean;
}

/** The random schedule of one seed: the same seed and topology give the same steps. */
export function randomSchedule(
  topology: Topology,
  scheduleSeed: number,
  options: ScheduleOptions = {},
): ScenarioStep[] {
  const faults = options.faults ?? 8;
  const minGap = options.minGapMs ?? 500;
  const maxGap = Math.max(minGap, options.maxGapMs ?? 15_000);
  const rng = createRng(scheduleSeed);
  const names = topology.nodes.map((n) => n.name);
  const pairs = uniquePairs(topology);
  // Crash at most a fifth of the nodes at once, so the survivors still make a ring worth checking.
  const maxCrashed = Math.max(1, Math.floor(names.length / 5));
  const down = new Set<number>(); // indices into pairs
  const crashed = new Set<string>();
  let partitioned = false;
  const asymmetric = options.asymmetric ?? false;
  const oneWay = new Map<number, boolean>(); // index into pairs -> the dropped direction is a->b

  const steps: ScenarioStep[] = [];
  let atMs = 0;
  const push = (action: ScenarioAction): void => {
    steps.push({ atMs, action, where: { file: `fuzz:${scheduleSeed}`, line: steps.length + 1, column: 1 } });
  };

  for (let i = 0; i < faults; i++) {
    atMs += minGap + rng.int(maxGap - minGap + 1);
    const choices: [number, () => void][] = [];
    if (pairs.length > down.size)
      choices.push([
        3,
        () => {
          const up = pairs.map((_, k) => k).filter((k) => !down.has(k));
          const k = rng.pick(up);
          down.add(k);
          push({ kind: 'link-down', a: pairs[k][0], b: pairs[k][1] });
        },
      ]);
    if (down.size > 0)
      choices.push([
        2,
        () => {
          const k = rng.pick([...down].sort((x, y) => x - y));
          down.delete(k);
          push({ kind: 'link-up', a: pairs[k][0], b: pairs[k][1] });
        },
      ]);
    if (names.length >= 2)
      choices.push([
        1.5,
        () => {
          partitioned = true;
          push({ kind: 'partition', groups: randomGroups(rng, names) });
        },
      ]);
    if (partitioned || down.size > 0)
      choices.push([
        1,
        () => {
          partitioned = false;
          down.clear();
          push({ kind: 'heal' });
          if (asymmetric) flap(rng, pairs, push, (ms) => (atMs += ms));
        },
      ]);
    if (asymmetric && pairs.length > oneWay.size)
      choices.push([
        2,
        () => {
          const k = rng.pick(pairs.map((_, j) => j).filter((j) => !oneWay.has(j)));
          const aToB = rng.int(2) === 0;
          oneWay.set(k, aToB);
          push(oneWayDrop(topology, pairs[k], aToB, true));
        },
      ]);
    if (asymmetric && oneWay.size > 0)
      choices.push([
        1.5,
        () => {
          const k = rng.pick([...oneWay.keys()].sort((x, y) => x - y));
          push(oneWayDrop(topology, pairs[k], oneWay.get(k) as boolean, false));
          oneWay.delete(k);
        },
      ]);
    if (crashed.size < maxCrashed && names.length > 2)
      choices.push([
        1,
        () => {
          const node = rng.pick(names.filter((n) => !crashed.has(n)));
          crashed.add(node);
          push({ kind: 'crash', node });
        },
      ]);
    if (crashed.size > 0)
      choices.push([
        1.5,
        () => {
          const node = rng.pick([...crashed].sort());
          crashed.delete(node);
          push({ kind: 'restart', node });
        },
      ]);
    weightedPick(rng, choices)();
  }

  // Heal everything so the invariants can demand one ring over the whole graph.
  atMs += minGap + rng.int(maxGap - minGap + 1);
  push({ kind: 'heal' });
  for (const k of [...oneWay.keys()].sort((x, y) => x - y))
    push(oneWayDrop(topology, pairs[k], oneWay.get(k) as boolean, false));
  for (const node of [...crashed].sort()) push({ kind: 'restart', node });
  return steps;
}

// One direction of a pair's links drops every frame (drop) or gets its topology parameters back (restore).
function oneWayDrop(
  topology: Topology,
  pair: [string, string],
  aToB: boolean,
  drop: boolean,
): ScenarioAction {
  const [a, b] = pair;
  const link = topology.links.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
  const sameWay = link === undefined || link.a === a;
  const base = (aToB === sameWay ? link?.aToB : link?.bToA)?.lossPct ?? 0;
  const lossPct = drop ? 100 : base;
  return aToB
    ? { kind: 'impair', a, b, aToB: { lossPct }, bToA: {} }
    : { kind: 'impair', a, b, aToB: {}, bToA: { lossPct } };
}

// Right after a heal: 1-3 links go down and up again within a few hundred ms, 1-3 times each.
function flap(
  rng: Rng,
  pairs: readonly [string, string][],
  push: (action: ScenarioAction) => void,
  advance: (ms: number) => void,
): void {
  if (pairs.length === 0) return;
  const links = 1 + rng.int(Math.min(3, pairs.length));
  for (let i = 0; i < links; i++) {
    const [a, b] = rng.pick(pairs);
    const times = 1 + rng.int(3);
    for (let t = 0; t < times; t++) {
      advance(50 + rng.int(400));
      push({ kind: 'link-down', a, b });
      advance(100 + rng.int(1500));
      push({ kind: 'link-up', a, b });
    }
  }
}

// Node pairs with at least one link, in topology order, each once (link-down takes all links of a pair).
function uniquePairs(topology: Topology): [string, string][] {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const l of topology.links) {
    const key = l.a < l.b ? `${l.a}\u0000${l.b}` : `${l.b}\u0000${l.a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([l.a, l.b]);
  }
  return out;
}

// Every node in one of 2 or 3 non-empty groups (2 when there are only 2 nodes).
function randomGroups(rng: Rng, names: readonly string[]): string[][] {
  const k = names.length >= 3 ? 2 + rng.int(2) : 2;
  const shuffled = [...names];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const groups: string[][] = Array.from({ length: k }, () => []);
  shuffled.forEach((name, i) => groups[i < k ? i : rng.int(k)].push(name));
  return groups;
}

function weightedPick<T>(rng: Rng, choices: readonly [number, T][]): T {
  const total = choices.reduce((sum, [w]) => sum + w, 0);
  let x = rng.next() * total;
  for (const [w, value] of choices) {
    x -= w;
    if (x < 0) return value;
  }
  return choices[choices.length - 1][1];
}
