// Reads the `scenario` timeline: steps with `at` (after the ring first converged) and one action each.

import { isScalar } from 'yaml';
import type { CheckCatalog } from './checks.ts';
import { LINK_PARAM_KEYS, readUnit } from './link-params.ts';
import { DIRECTION_KEY_HINT, isDirectionKey, linkKey, readDirectedParams, readEnds } from './links.ts';
import { readNodeRef } from './nodes.ts';
import {
  HOSTILE_ATTACK_NAMES,
  type ChecksSpec,
  type HostileAttackName,
  type ScenarioAction,
  type ScenarioStep,
  type TopologyLink,
  type VerifySpec,
} from './types.ts';
import { DURATION_FORMAT, formatDuration, parseDurationMs } from './units.ts';
import type { Value } from './yaml-reader.ts';

/** The action keys; a step holds `at` and exactly one of these. */
export const ACTION_KEYS = [
  'verify',
  'link-down',
  'link-up',
  'impair',
  'partition',
  'heal',
  'crash',
  'restart',
  'stall',
  'wait',
  'hostile',
] as const;

/** What the scenario may refer to. */
export interface ScenarioContext {
  names: ReadonlySet<string>;
  /** Node names in topology order (unlisted nodes of a partition form a group in this order). */
  order: readonly string[];
  links: readonly TopologyLink[];
  checks: ChecksSpec;
  /** The check names a verify step may use, and which of them need their section. */
  catalog: CheckCatalog;
}

/** Reads `scenario` (absent: no steps). Steps must be in time order; equal times run in file order. */
export function readScenario(value: Value | undefined, context: ScenarioContext): ScenarioStep[] {
  if (!value) return [];
  const links = new Map(context.links.map((link) => [linkKey(link.a, link.b), link]));
  const steps: ScenarioStep[] = [];
  let previousAt = 0;
  for (const stepValue of value.list('a list of steps like { at: 5s, link-down: [a, b] }')) {
    const map = stepValue.map('a step like { at: 5s, link-down: [a, b] }');
    map.allowOnly(['at', ...ACTION_KEYS]);
    const atValue = map.require('at', 'a step with at (a time after the ring converged) and one action');
    const atMs = readUnit(atValue, DURATION_FORMAT, parseDurationMs);
    if (atMs < previousAt) {
      atValue.fail(
        `a time no earlier than the previous step's ${formatDuration(previousAt)} (steps are in time order)`,
        formatDuration(atMs),
      );
    }
    previousAt = atMs;
    const actions = map.entries.filter((e) => e.key !== 'at');
    if (actions.length !== 1) {
      stepValue.fail(
        `exactly one action (${ACTION_KEYS.join(', ')})`,
        actions.length === 0 ? 'none' : actions.map((e) => e.key).join(' and '),
      );
    }
    const { key, value: actionValue } = actions[0];
    const action = readAction(key as (typeof ACTION_KEYS)[number], actionValue, context, links);
    steps.push({ atMs, action, where: stepValue.where });
  }
  return steps;
}

function readAction(
  kind: (typeof ACTION_KEYS)[number],
  value: Value,
  context: ScenarioContext,
  links: ReadonlyMap<string, TopologyLink>,
): ScenarioAction {
  switch (kind) {
    case 'verify':
      return { kind, checks: readVerify(value, context.checks, context.catalog) };
    case 'link-down':
    case 'link-up':
      return { kind, ...readLinkRef(value, context.names, links) };
    case 'impair':
      return readImpair(value, context.names, links);
    case 'partition':
      return { kind, groups: readPartition(value, context) };
    case 'heal':
      if (!isScalar(value.node) || value.node.value !== 'all')
        value.fail('all (heal undoes every partition and link-down)');
      return { kind };
    case 'crash':
    case 'restart':
      return { kind, node: readNodeRef(value, context.names) };
    case 'stall': {
      const map = value.map('a map like { node: a, for: 3s }');
      map.allowOnly(['node', 'for']);
      const node = readNodeRef(map.require('node', 'a stall with node: <name>'), context.names);
      const forValue = map.require('for', 'a stall with for: <duration>');
      const ms = readUnit(forValue, DURATION_FORMAT, parseDurationMs);
      if (ms <= 0) forValue.fail('a duration > 0');
      return { kind, node, ms };
    }
    case 'wait': {
      const ms = readUnit(value, DURATION_FORMAT, parseDurationMs);
      if (ms <= 0) value.fail('a duration > 0');
      return { kind, ms };
    }
    case 'hostile':
      return readHostile(value, context.names);
  }
}

