// What the UI server serves from: a lab that is up (live-backend.ts) or a recorded run (replay-backend.ts).
// The HTTP layer (api.ts, server.ts) knows only this interface, so its tests run on a fake lab.

import type { UiEvent, UiFault, UiNodeTables, UiPath, UiState, UiTopology } from './ui-types.ts';

/** The source of everything the page shows. `t` (replay) is ms since the run started; live ignores it. */
export interface UiBackend {
  topology(): UiTopology;
  state(t?: number): Promise<UiState>;
  node(name: string, t?: number): Promise<UiNodeTables>;
  path(from: string, to: string, t?: number): Promise<UiPath>;
  /** Applies a fault (the CLI verbs' code); resolves to the line the CLI would print. Replay: rejects. */
  fault(fault: UiFault): Promise<string>;
  /** Live events (daemon and controller); returns the unsubscribe function. */
  onEvent(listener: (event: UiEvent) => void): () => void;
  /** Called when the state may have changed (links, ring): the server then pushes a fresh state. */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

/** A request the backend refuses (unknown node, a fault in a replay): HTTP 400 with this message. */
export class UiRequestError extends Error {
  override readonly name = 'UiRequestError';
}

/** A tiny listener set: add returns the remover. */
export class Listeners<T extends unknown[]> {
  readonly #set = new Set<(...args: T) => void>();

  add(listener: (...args: T) => void): () => void {
    this.#set.add(listener);
    return () => this.#set.delete(listener);
  }

  emit(...args: T): void {
    for (const l of this.#set) l(...args);
  }
}
