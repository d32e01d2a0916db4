// `vrrctl dht put|get|del|entries`: the DHT through the daemon (values are text unless --hex).

import type { Command } from 'commander';
import { call, CtlFailure, globalsOf, output } from '../context.ts';
import { renderPairs, renderTable } from '../table.ts';

/** A put/get/del reply. */
export interface DhtReply {
  ok: boolean;
  found?: boolean;
  value?: string | null;
  valueHex?: string;
  version?: number;
  hops?: number;
  owner?: string;
  error?: string;
}

/** A dht.entries row. */
export interface DhtEntryRow {
  key: string;
  hash: string;
  value: string | null;
  valueHex: string;
  version: number;
  expiresInMs: number | null;
  role: string;
}

/** Registers `dht` and its subcommands. */
export function registerDht(program: Command): void {
  const dht = program.command('dht').description('store, fetch and delete keys in the DHT');

  dht
    .command('put <key> <value>')
    .description('store value under key')
    .option('--ttl <duration>', 'lifetime, e.g. 60s or 10m (default: the DHT default)')
    .option('--hex', 'value is hex bytes, not text')
    .action(async (key: string, value: string, opts: { ttl?: string; hex?: boolean }, command: Command) => {
      const args: Record<string, unknown> = { key, value, encoding: opts.hex ? 'hex' : 'utf8' };
      if (opts.ttl !== undefined) args.ttl = opts.ttl;
      const r = await call<DhtReply>(command, 'dht.put', args);
      output(command, r, renderReply);
      if (!r.ok) throw new CtlFailure(`dht put ${key}: ${r.error ?? 'failed'}`);
    });

  dht
    .command('get <key>')
    .description('fetch the value stored under key (exit 1 when not found)')
    .action(async (key: string, _opts, command: Command) => {
      const r = await call<DhtReply>(command, 'dht.get', { key });
      if (r.ok && r.found === false) {
        if (globalsOf(command).json) output(command, r, renderReply); // the JSON says found: false
        throw new CtlFailure(`dht get ${key}: not found`);
      }
      output(command, r, renderReply);
      if (!r.ok) throw new CtlFailure(`dht get ${key}: ${r.error ?? 'failed'}`);
    });

  dht
    .command('del <key>')
    .description('delete key')
    .action(async (key: string, _opts, command: Command) => {
      const r = await call<DhtReply>(command, 'dht.del', { key });
      output(command, r, renderReply);
      if (!r.ok) throw new CtlFailure(`dht del ${key}: ${r.error ?? 'failed'}`);
    });

  dht
    .command('entries')
    .description('entries stored on this node (as owner or replica)')
    .action(async (_opts, command: Command) => {
      const rows = await call<DhtEntryRow[]>(command, 'dht.entries');
      output(command, rows, (r) =>
        renderTable(
          ['key', 'hash', 'value', 'version', 'expires in', 'role'],
          r.map((e) => [
            e.key,
            e.hash,
            e.value ?? `0x${e.valueHex}`,
            e.version,
            e.expiresInMs === null ? 'never' : `${(e.expiresInMs / 1000).toFixed(0)} s`,
            e.role,
          ]),
        ),
      );
    });
}

function renderReply(r: DhtReply): string {
  const pairs: [string, string | number | boolean | null][] = [['ok', r.ok]];
  if (r.found !== undefined) pairs.push(['found', r.found]);
  if (r.valueHex !== undefined) pairs.push(['value', r.value ?? `0x${r.valueHex}`]);
  if (r.version !== undefined) pairs.push(['version', r.version]);
  if (r.owner !== undefined) pairs.push(['owner', r.owner]);
  if (r.hops !== undefined) pairs.push(['hops', r.hops]);
  if (r.error !== undefined) pairs.push(['error', r.error]);
  return renderPairs(pairs);
}
