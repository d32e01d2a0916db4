// Taking labs down: everything a lab created is found from its name alone (lab.json when it is there, the
// runtimes' labels and name prefixes always), so `down` works without the topology file, after a crash of
// `up`, and twice in a row (the second finds nothing and says so). The name is checked first; the lab
// directory is removed only when its lab.json names this lab (removeLabDirectory), anything else is reported.

import type { RemovedSummary, Runtime, RuntimeKind } from '../runtime/runtime.ts';
import { RUNTIME_KINDS } from '../runtime/registry.ts';
import { checkLabName, isLabName } from './lab-name.ts';
import { listLabDirs, removeLabDirectory } from './lab-state.ts';
import { removeStaleLock } from './up-lock.ts';
import { stopLabHosts } from './daemon-hosts.ts';

/** What down removed, per lab. */
export interface DownResult {
  lab: string;
  found: boolean;
  removed: RemovedSummary & { directories: number };
  /** What was left and why (a directory that is not this lab's), or null. */
  left: string | null;
}

/** The runtimes to search: every one that can run here (a lab's own first). */
export type RuntimeProvider = () => Promise<Runtime[]>;

/** Removes one lab (or, with lab null, every lab) from every runtime and the state root. */
export async function downLabs(lab: string | null, runtimes: RuntimeProvider): Promise<DownResult[]> {
  if (lab !== null) checkLabName(lab, 'down');
  const all = await runtimes();
  const names = new Set<string>(lab === null ? listLabDirs() : [lab]);
  // A runtime may hold something of a name no lab may have (made by hand): it is not ours to remove.
  if (lab === null) {
    for (const r of all)
      for (const found of await r.listLabs()) if (isLabName(found.lab)) names.add(found.lab);
  }
  const results: DownResult[] = [];
  for (const name of [...names].sort()) {
    const removed = { containers: 0, namespaces: 0, processes: 0, directories: 0 };
    // Shared-mode vrrd hosts first: they run outside the namespaces, and their sockets would keep them alive.
    removed.processes += await stopLabHosts(name);
    for (const r of all) {
      const s = await r.removeLab(name);
      removed.containers += s.containers;
      removed.namespaces += s.namespaces;
      removed.processes += s.processes;
    }
    const dir = removeLabDirectory(name, null);
    removeStaleLock(name);
    if (dir.removed) removed.directories = 1;
    const found =
      removed.containers + removed.namespaces + removed.processes + removed.directories > 0 ||
      dir.left !== null;
    results.push({ lab: name, found, removed, left: dir.left });
  }
  return results;
}

/** Runtimes to search for a lab's leftovers: every registered one that can run here. */
export function availableRuntimes(load: (kind: RuntimeKind) => Promise<Runtime>): RuntimeProvider {
  return async () => {
    const out: Runtime[] = [];
    for (const kind of RUNTIME_KINDS) {
      try {
        const r = await load(kind);
        if ((await r.unavailableReason()) === null) out.push(r);
      } catch {
        // That runtime cannot even load here (no module, no engine): nothing of it to remove.
      }
    }
    return out;
  };
}
