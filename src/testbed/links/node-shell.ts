// Running host tools (ip, tc, sysctl) inside a node's network namespace, through the NodeHandle's nsenter
// prefix: the same code for a named namespace and a container. Failures name the node and the command.

import { execa } from 'execa';
import type { NodeHandle } from '../runtime/runtime.ts';

/** Runs argv in node's network namespace; resolves to stdout, rejects naming the node, command and stderr. */
export async function inNode(node: NodeHandle, argv: string[], input?: string): Promise<string> {
  const [cmd, ...args] = [...node.nsenter, ...argv];
  const r = await execa(cmd, args, { reject: false, input, timeout: 60_000 });
  if (r.failed) {
    const why = String(r.stderr).trim() || r.shortMessage;
    throw new Error(`node ${node.name}: ${argv.join(' ')} failed: ${why}`);
  }
  return String(r.stdout);
}

/** Like inNode but never rejects: the exit code and stderr come back. */
export async function tryInNode(
  node: NodeHandle,
  argv: string[],
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const [cmd, ...args] = [...node.nsenter, ...argv];
  const r = await execa(cmd, args, { reject: false, timeout: 60_000 });
  return { ok: !r.failed, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Runs `ip -batch -` in the node with one command per line (one process for many changes). */
export async function ipBatch(node: NodeHandle, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  await inNode(node, ['ip', '-batch', '-'], `${lines.join('\n')}\n`);
}
