// The page's calls to the UI server. The token comes from the page's own URL (?token=, as `testbed ui` printed
// it) and goes with every request: as a header, or in the query for the event stream.

import type { UiFault, UiNodeTables, UiPath, UiState, UiTopology } from '../ui-types.ts';

const token = new URLSearchParams(location.search).get('token') ?? '';

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { 'x-vrr-token': token } });
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${path}: HTTP ${res.status}`);
  return body;
}

const at = (t: number | undefined): string => (t === undefined ? '' : `t=${Math.round(t)}`);

/** The server's API, typed. */
export const api = {
  topology: (): Promise<UiTopology> => get('/api/topology'),
  state: (t?: number): Promise<UiState> => get(`/api/state?${at(t)}`),
  node: (name: string, t?: number): Promise<UiNodeTables> =>
    get(`/api/node/${encodeURIComponent(name)}?${at(t)}`),
  path: (from: string, to: string, t?: number): Promise<UiPath> =>
    get(`/api/path?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&${at(t)}`),
  async fault(fault: UiFault): Promise<string> {
    const res = await fetch('/api/fault', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vrr-token': token },
      body: JSON.stringify(fault),
    });
    const body = (await res.json()) as { did?: string; error?: string };
    if (!res.ok) throw new Error(body.error ?? `fault: HTTP ${res.status}`);
    return body.did ?? '';
  },
  /** The live event stream. */
  events: (): EventSource => new EventSource(`/api/events?token=${encodeURIComponent(token)}`),
};
