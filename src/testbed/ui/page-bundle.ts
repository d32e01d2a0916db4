// The page's files: page/index.html, and page/main.ts with everything it imports (cytoscape included) and
// page/style.css bundled by esbuild into one script and one stylesheet. Built when `testbed ui` starts (about a
// second) and also written to build/ui/ (gitignored) for a look; the server serves them from memory.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Served files by URL path. */
export type PageAssets = Map<string, { type: string; body: Buffer }>;

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
/** Where the bundle is written (the repo's gitignored build/). */
export const PAGE_BUILD_DIR = fileURLToPath(new URL('../../../build/ui/', import.meta.url));

/** Bundles the page; resolves to the files to serve. */
export async function bundlePage(outDir: string | null = PAGE_BUILD_DIR): Promise<PageAssets> {
  const { build } = (await import('esbuild')) as typeof import('esbuild');
  const result = await build({
    entryPoints: { app: join(PAGE_DIR, 'main.ts'), style: join(PAGE_DIR, 'style.css') },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    outdir: '/',
    logLevel: 'silent',
    legalComments: 'none',
  });
  const file = (name: string): Buffer => {
    const out = result.outputFiles.find((f) => f.path === `/${name}`);
    if (!out) throw new Error(`page bundle: esbuild produced no ${name}`);
    return Buffer.from(out.contents);
  };
  const assets: PageAssets = new Map([
    ['/index.html', { type: 'text/html; charset=utf-8', body: readFileSync(join(PAGE_DIR, 'index.html')) }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: file('app.js') }],
    ['/app.css', { type: 'text/css; charset=utf-8', body: file('style.css') }],
  ]);
  if (outDir !== null) {
    mkdirSync(outDir, { recursive: true });
    for (const [path, asset] of assets) writeFileSync(join(outDir, path.slice(1)), asset.body);
  }
  return assets;
}
