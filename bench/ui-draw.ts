// How long `testbed ui` takes to show a large run in a real browser (Debian's chromium, headless, software
// rendering): the 217-node Freifunk Ulm mesh and the 1,000-node random geometric graph, each simulated with its
// timeline recorded, then replayed. Prints, per graph: the server's layout time, the page's first draw (from
// navigation start until cytoscape has painted the first state), and the median redraw after a slider move.
// Target: under 2 s for the 217 nodes. Usage: tsx bench/ui-draw.ts [TOPOLOGY.yaml ...]

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulation } from '../src/sim/run-sim.ts';
import { loadTopology } from '../src/checks/topology.ts';
import { bundlePage } from '../src/testbed/ui/page-bundle.ts';
import { loadReplay, ReplayBackend } from '../src/testbed/ui/replay-backend.ts';
import { startUiServer } from '../src/testbed/ui/server.ts';
import { SimTimelineRecorder } from '../src/testbed/ui/sim-timeline.ts';
import { writeTimelineEvents } from '../src/testbed/report/html-report.ts';
import puppeteer from 'puppeteer-core';

// In the page: moves the slider to t and resolves with the ms until the new state is applied and painted. A
// string, because tsx would wrap a function's inner closures in a helper the page does not have.
const SEEK_AND_TIME = `(t) => new Promise((resolve) => {
  const probe = window.__vrrUi;
  const before = probe.renders;
  const start = performance.now();
  const slider = document.getElementById('slider');
  slider.value = String(t);
  slider.dispatchEvent(new Event('input'));
  const wait = () => {
    if (probe.renders === before) return void requestAnimationFrame(wait);
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - start)));
  };
  wait();
})`;

const files = process.argv.slice(2);
const topologies = files.length > 0 ? files : ['topologies/freifunk-ulm.yaml', 'topologies/rgg-1000.yaml'];

// Figures of a shared machine mean little without its load: say it.
console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at the start`);
const bundleStart = performance.now();
const assets = await bundlePage(null);
console.log(`page bundle (esbuild, cytoscape included): ${Math.round(performance.now() - bundleStart)} ms`);
// Debian's chromium, offline and quiet, with a throw-away profile (benches take nothing from test/).
const profile = mkdtempSync(join(tmpdir(), 'vrr-ui-bench-chromium-'));
const browser = await puppeteer.launch({
  executablePath: process.env.VRR_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  defaultViewport: { width: 1600, height: 900 },
  args: [
    '--headless',
    '--no-sandbox', // run as root, where chromium refuses its sandbox
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
  ],
});
try {
  for (const file of topologies) {
    const topology = loadTopology(file);
    const dir = mkdtempSync(join(tmpdir(), 'vrr-ui-bench-'));
    try {
      let t = performance.now();
      const recorder = new SimTimelineRecorder(topology, topology.seed ?? 1, file);
      runSimulation(topology, { seed: topology.seed ?? 1, recorder });
      const timeline = writeTimelineEvents(dir, recorder.events);
      const simMs = performance.now() - t;
      t = performance.now();
      const backend = new ReplayBackend(loadReplay(timeline));
      const layoutMs = performance.now() - t;
      const server = await startUiServer({ backend, assets });
      // The page's first draw time and what it drew, from its test probe (window.__vrrUi).
      const page = await browser.newPage();
      await page.goto(server.url, { waitUntil: 'load' });
      await page.waitForFunction('window.__vrrUi?.firstDrawMs != null', { timeout: 120_000 });
      const drawMs = (await page.evaluate('window.__vrrUi.firstDrawMs')) as number;
      const counts = (await page.evaluate('window.__vrrUi.drawn()')) as Record<string, number>;
      const span = backend.topology().span!;
      const redraws: number[] = [];
      for (let i = 1; i <= 5; i++) {
        const at = span.from + ((span.to - span.from) * i) / 6;
        redraws.push((await page.evaluate(`(${SEEK_AND_TIME})(${at})`)) as number);
      }
      redraws.sort((a, b) => a - b);
      console.log(
        `${topology.name}: ${topology.nodes.length} nodes, ${topology.links.length} links, ` +
          `${counts.vsetEdges} vset edges drawn | simulated+recorded ${(simMs / 1000).toFixed(1)} s, ` +
          `layout+load ${Math.round(layoutMs)} ms | first draw in the browser ${Math.round(drawMs)} ms, ` +
          `redraw after a slider move ${Math.round(redraws[2])} ms (median of 5)`,
      );
      await page.close();
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
