// One short line per event for the page's event log, with node names instead of addresses where known.

import type { UiEvent } from './ui-types.ts';

/** A timeline or daemon event, flattened: {t, source, type, ...fields}. */
export type RawEvent = { t: number; source: string; type: string; [field: string]: unknown };

/** The log line of one event; `name` maps an address (text) to a node name. */
export function summarizeEvent(event: RawEvent, name: (address: string) => string): UiEvent {
  const f = event as Record<string, unknown>;
  const n = (k: string): string => (typeof f[k] === 'string' ? name(f[k] as string) : String(f[k]));
  let summary: string;
  switch (event.type) {
    case 'link':
      summary = `link to ${n('neighbor')}: ${String(f.from)} → ${String(f.to)} (${String(f.why)})`;
      break;
    case 'vset-add':
      summary = `vset + ${n('member')}`;
      break;
    case 'vset-remove':
      summary = `vset − ${n('member')} (${String(f.why)})`;
      break;
    case 'path-up':
      summary = `path #${String(f.pathId)} ${n('ea')} ↔ ${n('eb')} up`;
      break;
    case 'path-down':
      summary = `path #${String(f.pathId)} ${n('ea')} ↔ ${n('eb')} torn down (${String(f.why)})`;
      break;
    case 'active':
      summary = `active (${String(f.why)})`;
      break;
    case 'port-down':
    case 'port-up':
      summary = `${event.type} ${String(f.interface)}${f.why ? ` (${String(f.why)})` : ''}`;
      break;
    case 'fault':
      summary = String(f.did ?? f.detail ?? f.action);
      break;
    default: {
      const rest = Object.entries(f)
        .filter(([k]) => !['t', 'at', 'source', 'type'].includes(k))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      summary = rest.length > 160 ? `${rest.slice(0, 157)}...` : rest;
    }
  }
  // A daemon names itself by its address: show the node's name.
  return { t: event.t, source: name(event.source), type: event.type, summary };
}
