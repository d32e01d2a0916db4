// The Debian mirror the base image is bootstrapped from: whatever this machine's apt already uses, read from
// its sources at run time (deb822 `*.sources` first, then one-line `*.list` files), so the project never names
// a mirror itself and works wherever apt works (a local mirror, a proxy, a snapshot archive).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where apt keeps its sources (a parameter so tests can point elsewhere). */
export interface AptSourcePaths {
  /** The one-line file, default /etc/apt/sources.list. */
  list: string;
  /** The directory of `*.sources` and `*.list` files, default /etc/apt/sources.list.d. */
  dir: string;
}

/** apt's own locations. */
export const APT_SOURCE_PATHS: AptSourcePaths = {
  list: '/etc/apt/sources.list',
  dir: '/etc/apt/sources.list.d',
};

/** One binary-package source: a mirror URI serving a suite. */
export interface AptSource {
  uri: string;
  suites: string[];
  /** The file it was read from, for error messages. */
  file: string;
}

/** The mirror URI serving `suite` (binary packages, main), or throws naming every file looked at. */
export function debianMirror(suite: string, paths: AptSourcePaths = APT_SOURCE_PATHS): string {
  const sources = readAptSources(paths);
  const usable = sources.filter((s) => s.suites.includes(suite) && /^(https?|file):/.test(s.uri));
  if (usable.length > 0) return usable[0].uri.replace(/\/+$/, '');
  const seen = sources.map((s) => `${s.uri} (${s.suites.join(' ')}) in ${s.file}`);
  throw new Error(
    `no apt source serves the Debian suite ${suite} over http(s) or file: (needed to bootstrap the base ` +
      `image); looked in ${paths.dir}/*.sources, ${paths.dir}/*.list and ${paths.list}` +
      (seen.length > 0 ? `, found only: ${seen.join('; ')}` : ', found no deb source at all'),
  );
}

/** Every enabled `deb` source of the machine, deb822 files first (the Debian 12 default). */
export function readAptSources(paths: AptSourcePaths = APT_SOURCE_PATHS): AptSource[] {
  const files = existsSync(paths.dir) ? readdirSync(paths.dir).sort() : [];
  const out: AptSource[] = [];
  for (const name of files.filter((f) => f.endsWith('.sources'))) {
    const file = join(paths.dir, name);
    out.push(...parseDeb822(readFileSync(file, 'utf8'), file));
  }
  const lists = [paths.list, ...files.filter((f) => f.endsWith('.list')).map((f) => join(paths.dir, f))];
  for (const file of lists.filter((f) => existsSync(f))) {
    out.push(...parseOneLine(readFileSync(file, 'utf8'), file));
  }
  return out;
}

/** Stanzas of a deb822 `.sources` file (Types, URIs, Suites; `Enabled: no` skipped). */
export function parseDeb822(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  const stanzas = text.split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    let last: string | null = null;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^\s/.test(line) && last !== null) {
        // A continuation line (multi-line fields such as Signed-By).
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      fields.set(last, line.slice(colon + 1).trim());
    }
    const words = (key: string): string[] => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb')) continue;
    if ((fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
    for (const uri of words('uris')) out.push({ uri, suites: words('suites'), file });
  }
  return out;
}

/** `deb [options] uri suite component...` lines of a one-line `.list` file. */
export function parseOneLine(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    // Drop the optional [arch=... signed-by=...] block before splitting on blanks.
    const words = line
      .slice(3)
      .replace(/\[[^\]]*\]/, ' ')
      .trim()
      .split(/\s+/);
    if (words.length < 2) continue;
    out.push({ uri: words[0], suites: [words[1]], file });
  }
  return out;
}
