// How a test reacts when the machine lacks what it needs (root, network namespaces, a Docker engine, a tool):
// on a user's machine it skips and prints why; where VRR_TEST_REQUIRE_ALL=1 (.ci/run sets it) it fails instead,
// so CI never goes green by skipping the tests it exists to run.
// One exception, skipForKernel: a kernel feature that is not built in (sch_netem on some CI kernels). No
// install step of .ci/run can provide it, so it is a property of the machine, like its CPU count: the test
// skips with its reason printed even under VRR_TEST_REQUIRE_ALL=1 (the fallback it stands beside still runs).

import type { Context } from 'mocha';

/** Skips the test or suite of ctx with what is skipped and why printed, or fails when every test must run. */
export function skipForMissing(ctx: Context, what: string, reason: string): never {
  if (process.env.VRR_TEST_REQUIRE_ALL === '1') {
    throw new Error(`${what} cannot run here: ${reason} (VRR_TEST_REQUIRE_ALL=1: every test must run)`);
  }
  console.log(`      skipped: ${what}: ${reason}`);
  return ctx.skip();
}

/**
 * Skips because the running kernel lacks a feature (reason says which and how it was found), also under
 * VRR_TEST_REQUIRE_ALL=1. Only for what no package or service can add: anything installable is skipForMissing.
 */
export function skipForKernel(ctx: Context, what: string, reason: string): never {
  console.log(`      skipped (the kernel lacks it): ${what}: ${reason}`);
  return ctx.skip();
}
