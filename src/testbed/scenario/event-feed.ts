// Every daemon's event stream into the run's timeline: one `subscribe` per alive vrrd (docs/vrrd.md, Control
// protocol), again after a node restarts. Events keep their daemon timestamps; the TimelineWriter orders them.

import { ControlClient } from '../../control/client.ts';
import { checkedSocket, type Lab } from '../lab/lab.ts';
import type { TimelineWriter } from '../report/timeline.ts';

/** Where the feed puts events: a run's timeline, or anything else that takes them (the UI's live page). */
export type EventSink = Pick<TimelineWriter, 'add'>;

/** The subscriptions of one run. */
export class EventFeed {
  readonly #lab: Lab;
  readonly #timeline: EventSink;
  readonly #clients = new Map<string, ControlClient>();
  /** Events the daemons said they skipped (a subscriber that fell behind). */
  missed = 0;

  constructor(lab: Lab, timeline: EventSink) {
    this.#lab = lab;
    this.#timeline = timeline;
  }

  /** Subscribes to every alive node not yet followed. */
  async followAll(): Promise<void> {
    await Promise.all(this.#lab.aliveNodes().map((n) => this.follow(n)));
  }

  /** Subscribes to one node (replacing an old subscription, e.g. after a restart). */
  async follow(node: string): Promise<void> {
    this.#clients.get(node)?.close();
    this.#clients.delete(node);
    try {
      const client = await ControlClient.connect(checkedSocket(this.#lab.socket(node)));
      this.#clients.set(node, client);
      await client.subscribe((event, missed) => {
        this.missed += missed;
        const { t, node: source, type, ...rest } = event;
        this.#timeline.add({ t, source, type, ...rest });
      });
    } catch (error) {
      this.#timeline.add({
        t: new Date().toISOString(),
        source: 'controller',
        type: 'feed-error',
        node,
        error: (error as Error).message,
      });
    }
  }

  /** Ends every subscription. */
  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }
}
