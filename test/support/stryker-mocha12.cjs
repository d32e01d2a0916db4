// Lets @stryker-mutator/mocha-runner 9 load Mocha 12. The runner require()s Mocha's CLI helpers by their old
// extensionless names (lib/cli/options, lib/cli/run-helpers, lib/cli/collect-files); Mocha 12 ships them as .cjs
// files, so the plain require fails and Stryker cannot start. Preloaded with --require into Stryker and into its
// test-runner workers (see the `mutate` script and stryker.config.mjs); it rewrites those three names only.
// (Stryker 10's runner knows Mocha 12 but Stryker 10 needs Node 22; this repo runs on Node 20.)
'use strict';
const Module = require('node:module');

const cliHelper = /[\\/]mocha[\\/]lib[\\/]cli[\\/](options|run-helpers|collect-files)$/;
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const renamed = cliHelper.test(request) ? `${request}.cjs` : request;
  return resolveFilename.call(this, renamed, ...rest);
};
