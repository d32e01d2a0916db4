// Builds vrrd's deployed form, the esbuild bundle the testbed runs (<repo>/dist, bundleDaemon in
// src/daemon/daemon-bundle.ts), so `npm run vrrd` runs the daemon on plain node without the tsx loader, which
// alone costs ~35 MB of RSS per daemon. Usage: tsx src/daemon/bundle.ts [DIR]; prints nothing unless it fails.

import { bundleDaemon, DEFAULT_BUNDLE_DIR } from './daemon-bundle.ts';

try {
  await bundleDaemon(process.argv[2] ?? DEFAULT_BUNDLE_DIR);
} catch (error) {
  process.stderr.write(`vrrd: ${(error as Error).message}\n`);
  process.exit(1);
}
