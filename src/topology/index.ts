// The topology package: load a topology file, derive addresses, generate graphs. What other packages use.

export type {
  Topology,
  TopologyNode,
  TopologyLink,
  LinkParams,
  VrrParams,
  ScenarioStep,
  ScenarioAction,
  VerifySpec,
  ChecksSpec,
  SourceLocation,
} from './types.ts';
export { loadTopology, parseTopology, TOP_LEVEL_KEYS } from './load.ts';
export { TopologyError } from './errors.ts';
export { assignAddresses, deriveAddress } from './addresses.ts';
export { DEFAULT_LINK, DEFAULT_VRR } from './defaults.ts';
export { parseDurationMs, parsePercent, parseRateBps, formatDuration, UnitError } from './units.ts';
export { parseGroupAddress } from './group-address.ts';
export { isValidNodeName, NODE_NAME_PATTERN } from './names.ts';
export type { CheckCatalog, CheckSectionReader, CheckSectionContext } from './checks.ts';
export { ACTION_KEYS } from './scenario.ts';
export { GENERATOR_KINDS, MAX_GENERATED_NODES } from './generate.ts';
export { componentIndex, connectedComponents, isConnected, GeneratorError } from './graph.ts';
export type { Edge, Graph, GraphLink } from './graph.ts';
export { lineGraph } from './generators/line.ts';
export { ringGraph } from './generators/ring.ts';
export { gridGraph, gridNodeName } from './generators/grid.ts';
export { starGraph, STAR_HUB } from './generators/star.ts';
export { randomGeometricGraph, suggestedRadius, RGG_MAX_DRAWS } from './generators/random-geometric.ts';
export { readGraphFile, parseGraphJson } from './generators/from-file.ts';
