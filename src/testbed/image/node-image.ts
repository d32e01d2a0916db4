// The node image: the base image plus the host's node binary and the vrrd/vrrctl bundle (images/node). Built
// with the engine's legacy builder from a tar context assembled here (FROM a local image needs no pull, and
// the legacy builder never tries), tagged by a hash of everything that goes in, so an existing tag means
// there is nothing to do and any change (a new bundle, another node, an edited Dockerfile) gives a new tag.

import { createHash } from 'node:crypto';
import {
  createReadStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { ProgressSink } from '../runtime/runtime.ts';
import { imageExists } from './base-image.ts';
import { bundleDaemon, DEFAULT_BUNDLE_DIR, REPO_ROOT } from '../../daemon/daemon-bundle.ts';
import { followEngineStream } from './engine-progress.ts';
import { contentTag, IMAGE_LABELS, NODE_REPO } from './image-names.ts';
import { tarDirectory } from './tar-directory.ts';

/** The image's sources in the repository (Dockerfile and the vrrd/vrrctl wrappers). */
export const NODE_IMAGE_DIR = join(REPO_ROOT, 'images/node');

/** The tag kept on the newest node image, for users (`docker run --rm -it vrr-lab/node`). */
export const NODE_LATEST = `${NODE_REPO}:latest`;

const WRAPPERS = ['vrrd', 'vrrctl'] as const;

/** Everything that decides the node image's content. */
export interface NodeImageInputs {
  /** The base image's tag (itself a content hash). */
  baseTag: string;
  /** Bundle.hash of the vrrd/vrrctl bundle. */
  bundleHash: string;
  /** Text of images/node/Dockerfile. */
  dockerfile: string;
  /** Text of each wrapper script, by name. */
  wrappers: Record<string, string>;
  /** Text of the repo's package.json (vrrd reports its version). */
  packageJson: string;
  /** SHA-256 of the node binary copied in. */
  nodeHash: string;
}

/** `vrr-lab/node:<hash of the inputs>`: pure, so tests can show that any changed input changes the tag. */
export function nodeImageTag(inputs: NodeImageInputs): string {
  const wrappers = Object.keys(inputs.wrappers)
    .sort()
    .map((name) => [name, inputs.wrappers[name]]);
  return `${NODE_REPO}:${contentTag({ ...inputs, wrappers })}`;
}

/** Options of ensureNodeImage(). */
export interface NodeImageOptions {
  /** The base image to build FROM (ensureBaseImage's tag). */
  baseTag: string;
  /** Where the bundle is written (default <repo>/dist). */
  bundleDir?: string;
  /** The node binary to carry (default the one running this process). */
  nodeBinary?: string;
}

/** Result of ensureNodeImage(). */
export interface NodeImageResult {
  tag: string;
  built: boolean;
}

/** Bundles vrrd, then builds the node image unless its tag exists already. */
export async function ensureNodeImage(
  docker: Docker,
  progress: ProgressSink,
  options: NodeImageOptions,
): Promise<NodeImageResult> {
  const nodeBinary = options.nodeBinary ?? process.execPath;
  const bundle = await bundleDaemon(options.bundleDir ?? DEFAULT_BUNDLE_DIR);
  const packageJsonPath = join(REPO_ROOT, 'package.json');
  const inputs: NodeImageInputs = {
    baseTag: options.baseTag,
    bundleHash: bundle.hash,
    dockerfile: readFileSync(join(NODE_IMAGE_DIR, 'Dockerfile'), 'utf8'),
    wrappers: Object.fromEntries(WRAPPERS.map((w) => [w, readFileSync(join(NODE_IMAGE_DIR, w), 'utf8')])),
    packageJson: readFileSync(packageJsonPath, 'utf8'),
    nodeHash: await fileHash(nodeBinary),
  };
  const tag = nodeImageTag(inputs);
  if (await imageExists(docker, tag)) return { tag, built: false };

  progress(`building node image ${tag} (${options.baseTag} + node ${process.version} + vrrd bundle)…`);
  const started = Date.now();
  const context = mkdtempSync(join(tmpdir(), 'vrr-node-context-'));
  try {
    // Links, archived as what they point to (tar --dereference): no 100 MB copy of node.
    writeFileSync(join(context, 'Dockerfile'), inputs.dockerfile);
    symlinkSync(nodeBinary, join(context, 'node'));
    symlinkSync(bundle.dir, join(context, 'dist'));
    symlinkSync(packageJsonPath, join(context, 'package.json'));
    for (const w of WRAPPERS) symlinkSync(join(NODE_IMAGE_DIR, w), join(context, w));
    const tar = tarDirectory(context, { dereference: true });
    const response = await docker.buildImage(tar.stream, {
      t: tag,
      buildargs: { BASE: options.baseTag },
      labels: { ...IMAGE_LABELS, 'vrr-lab.node.bundle': bundle.hash.slice(0, 16) },
      rm: true,
      forcerm: true,
    });
    await Promise.all([
      followEngineStream(docker, response, `building ${tag} from ${NODE_IMAGE_DIR}`),
      tar.done,
    ]);
    await docker.getImage(tag).tag({ repo: NODE_REPO, tag: 'latest' });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  progress(`node image ${tag} built in ${Math.round((Date.now() - started) / 1000)} s`);
  return { tag, built: true };
}

const hashes = new Map<string, { key: string; hash: string }>();

/** SHA-256 of a file, remembered per (path, size, mtime, inode): node is ~100 MB and rarely changes. */
async function fileHash(path: string): Promise<string> {
  const st = statSync(path);
  const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const known = hashes.get(path);
  if (known?.key === key) return known.hash;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const hex = hash.digest('hex');
  hashes.set(path, { key, hash: hex });
  return hex;
}
