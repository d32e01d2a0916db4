// The runnable vrrd and vrrctl that lab nodes execute: each bundled by esbuild (tsx's own dependency) into one
// .mjs that plain `node` runs, without the tsx loader (which alone costs ~35 MB of RSS per daemon: a 100-node
// lab would spend 3.5 GB on it). Layout, relative to the bundle directory, chosen so the sources' own relative
// lookups keep working unchanged:
//   daemon/vrrd.mjs                          (src/daemon/vrrd.ts)
//   daemon/build/Release/vrr_link_io.node    (binding.ts loads ./build/Release/... beside itself)
//   ctl/vrrctl.mjs                           (src/ctl/vrrctl.ts)
//   ../package.json                          (daemon.ts reads ../../package.json for its version)
// The netns runtime runs <repo>/dist directly; the node image copies the same tree to /opt/vrr.

import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bundle inputs are found from here). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `bundleDaemon()` writes by default. */
export const DEFAULT_BUNDLE_DIR = join(REPO_ROOT, 'dist');

/** The addon as npm install builds it. */
export const ADDON_BUILD = join(REPO_ROOT, 'src/daemon/native/build/Release/vrr_link_io.node');

/** What a bundle is made of, and where. */
export interface Bundle {
  dir: string;
  vrrd: string;
  vrrctl: string;
  addon: string;
  /** SHA-256 (hex) of the three files: the node image is rebuilt when it changes. */
  hash: string;
}

const ENTRIES = [
  { source: 'src/daemon/vrrd.ts', out: 'daemon/vrrd.mjs' },
  { source: 'src/ctl/vrrctl.ts', out: 'ctl/vrrctl.mjs' },
] as const;

/**
 * Bundles vrrd and vrrctl into dir (default <repo>/dist) with the addon beside vrrd. Written into a fresh
 * directory and renamed into place, so a lab starting at the same moment never runs half a bundle.
 */
export async function bundleDaemon(dir: string = DEFAULT_BUNDLE_DIR): Promise<Bundle> {
  if (!existsSync(ADDON_BUILD)) {
    throw new Error(
      `the link I/O addon ${ADDON_BUILD} is not built (run npm install or npm run build:native)`,
    );
  }
  const { build } = (await import('esbuild')) as typeof import('esbuild');
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const entry of ENTRIES) {
      await build({
        entryPoints: [join(REPO_ROOT, entry.source)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20', // the host's node, which the node image carries too
        outfile: join(staging, entry.out),
        logLevel: 'error',
        // Bundled CommonJS dependencies call require(): give the ES module one.
        banner: {
          js: "import { createRequire as __vrrCreateRequire } from 'node:module'; const require = __vrrCreateRequire(import.meta.url);",
        },
      });
    }
    const addon = join(staging, 'daemon/build/Release/vrr_link_io.node');
    mkdirSync(dirname(addon), { recursive: true });
    copyFileSync(ADDON_BUILD, addon);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`bundling vrrd failed: ${(error as Error).message}`, { cause: error });
  }
  const files = {
    vrrd: join(dir, 'daemon/vrrd.mjs'),
    vrrctl: join(dir, 'ctl/vrrctl.mjs'),
    addon: join(dir, 'daemon/build/Release/vrr_link_io.node'),
  };
  const hash = createHash('sha256');
  for (const file of Object.values(files)) hash.update(readFileSync(file));
  return { dir, ...files, hash: hash.digest('hex') };
}
