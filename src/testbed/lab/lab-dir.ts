// Where a lab's files live on the host: one directory per lab under the state root, holding lab.json (the
// plan and what was created; root's alone, never shown to a node) and nodes/<node>/ (that node's vrrd control
// socket and log, or a babeld node's config, pid, state and log). A docker node mounts its own nodes/<node>/ at the same path and nothing else, so paths are
// the same inside and out, and no node reaches lab.json or another node's socket.
//
// Every path is built from a checked lab name and node name (lab-name.ts, topology/names.ts): no argument can
// make a path leave the state root.

import { join } from 'node:path';
import { isValidNodeName, NODE_NAME_RULE } from '../../topology/names.ts';
import { checkLabName } from './lab-name.ts';

/** The state root: $VRR_TESTBED_DIR, else /run/vrr-testbed (tmpfs: a reboot forgets labs, as it kills them). */
export function stateRoot(): string {
  return process.env.VRR_TESTBED_DIR || '/run/vrr-testbed';
}

/** The directory of every lab. */
export function labsRoot(): string {
  return join(stateRoot(), 'labs');
}

/** The directory of one lab; throws (LabNameError) for a name that is not a lab name. */
export function labDir(lab: string): string {
  return join(labsRoot(), checkLabName(lab, 'lab directory'));
}

/** The lock file a running `up` holds (beside the lab's directory, which its cleanup may remove). */
export function upLockFile(lab: string): string {
  return join(labsRoot(), `${checkLabName(lab, 'lab lock')}.lock`);
}

function nodePart(node: string): string {
  if (!isValidNodeName(node)) {
    throw new Error(`node directory: expected ${NODE_NAME_RULE}, found ${JSON.stringify(node)}`);
  }
  return node;
}

/** The paths inside a lab directory. */
export const labPaths = {
  state: (dir: string): string => join(dir, 'lab.json'),
  nodes: (dir: string): string => join(dir, 'nodes'),
  /** What a docker node mounts: its socket and log, nothing else of the lab. */
  node: (dir: string, node: string): string => join(dir, 'nodes', nodePart(node)),
  socket: (dir: string, node: string): string => join(dir, 'nodes', nodePart(node), 'vrrd.sock'),
  log: (dir: string, node: string): string => join(dir, 'nodes', nodePart(node), 'vrrd.log'),
  /** A keyed node's network key (mode 0600), in the directory only that node mounts. */
  key: (dir: string, node: string): string => join(dir, 'nodes', nodePart(node), 'network.key'),
  /** A babeld node's files (lab/babeld.ts): config, pid file, state file and log. */
  babeldConf: (dir: string, node: string): string => join(dir, 'nodes', nodePart(node), 'babeld.conf'),
  babeldPid: (dir: string, node: string): string => join(dir, 'nodes', nodePart(node), 'babeld.pid'),
  babeldState: (dir: string, node: string): string => join(dir, 'nodes', nodePart(node), 'babeld.state'),
  babeldLog: (dir: string, node: string): string => join(dir, 'nodes', nodePart(node), 'babeld.log'),
};
