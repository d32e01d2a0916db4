// The frame fuzz of issue 20 at full size: 200,000 frames (by default) against one VrrNode with the DHT and
// multicast attached, from several link addresses on several ports, timers advancing, invariants and caps checked
// every 1,000 frames (src/sim/fuzz/frame-fuzz.ts). Prints the figures: problems found (none expected), the largest
// size each table reached, the caps the floods reached, and how long it took. Asserts nothing; exits 1 on a problem.
//
//   npx tsx bench/frame-fuzz.ts                        # 200,000 frames, seed 1
//   npx tsx bench/frame-fuzz.ts --frames 50000 --seed 7

import { runFrameFuzz } from '../src/sim/fuzz/frame-fuzz.ts';
import { TABLE_CAPS } from '../src/vrr/limits.ts';

function parseArgs(argv: string[]): { frames: number; seed: number } {
  const args = { frames: 200_000, seed: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--frames') args.frames = value;
    else if (argv[i] === '--seed') args.seed = value;
    else throw new Error(`unknown argument ${argv[i]} (expected --frames N, --seed S)`);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const started = performance.now();
const r = runFrameFuzz({ seed: args.seed, frames: args.frames });
const seconds = (performance.now() - started) / 1000;
console.log(`frame fuzz: ${r.frames} frames, seed ${args.seed}, ${r.checks} checks, ${seconds.toFixed(1)} s`);
console.log(
  `  simulated ${(r.simulatedMs / 1000).toFixed(0)} s; ${r.malformed} frames malformed; ${r.framesOut} sent`,
);
console.log('  largest table sizes (cap):');
for (const [name, size] of Object.entries(r.largest))
  console.log(`    ${name.padEnd(24)} ${String(size).padStart(6)}  (${TABLE_CAPS[name] ?? '-'})`);
console.log('  caps reached:');
for (const [name, n] of Object.entries(r.capsHit)) console.log(`    ${name.padEnd(24)} ${n}`);
console.log(r.problems.length === 0 ? '  problems: none' : `  problems:\n    ${r.problems.join('\n    ')}`);
process.exitCode = r.problems.length === 0 ? 0 : 1;
