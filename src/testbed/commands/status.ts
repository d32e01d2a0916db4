// `testbed status [LAB]`: every node (vrrd running?, vset, routes, linked neighbours), every link (up or down,
// how shaped) and the ring's consistency, from the daemons' own tables.

import type { Command } from 'commander';
import type { Lab } from '../lab/lab.ts';
import { daemonState } from '../lab/daemons.ts';
import { daemonsSummary, describeDaemons } from '../lab/daemons-summary.ts';
import { mapLimit } from '../lab/pool.ts';
import { ringNow } from '../lab/ring-wait.ts';
import { babelRoutes } from '../lab/babeld.ts';
import { protocolOf } from '../lab/plan.ts';
import { EXIT, openLab, runVerb, withJson, type VerbIo } from './context.ts';

interface NodeStatus {
  name: string;
  /** The routing daemon it runs; a babeld node's routes are its kernel routes (proto babel), vset and linked '-'. */
  protocol: string;
  address: string;
  ipv4: string;
  ipv6: string;
  daemon: 'running' | 'killed' | 'dead' | 'not answering';
  pid: number | null;
  vset: number | null;
  routes: number | null;
  linked: number | null;
}

/** Adds the `status` verb. */
export function registerStatusCommand(program: Command): void {
  withJson(
    program
      .command('status')
      .description('nodes, links and ring consistency of a lab that is up')
      .argument('[lab]', 'lab name or its topology file (default: the only lab up)'),
  ).action((lab: string | undefined, options: { json?: boolean }) =>
    runVerb(Boolean(options.json), (io) => statusCommand(lab, io)),
  );
}

/** Runs `status`; exit 0 when every daemon meant to run answers and the ring is consistent, else 1. */
export async function statusCommand(name: string | undefined, io: VerbIo): Promise<number> {
  const lab = await openLab(name);
  const nodes = await nodeStatuses(lab);
  const ring = await ringNow(lab);
  const links = lab.plan.links.map((l) => {
    const s = lab.state.links[l.index];
    const cut = lab.state.partitionCut.includes(l.index);
    return {
      a: l.a,
      b: l.b,
      ifA: l.ifA,
      ifB: l.ifB,
      state: s.adminDown ? 'down' : cut ? 'cut by partition' : 'up',
      shapedBy: s.shapedBy,
    };
  });
  const { plan, state } = lab;
  io.info(
    `lab ${plan.lab} (${plan.runtime}, run ${plan.runId}, seed ${plan.seed}, phase ${state.phase}): ${plan.nodes.length} nodes, ${plan.links.length} links, ${describeDaemons(state)}`,
  );
  io.info(
    'node             address            ipv4               protocol daemon         vset routes linked',
  );
  for (const n of nodes) {
    io.info(
      `${n.name.padEnd(16)} ${n.address.padEnd(18)} ${n.ipv4.padEnd(18)} ${n.protocol.padEnd(8)} ${n.daemon.padEnd(14)} ${String(n.vset ?? '-').padStart(4)} ${String(n.routes ?? '-').padStart(6)} ${String(n.linked ?? '-').padStart(6)}`,
    );
  }
  const down = links.filter((l) => l.state !== 'up');
  io.info(
    `links: ${links.length - down.length} up, ${down.length} down${down.length ? ` (${down.map((l) => `${l.a}--${l.b}`).join(', ')})` : ''}`,
  );
  if (state.partition) io.info(`partitioned: ${state.partition.map((g) => `[${g.join(',')}]`).join(' ')}`);
  io.info(
    ring.passed
      ? `ring consistent (${ring.partitions} partition${ring.partitions === 1 ? '' : 's'})`
      : `ring NOT consistent: ${ring.problems.length} problem(s)`,
  );
  for (const p of ring.problems.slice(0, 20)) io.info(`  ${p}`);
  const healthy = ring.passed && nodes.every((n) => n.daemon === 'running' || n.daemon === 'killed');
  io.result({
    ok: healthy,
    lab: plan.lab,
    runtime: plan.runtime,
    daemons: daemonsSummary(state),
    runId: plan.runId,
    seed: plan.seed,
    phase: state.phase,
    convergenceMs: state.convergenceMs,
    shaping: state.shaping,
    nodes,
    links,
    partition: state.partition,
    ring: {
      passed: ring.passed,
      partitions: ring.partitions,
      figures: ring.figures,
      problems: ring.problems,
    },
  });
  return healthy ? EXIT.ok : EXIT.failed;
}

async function nodeStatuses(lab: Lab): Promise<NodeStatus[]> {
  return mapLimit(lab.plan.nodes, 16, async (n) => {
    const pid = lab.state.nodes[n.name]?.daemonPid ?? null;
    const protocol = protocolOf(n);
    const base = { name: n.name, protocol, address: n.address, ipv4: n.ipv4, ipv6: n.ipv6, pid };
    const state = daemonState(lab, n.name);
    if (state === 'killed') return { ...base, daemon: 'killed', vset: null, routes: null, linked: null };
    if (state === 'gone') return { ...base, daemon: 'dead', vset: null, routes: null, linked: null };
    if (protocol === 'babeld') {
      const routes = await babelRoutes(lab, n.name).catch(() => null);
      return { ...base, daemon: 'running', vset: null, routes: routes?.length ?? null, linked: null };
    }
    try {
      const s = await lab.ctl<{ counts: { vset: number; routes: number; linked: number } }>(n.name, 'status');
      return {
        ...base,
        daemon: 'running',
        vset: s.counts.vset,
        routes: s.counts.routes,
        linked: s.counts.linked,
      };
    } catch {
      return { ...base, daemon: 'not answering', vset: null, routes: null, linked: null };
    }
  });
}