// `hostile: { node: x, attack: setup-flood, rate: 500, for: 20s }`: node x starts forging frames (simulator only).
function readHostile(value: Value, names: ReadonlySet<string>): ScenarioAction {
  const attacks = HOSTILE_ATTACK_NAMES.join(', ');
  const map = value.map(`a map like { node: x, attack: setup-flood } (attacks: ${attacks})`);
  map.allowOnly(['node', 'attack', 'rate', 'for']);
  const node = readNodeRef(map.require('node', 'a hostile step with node: <name>'), names);
  const attackValue = map.require('attack', `a hostile step with attack: one of ${attacks}`);
  const attack = attackValue.text(`one of ${attacks}`);
  if (!(HOSTILE_ATTACK_NAMES as readonly string[]).includes(attack))
    attackValue.fail(`one of ${attacks}`, JSON.stringify(attack));
  const rate = map.get('rate');
  const ratePerSec = rate
    ? rate.integer('a number of forged frames per second, from 1 to 100000', 1, 100_000)
    : null;
  const forValue = map.get('for');
  const durationMs = forValue ? readUnit(forValue, DURATION_FORMAT, parseDurationMs) : null;
  if (forValue && durationMs! <= 0) forValue.fail('a duration > 0');
  return { kind: 'hostile', node, attack: attack as HostileAttackName, ratePerSec, durationMs };
}

function readVerify(value: Value, checks: ChecksSpec, catalog: CheckCatalog): VerifySpec[] {
  const names = catalog.names.join(', ');
  const format = `a list of checks (${names}) or a map like { ping-all: { within: 10s } }`;
  const specs: VerifySpec[] = [];
  const add = (nameValue: Value, name: string, withinMs: number | null): void => {
    if (!catalog.names.includes(name)) nameValue.fail(`a check name (${names})`, JSON.stringify(name));
    // A check that needs its parameters could only fail later, at run time, without them.
    if (catalog.sections.get(name)?.required && (checks[name] ?? null) === null) {
      nameValue.fail(`a check defined under checks (add checks.${name})`, JSON.stringify(name));
    }
    if (specs.some((s) => s.check === name))
      nameValue.fail('each check once in a step', `${JSON.stringify(name)} again`);
    specs.push({ check: name, withinMs });
  };
  if (value.isList()) {
    for (const item of value.list(format)) add(item, item.text('a check name'), null);
  } else {
    const map = value.map(format);
    for (const { key, keyValue, value: options } of map.entries) {
      let withinMs: number | null = null;
      if (!options.isNull()) {
        const o = options.map('a map like { within: 10s }, or nothing');
        o.allowOnly(['within']);
        const within = o.get('within');
        if (within) withinMs = readUnit(within, DURATION_FORMAT, parseDurationMs);
      }
      add(keyValue, key, withinMs);
    }
  }
  if (specs.length === 0) value.fail(`at least one check (${names})`);
  return specs;
}

// A link named by its two ends, returned in the orientation the topology gave it.
function readLinkRef(
  value: Value,
  names: ReadonlySet<string>,
  links: ReadonlyMap<string, TopologyLink>,
): { a: string; b: string } {
  const [a, b] = readEnds(value, names);
  const link = links.get(linkKey(a, b));
  if (!link) value.fail('a link of this topology', `${a} - ${b} (no such link)`);
  return { a: link.a, b: link.b };
}

function readImpair(
  value: Value,
  names: ReadonlySet<string>,
  links: ReadonlyMap<string, TopologyLink>,
): ScenarioAction {
  const map = value.map('a map like { ends: [a, b], loss: 5%, "a->b": { delay: 20ms } }');
  map.allowOnly(['ends', ...LINK_PARAM_KEYS], isDirectionKey, DIRECTION_KEY_HINT);
  const { a, b } = readLinkRef(map.require('ends', 'an impair with ends: [a, b]'), names, links);
  if (!map.entries.some((e) => e.key !== 'ends')) {
    value.fail(`at least one link parameter to change (${LINK_PARAM_KEYS.join(', ')})`, 'only ends');
  }
  const params = readDirectedParams(map, a, b);
  return { kind: 'impair', a, b, aToB: params.aToB, bToA: params.bToA };
}

// Groups as written, each node in one group only; nodes left out form one more group, so
// `partition: [[a, b]]` cuts a and b off from the rest.
function readPartition(value: Value, context: ScenarioContext): string[][] {
  const expected = 'a list of groups of node names, like [[a, b], [c]]';
  const groups: string[][] = [];
  const groupOf = new Map<string, number>();
  for (const groupValue of value.list(expected)) {
    const memberValues = groupValue.list('a group: a list of node names, like [a, b]');
    if (memberValues.length === 0) groupValue.fail('a group with at least one node');
    const group: string[] = [];
    for (const memberValue of memberValues) {
      const name = readNodeRef(memberValue, context.names);
      const earlier = groupOf.get(name);
      if (earlier !== undefined) {
        memberValue.fail(
          'each node in one group only',
          `${JSON.stringify(name)} again (already in group ${earlier + 1})`,
        );
      }
      groupOf.set(name, groups.length);
      group.push(name);
    }
    groups.push(group);
  }
  const rest = context.order.filter((name) => !groupOf.has(name));
  if (rest.length > 0) groups.push(rest);
  if (groups.length < 2)
    value.fail('at least two groups (nodes not listed form one more)', 'every node in one group');
  return groups;
}
