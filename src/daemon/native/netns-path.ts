// Naming a network namespace for the addon: a name as `ip netns` knows it (its file is /run/netns/<name>) or an
// absolute path of a namespace file (/proc/<pid>/ns/net for a container's). Checked here so that a typo fails
// with a message rather than opening some other file.

/** Where `ip netns add` puts its namespace files. */
export const NETNS_RUN_DIR = '/run/netns';

/** The namespace file of spec ('' for undefined or '': the current namespace). */
export function netnsPath(spec: string | undefined): string {
  if (spec === undefined || spec === '') return '';
  if (spec.startsWith('/')) {
    if (spec.includes('\0') || /(^|\/)\.\.(\/|$)/.test(spec)) {
      throw new RangeError(
        `netns: expected a namespace file path without "..", found ${JSON.stringify(spec)}`,
      );
    }
    return spec;
  }
  if (!/^[A-Za-z0-9_.-]{1,255}$/.test(spec) || spec === '.' || spec === '..') {
    throw new RangeError(
      `netns: expected a namespace name (letters, digits, '.', '_', '-') or an absolute path, found ${JSON.stringify(spec)}`,
    );
  }
  return `${NETNS_RUN_DIR}/${spec}`;
}

/**
 * The argv prefix that runs a host command such as `ip` inside the namespace: `ip -n NAME` takes only names
 * under /run/netns, nsenter takes any namespace file. Empty for the current namespace.
 */
export function netnsCommandPrefix(spec: string | undefined): string[] {
  const path = netnsPath(spec);
  return path === '' ? [] : ['nsenter', `--net=${path}`, '--'];
}
