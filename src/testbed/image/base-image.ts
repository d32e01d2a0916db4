// The base image, built offline: no registry is reachable from these machines, so nothing can be pulled.
// debootstrap installs a minimal Debian from the mirror apt already uses into a temporary directory, the
// rootfs is streamed into the engine as an image (`docker import`), and the directory is removed whatever
// happens. It carries only what a lab node needs besides node and vrrd (which the node image adds): iproute2,
// ping, iperf 2 and 3, nftables, tcpdump, procps. Signals and reaping are docker's --init (tini), so no init
// package. Tagged by a hash of the recipe, so it is built once per machine and rebuilt when the recipe changes.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { ProgressSink } from '../runtime/runtime.ts';
import { debianMirror } from './apt-mirror.ts';
import { followEngineStream } from './engine-progress.ts';
import { BASE_REPO, contentTag, IMAGE_LABELS } from './image-names.ts';
import { tarDirectory } from './tar-directory.ts';

/** The Debian suite of the base image (the host's: the host's node binary runs on its glibc). */
export const BASE_SUITE = 'bookworm';

/** Packages installed on top of debootstrap's minbase (what checks and users run inside a node). */
export const BASE_PACKAGES = ['iproute2', 'iputils-ping', 'iperf', 'iperf3', 'nftables', 'tcpdump', 'procps'];

/** Removed from the rootfs before import: apt caches and lists (re-fetched by apt-get update), docs. */
const STRIPPED = ['var/cache/apt', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info'];

/** Bumped when the way the rootfs is made changes in a way the package list does not show. */
const RECIPE_VERSION = 1;

/** Image config applied at import (an imported rootfs has none). */
const IMPORT_CHANGES = [
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'CMD ["/bin/bash"]',
  ...Object.entries(IMAGE_LABELS).map(([k, v]) => `LABEL ${k}=${v}`),
  `LABEL vrr-lab.base.suite=${BASE_SUITE}`,
];

/** Prefix of the temporary rootfs directories (with the builder's pid, so stale ones can be told apart). */
const WORK_PREFIX = 'vrr-base-';

/** What decides the base image's content. */
export interface BaseRecipe {
  suite: string;
  packages: string[];
}

/** The recipe used unless told otherwise. */
export const DEFAULT_BASE_RECIPE: BaseRecipe = { suite: BASE_SUITE, packages: BASE_PACKAGES };

/** `vrr-lab/base:<hash of the recipe>` (the mirror is not part of it: any mirror serves the same suite). */
export function baseImageTag(recipe: BaseRecipe = DEFAULT_BASE_RECIPE): string {
  const inputs = {
    recipe: RECIPE_VERSION,
    variant: 'minbase',
    suite: recipe.suite,
    packages: [...recipe.packages].sort(),
    stripped: STRIPPED,
    changes: IMPORT_CHANGES,
  };
  return `${BASE_REPO}:${contentTag(inputs)}`;
}

/** Options of ensureBaseImage(). */
export interface BaseImageOptions {
  recipe?: BaseRecipe;
  /** Mirror URI (default: the one apt uses for the suite, read from the apt sources). */
  mirror?: string;
  /** Where the temporary rootfs goes (default the OS temp dir; needs ~250 MB, on a filesystem allowing devices). */
  workDir?: string;
}

/** Result of ensureBaseImage(). */
export interface BaseImageResult {
  tag: string;
  built: boolean;
}

/** Makes the base image exist: nothing to do when its tag is in the engine, else debootstrap + import. */
export async function ensureBaseImage(
  docker: Docker,
  progress: ProgressSink,
  options: BaseImageOptions = {},
): Promise<BaseImageResult> {
  const recipe = options.recipe ?? DEFAULT_BASE_RECIPE;
  const tag = baseImageTag(recipe);
  if (await imageExists(docker, tag)) return { tag, built: false };

  if (!existsSync('/usr/sbin/debootstrap')) {
    throw new Error(
      `the base image ${tag} is missing and cannot be built: /usr/sbin/debootstrap not found ` +
        `(apt-get install debootstrap)`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`the base image ${tag} is missing and cannot be built: debootstrap needs root`);
  }
  const mirror = options.mirror ?? debianMirror(recipe.suite);
  const workDir = options.workDir ?? tmpdir();
  removeStaleWorkDirs(workDir);
  const work = mkdtempSync(join(workDir, `${WORK_PREFIX}${process.pid}-`));
  const rootfs = join(work, 'rootfs');
  const started = Date.now();
  try {
    progress(`building base image ${tag} with debootstrap from ${mirror} (about 60 s, once)…`);
    await debootstrap(recipe, rootfs, mirror);
    for (const path of STRIPPED) rmSync(join(rootfs, path), { recursive: true, force: true });
    progress(`importing the ${recipe.suite} rootfs into the engine as ${tag}…`);
    await importRootfs(docker, rootfs, tag);
    progress(`base image ${tag} built in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    removeWorkDir(work);
  }
  return { tag, built: true };
}

/** True when the engine has an image of that name:tag. */
export async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

async function debootstrap(recipe: BaseRecipe, rootfs: string, mirror: string): Promise<void> {
  const args = ['--variant=minbase', `--include=${recipe.packages.join(',')}`, recipe.suite, rootfs, mirror];
  const child = spawn('/usr/sbin/debootstrap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Keep the tail only: a failing run says why in its last lines (or in debootstrap.log inside the target).
  const tail: string[] = [];
  const keep = (chunk: Buffer): void => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 15));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | string>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run debootstrap: ${error.message}`)));
    child.once('close', (c, signal) => resolve(c ?? String(signal)));
  });
  if (code === 0) return;
  const log = join(rootfs, 'debootstrap/debootstrap.log');
  const logTail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n  ') : '';
  throw new Error(
    `debootstrap ${args.join(' ')} failed (exit ${code}); expected a ${recipe.suite} rootfs in ${rootfs}:\n  ` +
      `${tail.join('\n  ')}${logTail ? `\n  debootstrap.log:\n  ${logTail}` : ''}`,
  );
}

async function importRootfs(docker: Docker, rootfs: string, tag: string): Promise<void> {
  const [repo, version] = tag.split(':');
  const tar = tarDirectory(rootfs, { oneFileSystem: true });
  const response = await docker.importImage(tar.stream, { repo, tag: version, changes: IMPORT_CHANGES });
  // Both must finish: a tar failure would otherwise import a truncated rootfs that looks fine.
  await Promise.all([followEngineStream(docker, response, `docker import of ${rootfs} as ${tag}`), tar.done]);
}

/** Unmounts whatever debootstrap left mounted inside (it mounts proc and sys), then removes the tree. */
function removeWorkDir(work: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((point): point is string => point !== undefined && point.startsWith(`${work}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) {
    // Lazy: a busy mount must never stop the cleanup; rm then sees an empty directory.
    spawnSync('umount', ['-l', point], { stdio: 'ignore' });
  }
  if (stillMounted(work)) {
    throw new Error(`cannot remove ${work}: something is still mounted inside it (see /proc/self/mounts)`);
  }
  rmSync(work, { recursive: true, force: true });
}

function stillMounted(work: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => (line.split(' ')[1] ?? '').startsWith(`${work}/`));
}

/** Removes rootfs directories of builders that died before their cleanup (killed by a signal). */
function removeStaleWorkDirs(workDir: string): void {
  for (const name of readdirSync(workDir)) {
    const match = new RegExp(`^${WORK_PREFIX}(\\d+)-`).exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    try {
      removeWorkDir(join(workDir, name));
    } catch {
      // Left for the next run; never a reason to fail this build.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
