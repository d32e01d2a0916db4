// `vrrctl mcast join|leave|send|groups`: the node's multicast memberships by hand (without a socket on the
// host), a test message to a group, and what the node is a member and source of. GROUP is an IPv4 or IPv6
// multicast address or a group MAC; the daemon parses it, so both ends agree on what a group is.

import type { Command } from 'commander';
import { call, CtlFailure, output } from '../context.ts';
import { renderPairs, renderTable } from '../table.ts';

/** The mcast.groups reply. */
export interface GroupsReply {
  member: string[];
  source: string[];
  delivered: Record<string, number>;
  sent: Record<string, number>;
  trees: { root: string; group: string; upstream: string | null; downstream: string[] }[];
}

/** Registers `mcast` and its subcommands. */
export function registerMcast(program: Command): void {
  const mcast = program.command('mcast').description('multicast groups on the ring');

  mcast
    .command('join <group>')
    .description('join a group (e.g. 239.1.1.1, ff0e::1, 01:00:5e:01:01:01)')
    .action(async (group: string, _opts, command: Command) => {
      const r = await call<{ group: string; joined: boolean }>(command, 'mcast.join', { group });
      output(command, r, (x) =>
        renderPairs([
          ['group', x.group],
          ['joined', x.joined],
        ]),
      );
      if (!r.joined) throw new CtlFailure(`mcast join ${group}: not a group`);
    });

  mcast
    .command('leave <group>')
    .description('leave a group')
    .action(async (group: string, _opts, command: Command) => {
      const r = await call<{ group: string; left: boolean }>(command, 'mcast.leave', { group });
      output(command, r, (x) =>
        renderPairs([
          ['group', x.group],
          ['left', x.left],
        ]),
      );
    });

  mcast
    .command('send <group> <text>')
    .description('send text to a group (EtherType 0x88b5; registers this node as a source)')
    .action(async (group: string, text: string, _opts, command: Command) => {
      const r = await call<{ group: string; sent: boolean; bytes: number }>(command, 'mcast.send', {
        group,
        value: text,
      });
      output(command, r, (x) =>
        renderPairs([
          ['group', x.group],
          ['sent', x.sent],
          ['bytes', x.bytes],
        ]),
      );
      if (!r.sent) throw new CtlFailure(`mcast send ${group}: not sent`);
    });

  mcast
    .command('groups')
    .description('groups this node is a member or source of, packet counts, forwarding table')
    .action(async (_opts, command: Command) => {
      const r = await call<GroupsReply>(command, 'mcast.groups');
      output(command, r, renderGroups);
    });
}

function renderGroups(r: GroupsReply): string {
  const groups = [
    ...new Set([...r.member, ...r.source, ...Object.keys(r.delivered), ...Object.keys(r.sent)]),
  ];
  const rows = groups
    .sort()
    .map((g) => [
      g,
      r.member.includes(g) ? 'member' : '',
      r.source.includes(g) ? 'source' : '',
      r.delivered[g] ?? 0,
      r.sent[g] ?? 0,
    ]);
  const trees = r.trees.map((t) => [t.group, t.root, t.upstream, t.downstream.join(' ') || null]);
  return [
    renderTable(['group', 'member', 'source', 'delivered', 'sent'], rows),
    '',
    renderTable(['tree group', 'root', 'upstream', 'downstream'], trees),
  ].join('\n');
}
