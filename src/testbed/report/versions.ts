// The versions a real-lab report records: vrr-lab's (package.json), Node's, and the container engine's.

import { readFileSync } from 'node:fs';

/** vrr-lab's version from the repository's package.json. */
export function vrrLabVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

/** The versions block of a real-lab report (engine: e.g. the docker server version, when there is one). */
export function labVersions(engine?: string): { 'vrr-lab': string; node: string; engine?: string } {
  return { 'vrr-lab': vrrLabVersion(), node: process.version, ...(engine !== undefined ? { engine } : {}) };
}
