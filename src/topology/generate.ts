// Reads the `generate` section: exactly one generator and its parameters, producing a connected graph.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { deriveSeed } from '../vrr/rng.ts';
import { connectedComponents, GeneratorError, type Graph } from './graph.ts';
import { readGraphFile } from './generators/from-file.ts';
import { gridGraph } from './generators/grid.ts';
import { lineGraph } from './generators/line.ts';
import { randomGeometricGraph } from './generators/random-geometric.ts';
import { ringGraph } from './generators/ring.ts';
import { starGraph } from './generators/star.ts';
import type { Mapping, Value } from './yaml-reader.ts';

/** The generator names a file may use under `generate`. */
export const GENERATOR_KINDS = ['line', 'ring', 'grid', 'star', 'random-geometric', 'from-file'] as const;

/** One generator name. */
export type GeneratorKind = (typeof GENERATOR_KINDS)[number];

/** A cap that catches a typo (n: 1000000) before it eats the machine; far above what a host can run. */
export const MAX_GENERATED_NODES = 100_000;

/** What `generate` produced: which generator (named in errors about generated nodes) and the graph. */
export interface Generated {
  kind: GeneratorKind;
  graph: Graph;
}

/** Where generation happens: the file's seed (for random generators) and the folder paths are relative to. */
export interface GenerateContext {
  fileSeed: number | null;
  baseDir: string;
}

/** Reads `generate: { <kind>: {...} }` and runs that generator. */
export function readGenerate(value: Value, context: GenerateContext): Generated {
  const map = value.map(`a map with one generator: ${GENERATOR_KINDS.join(', ')}`);
  map.allowOnly(GENERATOR_KINDS);
  if (map.entries.length !== 1) {
    value.fail(
      `exactly one generator (${GENERATOR_KINDS.join(', ')})`,
      map.entries.length === 0 ? 'none' : map.entries.map((e) => e.key).join(' and '),
    );
  }
  const { key, value: paramsValue } = map.entries[0];
  const kind = key as GeneratorKind;
  const graph = runGenerator(kind, paramsValue, context);
  const parts = connectedComponents(graph.nodes, graph.links);
  if (parts.length > 1) {
    paramsValue.fail(
      'a connected graph',
      `${parts.length} separate parts (${parts[1][0]} cannot reach ${parts[0][0]})`,
    );
  }
  return { kind, graph };
}

function runGenerator(kind: GeneratorKind, value: Value, context: GenerateContext): Graph {
  const params = value.map(`the parameters of ${kind}`);
  try {
    switch (kind) {
      case 'line':
        return lineGraph(readCount(params, 'n', 1));
      case 'ring':
        return ringGraph(readCount(params, 'n', 3));
      case 'star':
        return starGraph(readCount(params, 'n', 1, MAX_GENERATED_NODES - 1));
      case 'grid':
        return readGrid(params);
      case 'random-geometric':
        return readRandomGeometric(params, context);
      case 'from-file':
        return readFromFile(params, context);
    }
  } catch (error) {
    if (error instanceof GeneratorError) value.fail(error.expected, error.found);
    throw error;
  }
}

function readCount(params: Mapping, key: string, min: number, max = MAX_GENERATED_NODES): number {
  params.allowOnly([key]);
  const expected = `an integer from ${min} to ${max}`;
  return params.require(key, `a map with ${key}`).integer(expected, min, max);
}

function readGrid(params: Mapping): Graph {
  params.allowOnly(['rows', 'cols']);
  const rows = params
    .require('rows', 'a map with rows and cols')
    .integer('an integer >= 1', 1, MAX_GENERATED_NODES);
  const colsValue = params.require('cols', 'a map with rows and cols');
  const cols = colsValue.integer('an integer >= 1', 1, MAX_GENERATED_NODES);
  if (rows * cols > MAX_GENERATED_NODES) {
    colsValue.fail(
      `rows x cols of at most ${MAX_GENERATED_NODES} nodes`,
      `${rows} x ${cols} = ${rows * cols}`,
    );
  }
  return gridGraph(rows, cols);
}

function readRandomGeometric(params: Mapping, context: GenerateContext): Graph {
  params.allowOnly(['n', 'radius', 'seed']);
  const expected = 'a map with n and radius (and seed, unless the file has one)';
  const n = params
    .require('n', expected)
    .integer(`an integer from 1 to ${MAX_GENERATED_NODES}`, 1, MAX_GENERATED_NODES);
  const radius = params
    .require('radius', expected)
    .number('a distance > 0 in units of the square side, like 0.2', (r) => r > 0 && r <= Math.SQRT2);
  const ownSeed = params.get('seed')?.integer('a seed: an integer >= 0');
  let seed: number;
  if (ownSeed !== undefined) seed = ownSeed;
  else if (context.fileSeed !== null) seed = deriveSeed(context.fileSeed, 'random-geometric');
  else return params.self.fail('a seed (here or at the top level) so every run draws the same graph', 'none');
  const { nodes, links } = randomGeometricGraph({ n, radius, seed });
  return { nodes, links };
}

function readFromFile(params: Mapping, context: GenerateContext): Graph {
  params.allowOnly(['path', 'lossFromTq']);
  const pathValue = params.require(
    'path',
    'a map with path (a meshnet-lab JSON graph, relative to this file)',
  );
  const relative = pathValue.string('a path to a meshnet-lab JSON graph, relative to this file');
  const lossFromTq = params.get('lossFromTq')?.boolean('true or false') ?? false;
  const absolute = path.resolve(context.baseDir, relative);
  if (!existsSync(absolute)) {
    pathValue.fail(
      'a meshnet-lab JSON graph file, relative to this file',
      `${JSON.stringify(relative)}, which does not exist (${absolute})`,
    );
  }
  return readGraphFile(absolute, displayPath(absolute), { lossFromTq });
}

// Graph errors name the file relative to the working directory, like the topology file the user typed.
function displayPath(absolute: string): string {
  return path.relative(process.cwd(), absolute) || absolute;
}
