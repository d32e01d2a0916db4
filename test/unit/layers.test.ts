// The architecture as rules the suite enforces (docs/architecture.md, "Layers"): which top-level folder of src/
// may import which, the sans-I/O core, file sizes, and a repository that stands alone. Each failure names the
// file, the line and the import (or the text) that breaks the rule.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bottom up: each layer may import only the layers named here (and itself). sim, daemon and ctl are siblings
 * that never import each other; testbed, the controller, sits on top of everything.
 */
const ALLOWED: Record<string, readonly string[]> = {
  vrr: [],
  topology: ['vrr'],
  control: ['vrr', 'topology'],
  checks: ['vrr', 'topology', 'control'],
  sim: ['vrr', 'topology', 'checks'],
  daemon: ['vrr', 'topology', 'control'],
  ctl: ['vrr', 'topology', 'control'],
  testbed: ['vrr', 'topology', 'control', 'checks', 'sim', 'daemon', 'ctl'],
};

const MAX_LINES = 600;
const MAX_NODE_LINES = 400;

interface SourceImport {
  file: string;
  line: number;
  specifier: string;
}

/** Every .ts/.mts/.cjs file below dir (relative to the repo), skipping build output and node_modules. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(repoRoot, rel))) {
      if (name === 'node_modules' || name === 'build' || name === 'dist') continue;
      const child = path.join(rel, name);
      if (statSync(path.join(repoRoot, child)).isDirectory()) walk(child);
      else if (/\.(ts|mts|cts|cjs|mjs)$/.test(name)) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

// Static imports and re-exports (`import x from`, `import type`, `export * from`, bare `import '...'`) and
// dynamic `import('...')`, one match per specifier.
const IMPORT_PATTERN =
  /(?:^|[\s;])(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function importsOf(file: string): SourceImport[] {
  const text = readFileSync(path.join(repoRoot, file), 'utf8');
  const found: SourceImport[] = [];
  for (const m of text.matchAll(IMPORT_PATTERN)) {
    const specifier = m[1] ?? m[2] ?? m[3];
    const line = text.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0);
    found.push({ file, line, specifier });
  }
  return found;
}

/** The top-level folder of src/ that a relative specifier in `file` lands in, or null when it leaves src/. */
function layerOf(fromFile: string, specifier: string): string | null {
  const target = path.normalize(path.join(path.dirname(fromFile), specifier));
  const parts = target.split(path.sep);
  return parts[0] === 'src' ? parts[1] : null;
}

describe('architecture', () => {
  const srcFiles = sourceFiles('src');

  it('every folder of src/ is a known layer', () => {
    const layers = new Set(srcFiles.map((f) => f.split(path.sep)[1]));
    for (const layer of layers) {
      assert.ok(layer in ALLOWED, `src/${layer}: not a layer of ALLOWED in this test; add it with its place`);
    }
  });

  it('nothing imports upward or sideways across the layers', () => {
    const problems: string[] = [];
    for (const file of srcFiles) {
      const layer = file.split(path.sep)[1];
      for (const imp of importsOf(file)) {
        if (!imp.specifier.startsWith('.')) continue;
        const target = layerOf(file, imp.specifier);
        if (target === null) {
          problems.push(`${file}:${imp.line}: imports ${imp.specifier}, outside src/`);
        } else if (target !== layer && !ALLOWED[layer]?.includes(target)) {
          problems.push(
            `${file}:${imp.line}: ${layer} imports ${target} (${imp.specifier}); ${layer} may import only ` +
              `[${ALLOWED[layer]?.join(', ')}]`,
          );
        }
      }
    }
    assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
  });

  it('the core touches no I/O, no clock and no Math.random', () => {
    const problems: string[] = [];
    const forbidden =
      /\b(Math\.random|Date\.now|new Date\(|performance\.now|setTimeout|setInterval|setImmediate|process\.)/;
    for (const file of srcFiles.filter((f) => f.startsWith(path.join('src', 'vrr')))) {
      for (const imp of importsOf(file)) {
        // node:crypto only hashes (DHT keys, integrity tags): pure functions of their input, no I/O.
        if (!imp.specifier.startsWith('.') && imp.specifier !== 'node:crypto') {
          problems.push(`${file}:${imp.line}: imports ${imp.specifier}`);
        }
      }
      readFileSync(path.join(repoRoot, file), 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const code = text.replace(/\/\/.*$/, '');
          if (!/^\s*\*/.test(code) && forbidden.test(code)) problems.push(`${file}:${i + 1}: ${text.trim()}`);
        });
    }
    assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
  });

  it(`no source file is over ${MAX_LINES} lines, node.ts under ${MAX_NODE_LINES}`, () => {
    const problems: string[] = [];
    for (const file of srcFiles) {
      const lines = readFileSync(path.join(repoRoot, file), 'utf8').split('\n').length;
      const max = file === path.join('src', 'vrr', 'node.ts') ? MAX_NODE_LINES : MAX_LINES;
      if (lines > max) problems.push(`${file}: ${lines} lines, expected at most ${max}`);
    }
    assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
  });

  it('benches import no test code', () => {
    const problems = sourceFiles('bench').flatMap((file) =>
      importsOf(file)
        .filter(
          (imp) =>
            imp.specifier.startsWith('.') &&
            /(^|\/)test\//.test(path.join(path.dirname(file), imp.specifier)),
        )
        .map((imp) => `${file}:${imp.line}: imports ${imp.specifier}`),
    );
    assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
  });

  it('the repository stands alone: nothing points at documents outside the checkout', () => {
    const outside = /\.\.\/shared\b|\bshared\/(docs|data|seed)\b|protocol-notes|wire-format\.md/;
    const roots = ['src', 'docs', 'topologies', 'bench', 'README.md'];
    const problems: string[] = [];
    const check = (file: string): void => {
      readFileSync(path.join(repoRoot, file), 'utf8')
        .split('\n')
        .forEach((text, i) => {
          if (outside.test(text)) problems.push(`${file}:${i + 1}: ${text.trim()}`);
        });
    };
    for (const root of roots) {
      if (root.endsWith('.md')) {
        check(root);
        continue;
      }
      const walk = (rel: string): void => {
        for (const name of readdirSync(path.join(repoRoot, rel))) {
          if (name === 'node_modules' || name === 'build' || name === 'dist') continue;
          const child = path.join(rel, name);
          if (statSync(path.join(repoRoot, child)).isDirectory()) walk(child);
          else if (/\.(ts|mts|cjs|md|yaml|yml|json|lua|cc|h)$/.test(name)) check(child);
        }
      };
      walk(root);
    }
    assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
  });
});
