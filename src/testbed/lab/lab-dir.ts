// Where a lab's files live on the host: one directory per lab under the state root, holding lab.json (the
// plan and what was created), sockets/ (every vrrd's control socket), logs/ (every vrrd's log) and captures/.
// The directory is bind-mounted at the same path into containers, so paths are the same inside and out.

import { join } from 'node:path';

/** The state root: $VRR_TESTBED_DIR, else /run/vrr-testbed (tmpfs: a reboot forgets labs, as it kills them). */
export function stateRoot(): string {
  return process.env.VRR_TESTBED_DIR || '/run/vrr-testbed';
}

/** The directory of every lab. */
export function labsRoot(): string {
  return join(stateRoot(), 'labs');
}

/** The directory of one lab. */
export function labDir(lab: string): string {
  return join(labsRoot(), lab);
}

/** The paths inside a lab directory. */
export const labPaths = {
  state: (dir: string): string => join(dir, 'lab.json'),
  sockets: (dir: string): string => join(dir, 'sockets'),
  socket: (dir: string, node: string): string => join(dir, 'sockets', `${node}.sock`),
  logs: (dir: string): string => join(dir, 'logs'),
  log: (dir: string, node: string): string => join(dir, 'logs', `${node}.log`),
  captures: (dir: string): string => join(dir, 'captures'),
};
