// Runs Debian's tshark with the project's Wireshark dissector (wireshark/vrr.lua) over a pcap and returns, per
// frame, every field the dissectors put in the tree, flattened by field name (values in tree order), so tests
// can assert `fields.get('vrr.seq')` without caring about subtree nesting.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../src/daemon/daemon-bundle.ts';

const run = promisify(execFile);

/** The dissector's path. */
export const VRR_LUA = join(REPO_ROOT, 'wireshark', 'vrr.lua');

/** One dissected frame: field name -> every value it had in this frame; expert messages listed apart. */
export interface DissectedFrame {
  fields: Map<string, string[]>;
  /** Every `_ws.expert.message` of the frame (malformed options, unknown options, ...). */
  experts: string[];
  /** The protocols of the frame, outermost first (frame.protocols). */
  protocols: string;
}

/** Null when tshark runs here, else why not. */
export async function tsharkUnavailableReason(): Promise<string | null> {
  try {
    await run('tshark', ['--version']);
    return null;
  } catch (error) {
    return `tshark does not run (${(error as Error).message.split('\n')[0]}); apt-get install -y tshark`;
  }
}

/** tshark's first version line, e.g. "TShark (Wireshark) 4.0.17 ...". */
export async function tsharkVersion(): Promise<string> {
  const { stdout } = await run('tshark', ['--version']);
  return stdout.split('\n')[0];
}

/**
 * Dissects a pcap with the VRR dissector loaded by `-X lua_script:` (which tshark honours as root too; Debian's
 * init.lua sets run_user_scripts_when_superuser). HOME points at an empty directory, so a copy of the
 * dissector installed in the user's plugin folder cannot register the protocol a second time; -n keeps
 * addresses numeric (no OUI names for 02:...).
 */
export async function dissectPcap(pcapPath: string, displayFilter?: string): Promise<DissectedFrame[]> {
  const home = mkdtempSync(join(tmpdir(), 'vrr-tshark-home-'));
  try {
    const args = ['-n', '-r', pcapPath, '-X', `lua_script:${VRR_LUA}`, '-T', 'json', '--no-duplicate-keys'];
    if (displayFilter !== undefined) args.push('-Y', displayFilter);
    const { stdout, stderr } = await run('tshark', args, {
      env: { ...process.env, HOME: home },
      maxBuffer: 256 * 1024 * 1024,
    });
    if (/Lua: Error|lua_script.*error/i.test(stderr))
      throw new Error(`tshark could not load ${VRR_LUA}: ${stderr}`);
    const packets = JSON.parse(stdout.length > 0 ? stdout : '[]') as {
      _source: { layers: Record<string, unknown> };
    }[];
    return packets.map((p) => flatten(p._source.layers));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function flatten(layers: Record<string, unknown>): DissectedFrame {
  const fields = new Map<string, string[]>();
  const experts: string[] = [];
  const add = (key: string, value: string): void => {
    const list = fields.get(key);
    if (list) list.push(value);
    else fields.set(key, [value]);
  };
  const walk = (key: string, value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(key, v);
    } else if (value !== null && typeof value === 'object') {
      // A subtree keyed by its own field (vrr.opt, ip, ...) counts as one occurrence of that field.
      if (!key.endsWith('_tree')) add(key, '');
      for (const [k, v] of Object.entries(value)) walk(k, v);
    } else {
      if (key === '_ws.expert.message') experts.push(String(value));
      add(key, String(value));
    }
  };
  for (const [k, v] of Object.entries(layers)) walk(k, v);
  return { fields, experts, protocols: fields.get('frame.protocols')?.[0] ?? '' };
}
