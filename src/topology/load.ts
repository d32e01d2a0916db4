// Loads a topology file: YAML in, a validated Topology out (defaults applied, names resolved), or the
// first problem as a TopologyError (file:line:col: key: expected ..., found ...).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readChecks, type CheckCatalog } from './checks.ts';
import { DEFAULT_LINK, DEFAULT_VRR } from './defaults.ts';
import { TopologyError } from './errors.ts';
import { readGenerate, type Generated } from './generate.ts';
import { readLinkParamsMap } from './link-params.ts';
import { readLinks } from './links.ts';
import { LAB_NAME_PATTERN, LAB_NAME_RULE } from './names.ts';
import { readNodes, readProtocol } from './nodes.ts';
import { readScenario } from './scenario.ts';
import { readSecurity } from './security.ts';
import {
  DAEMONS_CHOICES,
  type DaemonsChoice,
  type LinkParams,
  type NodeProtocol,
  type Topology,
  type VrrParams,
} from './types.ts';
import { readVrrParams } from './vrr-params.ts';
import { SourceText, type Value } from './yaml-reader.ts';

/** The top-level keys of a topology file. */
export const TOP_LEVEL_KEYS = [
  'name',
  'seed',
  'defaults',
  'nodes',
  'links',
  'generate',
  'scenario',
  'checks',
  'security',
] as const;

/**
 * Reads and parses a topology file; paths inside it (from-file) are relative to its folder. `catalog` names the
 * checks it may use (src/checks's loadTopology passes the registry's).
 */
export function loadTopology(file: string, catalog: CheckCatalog): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TopologyError(
      file,
      1,
      1,
      '(top level)',
      'a readable topology file',
      `${reason} when reading it`,
    );
  }
  return parseTopology(text, file, catalog, path.dirname(path.resolve(file)));
}

/** Parses topology text; `fileName` is used in messages, `baseDir` resolves relative paths (from-file). */
export function parseTopology(
  text: string,
  fileName: string,
  catalog: CheckCatalog,
  baseDir: string = path.dirname(path.resolve(fileName)),
): Topology {
  const root = new SourceText(fileName, text).root();
  const expectedRoot = 'a topology: a map with name and nodes (or generate), links, scenario, checks';
  if (root.isNull()) root.fail(expectedRoot, 'an empty document');
  const top = root.map(expectedRoot);
  top.allowOnly(TOP_LEVEL_KEYS);

  const nameValue = top.require('name', 'a topology with a name');
  const name = nameValue.text(LAB_NAME_RULE);
  if (!LAB_NAME_PATTERN.test(name)) nameValue.fail(LAB_NAME_RULE, JSON.stringify(name));
  const seed = top.get('seed')?.integer('a seed: an integer from 0 to 2^53 - 1') ?? null;
  const { vrr, link, protocol, daemons } = readDefaults(top.get('defaults'));

  const generateValue = top.get('generate');
  const generated: Generated | null = generateValue
    ? readGenerate(generateValue, { fileSeed: seed, baseDir })
    : null;
  const nodes = readNodes(top.get('nodes'), generated, vrr, protocol);
  if (nodes.length === 0) {
    top.self.fail('a topology with nodes or generate', top.has('nodes') ? 'no nodes' : 'neither');
  }
  const names = new Set(nodes.map((n) => n.name));
  const links = readLinks(top.get('links'), names, generated?.graph ?? null, link);
  const checks = readChecks(top.get('checks'), names, catalog);
  const scenario = readScenario(top.get('scenario'), {
    names,
    order: nodes.map((n) => n.name),
    links,
    checks,
    catalog,
  });
  const security = readSecurity(top.get('security'), baseDir);
  // `daemons` only when the file sets it: a topology object (and what is made from it) is unchanged otherwise.
  return {
    name,
    file: fileName,
    seed,
    nodes,
    links,
    scenario,
    checks,
    security,
    ...(daemons !== null ? { daemons } : {}),
  };
}

function readDefaults(value: Value | undefined): {
  vrr: VrrParams;
  link: LinkParams;
  protocol: NodeProtocol;
  daemons: DaemonsChoice | null;
} {
  if (!value) {
    return { vrr: { ...DEFAULT_VRR }, link: { ...DEFAULT_LINK }, protocol: 'vrrd', daemons: null };
  }
  const map = value.map('a map with vrr, link, protocol and/or daemons');
  map.allowOnly(['vrr', 'link', 'protocol', 'daemons']);
  const vrrValue = map.get('vrr');
  const linkValue = map.get('link');
  const protocolValue = map.get('protocol');
  const daemonsValue = map.get('daemons');
  let daemons: DaemonsChoice | null = null;
  if (daemonsValue) {
    const expected = `one of ${DAEMONS_CHOICES.join(', ')}`;
    const text = daemonsValue.string(expected);
    if (!(DAEMONS_CHOICES as readonly string[]).includes(text))
      daemonsValue.fail(expected, JSON.stringify(text));
    daemons = text as DaemonsChoice;
  }
  return {
    protocol: protocolValue ? readProtocol(protocolValue) : 'vrrd',
    vrr: { ...DEFAULT_VRR, ...(vrrValue ? readVrrParams(vrrValue) : {}) },
    link: { ...DEFAULT_LINK, ...(linkValue ? readLinkParamsMap(linkValue, 'a map of link parameters') : {}) },
    daemons,
  };
}
