// The replay's time slider: drag or play through the run; fault marks above the track say what happened when.

import type { UiTopology } from '../ui-types.ts';
import { byId, el, fill, seconds } from './dom.ts';

/**
 * Shows the bar (at the end of the run, which the caller has drawn) and calls show(t) as the time changes: at most
 * one request in flight, the latest time wins.
 */
export function startReplayBar(
  topo: UiTopology,
  show: (t: number) => Promise<void>,
): { seek(t: number): void } {
  const span = topo.span ?? { from: 0, to: 0 };
  const bar = byId('replay');
  bar.hidden = false;
  const slider = byId<HTMLInputElement>('slider');
  const clock = byId('clock');
  const play = byId<HTMLButtonElement>('play');
  const speed = byId<HTMLSelectElement>('speed');
  slider.min = String(span.from);
  slider.max = String(span.to);
  slider.value = String(span.to);
  const width = Math.max(1, span.to - span.from);
  fill(
    byId('marks'),
    ...(topo.marks ?? []).map((m) =>
      el('span', {
        class: 'mark',
        title: `${seconds(m.t)}: ${m.label}`,
        style: `left:${((m.t - span.from) / width) * 100}%`,
        click: () => seek(m.t),
      }),
    ),
  );

  let wanted = span.to;
  let running = false;
  const pump = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      let shown = Number.NaN;
      while (shown !== wanted) {
        shown = wanted;
        clock.textContent = `t = ${seconds(shown)}`;
        await show(shown);
      }
    } finally {
      running = false;
    }
  };
  const seek = (t: number): void => {
    wanted = Math.max(span.from, Math.min(span.to, t));
    slider.value = String(wanted);
    void pump();
  };
  slider.addEventListener('input', () => seek(Number(slider.value)));

  let timer: number | null = null;
  const stop = (): void => {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = '▶';
  };
  play.addEventListener('click', () => {
    if (timer !== null) return stop();
    if (wanted >= span.to) seek(span.from);
    play.textContent = '❚❚';
    timer = window.setInterval(() => {
      const next = wanted + 100 * Number(speed.value);
      seek(next);
      if (next >= span.to) stop();
    }, 100);
  });
  clock.textContent = `t = ${seconds(wanted)}`; // the page shows the end of the run to begin with
  return { seek };
}
