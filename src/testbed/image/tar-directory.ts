// A directory as a tar stream, for the engine (a rootfs to import, a build context). GNU tar (essential on
// Debian, so always there) rather than an npm tar package: it keeps ownership, modes, device nodes and
// hard links of a debootstrapped rootfs exactly, and follows symlinks on request (a build context of links
// to the node binary and the bundle costs no copy).

import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** A running tar: its output, and a promise that settles when tar has exited (rejects on failure). */
export interface TarStream {
  stream: Readable;
  done: Promise<void>;
}

/** Options of tarDirectory(). */
export interface TarOptions {
  /** Archive what symlinks point to instead of the links (build contexts). */
  dereference?: boolean;
  /** Never descend into another filesystem (a rootfs with a mount left inside it). */
  oneFileSystem?: boolean;
}

/** Streams `dir`'s contents (paths relative to it, numeric owners) as an uncompressed tar. */
export function tarDirectory(dir: string, options: TarOptions = {}): TarStream {
  const args = ['--numeric-owner', '-C', dir, '-cf', '-'];
  if (options.dereference) args.unshift('--dereference');
  if (options.oneFileSystem) args.unshift('--one-file-system');
  const child = spawn('tar', [...args, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 4096) stderr += chunk;
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run tar on ${dir}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`tar of ${dir} failed (exit ${code ?? signal}): ${stderr.trim()}`));
    });
  });
  return { stream: child.stdout, done };
}
