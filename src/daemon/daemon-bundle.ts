// The runnable vrrd and vrrctl that lab nodes execute: each bundled by esbuild (tsx's own dependency) into one
// .mjs that plain `node` runs, without the tsx loader (which alone costs ~35 MB of RSS per daemon: a 100-node
// lab would spend 3.5 GB on it). Layout, relative to the bundle directory, chosen so the sources' own relative
// lookups keep working unchanged:
//   daemon/vrrd.mjs                          (src/daemon/vrrd.ts)
//   daemon/build/Release/vrr_link_io.node    (binding.ts loads ./build/Release/... beside itself)
//   ctl/vrrctl.mjs                           (src/ctl/vrrctl.ts)
//   ../package.json                          (daemon.ts reads ../../package.json for its version)
// The netns runtime runs <repo>/dist directly; the node image copies the same tree to /opt/vrr.

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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
      const out = await build({
        entryPoints: [join(REPO_ROOT, entry.source)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20', // the host's node, which the node image carries too
        outfile: join(staging, entry.out),
        logLevel: 'error',
        write: false,
        // Bundled CommonJS dependencies call require(): give the ES module one.
        banner: {
          js: "import { createRequire as __vrrCreateRequire } from 'node:module'; const require = __vrrCreateRequire(import.meta.url);",
        },
      });
      for (const file of out.outputFiles) {
        mkdirSync(dirname(file.path), { recursive: true });
        writeFileSync(file.path, asciiSource(file.text));
      }
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

/**
 * The bundle with every non-ASCII UTF-16 unit written as a \u escape. V8 keeps a script's source for as long as
 * the script lives (functions are compiled lazily from it), and one character beyond Latin-1 anywhere in it, even
 * in a comment, makes the whole source a two-byte string: 1.5 MB of every daemon's private heap instead of
 * 0.75 MB. esbuild already escapes strings, regular expressions, templates and identifiers (its default ASCII
 * charset) but copies the comments it keeps as they are: what is left is comment text, where an escape is as good.
 */
export function asciiSource(text: string): string {
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
