// Link impairments: `tc netem` on the sending end's interface where the kernel has sch_netem, otherwise
// vrrd's own link emulation on that interface (every frame on a lab link is a VRR frame sent by vrrd, so
// emulating there is faithful, and it is seeded, so runs are reproducible). Which one shapes a lab is decided
// once at `up` by trying netem on a real link, stated per link in the summary, lab.json and the report.
// $VRR_TESTBED_SHAPING=emulation forces the fallback (to test it on a host that has netem).

import { formatEmulation, isUnimpaired } from '../../topology/emulation-spec.ts';
import type { LinkParams } from '../../topology/types.ts';
import type { ShapedBy } from '../lab/lab-state.ts';
import type { NodeHandle } from '../runtime/runtime.ts';
import { tryInNode } from './node-shell.ts';

/** The two ways a lab's links can be shaped. */
export type ShapingMechanism = 'netem' | 'vrrd-emulation';

/** What detectShaping found. */
export interface ShapingChoice {
  mechanism: ShapingMechanism;
  /** Why (shown in the `up` summary). */
  reason: string;
}

/** Tries netem on one interface of one node (then removes it); falls back to vrrd's emulation. */
export async function detectShaping(node: NodeHandle, ifname: string): Promise<ShapingChoice> {
  const forced = process.env.VRR_TESTBED_SHAPING;
  if (forced === 'emulation') {
    return { mechanism: 'vrrd-emulation', reason: 'VRR_TESTBED_SHAPING=emulation' };
  }
  const probe = await tryInNode(node, [
    'tc',
    'qdisc',
    'replace',
    'dev',
    ifname,
    'root',
    'netem',
    'delay',
    '1ms',
  ]);
  if (probe.ok) {
    await tryInNode(node, ['tc', 'qdisc', 'del', 'dev', ifname, 'root']);
    return { mechanism: 'netem', reason: 'the kernel has sch_netem' };
  }
  const why = probe.stderr.trim().split('\n')[0] || 'tc failed';
  return { mechanism: 'vrrd-emulation', reason: `no tc netem here (${why}): vrrd emulates the links` };
}

/** How one direction is shaped under a mechanism: nothing to shape is "none". */
export function shapedBy(params: LinkParams, mechanism: ShapingMechanism): ShapedBy {
  return isUnimpaired(params) ? 'none' : mechanism;
}

/** The netem qdisc arguments for params (after `tc qdisc replace dev IF root netem`). */
export function netemArguments(params: LinkParams): string[] {
  const args = ['delay', `${params.delayMs}ms`];
  if (params.jitterMs > 0) args.push(`${params.jitterMs}ms`);
  if (params.lossPct > 0) args.push('loss', `${params.lossPct}%`);
  if (params.duplicatePct > 0) args.push('duplicate', `${params.duplicatePct}%`);
  if (params.reorderPct > 0) args.push('reorder', `${params.reorderPct}%`);
  if (params.corruptPct > 0) args.push('corrupt', `${params.corruptPct}%`);
  if (params.rateBps !== null) args.push('rate', `${params.rateBps}bit`);
  return args;
}

/** Shapes the egress of ifname in node with netem (or removes the qdisc when nothing is impaired). */
export async function applyNetem(node: NodeHandle, ifname: string, params: LinkParams): Promise<void> {
  if (isUnimpaired(params)) {
    await tryInNode(node, ['tc', 'qdisc', 'del', 'dev', ifname, 'root']);
    return;
  }
  const r = await tryInNode(node, [
    'tc',
    'qdisc',
    'replace',
    'dev',
    ifname,
    'root',
    'netem',
    ...netemArguments(params),
  ]);
  if (!r.ok) throw new Error(`node ${node.name}: tc netem on ${ifname} failed: ${r.stderr.trim()}`);
}

/** vrrd's --emulate flag for the egress of ifname, or [] when nothing is impaired. */
export function emulationFlag(ifname: string, params: LinkParams): string[] {
  if (isUnimpaired(params)) return [];
  const settings = Object.entries(formatEmulation(params))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return ['--emulate', `${ifname}:${settings}`];
}

/** The settings object vrrd's `link.set` verb takes for params (every key, so old values are replaced). */
export function emulationSettings(params: LinkParams): Record<string, string> {
  return formatEmulation(params);
}
