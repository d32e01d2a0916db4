// What the lab half of a check may do to a real lab: run a command in a node (ping, ip), start one (a stream
// sender or receiver), ask a node's vrrd over its control socket, know the nodes' addresses and which links are
// up. src/testbed implements it over its lab (src/testbed/verify/lab-probe.ts); tests hand a fake. Checks never
// create or remove anything, so they can run against a lab that someone else brought up.

import type { ChildProcess } from 'node:child_process';
import type { NodeProtocol } from '../topology/types.ts';

/** What a command run in a node gave back. */
export interface ProbeExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Options of LabProbe.exec. */
export interface ProbeExecOptions {
  /** Kill the command after this long; the result then has exitCode 124. */
  timeoutMs?: number;
}

/** A node of the lab as checks see it: the addresses the plan gave it. */
export interface ProbeNode {
  /** The node's 48-bit VRR address, as text (02:00:...). */
  address: string;
  /** Overlay IPv4 and IPv6 addresses, without prefix length. */
  ipv4: string;
  ipv6: string;
  /** The node's configured r (vset size). */
  vsetSize: number;
  /** The routing daemon it runs; absent means vrrd. */
  protocol?: NodeProtocol;
}

/** A lab that is up, as the checks' lab halves see it. */
export interface LabProbe {
  /** Argv prefix that runs Node.js inside a node (for small helper scripts passed with -e). */
  readonly nodeCommand: readonly string[];
  /** Nodes whose vrrd is meant to run (not killed by a fault step), in topology order. */
  aliveNodes(): string[];
  /** Physical links that are up, by node names (neither end down, not cut by a partition). */
  upLinks(): (readonly [string, string])[];
  /** The planned addresses of a node; throws naming the lab's nodes when there is no such node. */
  node(name: string): ProbeNode;
  /** Runs argv inside node: never throws for a non-zero exit. */
  exec(node: string, argv: string[], options?: ProbeExecOptions): Promise<ProbeExecResult>;
  /** Starts argv inside node and hands back the process. */
  spawn(node: string, argv: string[]): ChildProcess;
  /** One control-socket request to node's vrrd; rejects with the daemon's error. */
  ctl<T = unknown>(node: string, verb: string, args?: Record<string, unknown>): Promise<T>;
  /** Wall-clock ms (injected so tests can fake time). */
  now(): number;
  /** Waits ms of wall-clock time. */
  sleep(ms: number): Promise<void>;
}

/**
 * The probe seen through the nodes that run one of protocols: aliveNodes and upLinks leave the others out, so a
 * check that asks vrrd (the ring, the DHT) judges the vrrd nodes of a lab that also has babeld nodes.
 */
export function restrictProbe(probe: LabProbe, protocols: readonly NodeProtocol[]): LabProbe {
  const keep = (node: string): boolean => protocols.includes(probe.node(node).protocol ?? 'vrrd');
  return {
    ...probe,
    aliveNodes: () => probe.aliveNodes().filter(keep),
    upLinks: () => probe.upLinks().filter(([a, b]) => keep(a) && keep(b)),
  };
}
