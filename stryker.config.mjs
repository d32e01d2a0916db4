// Mutation testing of the sans-I/O protocol core (src/vrr) with StrykerJS: `npm run mutate` (not part of
// `npm test`; all of src/vrr takes hours on a shared 2-core machine). How to run and read it: docs/mutation.md.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  mutate: ['src/vrr/**/*.ts'],
  testRunner: 'mocha',
  // The tests are TypeScript run through tsx, as in .mocharc.json; Stryker's mocha runner loads them in its own
  // worker process, which ignores mocharc's node-option, so tsx is loaded into the worker here.
  testRunnerNodeArgs: ['--require', './test/support/stryker-mocha12.cjs', '--import', 'tsx'],
  // Stryker starts a checker worker even with no checkers; it loads the mocha runner plugin too.
  checkerNodeArgs: ['--require', './test/support/stryker-mocha12.cjs'],
  mochaOptions: { config: 'stryker.mocharc.yml' },
  // Each mutant runs only the tests that executed it in the unmutated run.
  coverageAnalysis: 'perTest',
  // No type checker: @stryker-mutator/typescript-checker drives the TypeScript compiler API, which TypeScript 7
  // (the native compiler this repo uses) no longer exposes. Mutants that do not type-check run like the others:
  // tsx strips types without checking them, so such a mutant is killed or survives on its behaviour.
  checkers: [],
  // For the same reason Stryker's own tsconfig rewriting (which calls that API) is skipped by naming a file that
  // does not exist. It only fixes `extends`/`references` paths that leave the sandbox; tsconfig.json has none.
  tsconfigFile: 'tsconfig.stryker-skip.json',
  // The machine is shared: one worker (`-- --concurrency 2` at most), and timeouts that allow for a loaded CPU
  // (a mutant that floods a simulated network with events or loops forever is stopped and counted as detected).
  concurrency: 1,
  timeoutFactor: 2,
  timeoutMS: 10000,
  // The unmutated run records which test covers which mutant; instrumented, on a busy machine, it takes minutes.
  dryRunTimeoutMinutes: 30,
  // A rerun only tests mutants whose source or covering tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: '.stryker-tmp',
};
