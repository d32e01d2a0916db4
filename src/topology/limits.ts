// The ceilings on the timing values people write, in one place for every reader of them: the topology loader
// (link parameters, scenario impairments, `vrr.helloMs`), vrrd's configuration (file, --emulate, --hello-ms) and
// `vrrctl link set` (both parse through emulation-spec.ts). A value past a ceiling is refused with what was
// expected, what was found and where (docs/security.md lists them):
//
//   MAX_DELAY_MS     10 s      one-way link delay: beyond, frames queue for longer than any protocol timer waits,
//                              and a daemon holds every frame of the delay in memory (its emulator's queue)
//   MAX_JITTER_MS    10 s      link jitter, for the same reasons
//   MIN_HELLO_MS     10 ms     hello period: below, hellos alone load a host (and a neighbour) more than traffic
//   MAX_HELLO_MS     60 s      hello period: above, a failed link takes minutes to notice

/** Longest one-way link delay accepted (ms). */
export const MAX_DELAY_MS = 10_000;
/** Largest link jitter accepted (ms). */
export const MAX_JITTER_MS = 10_000;
/** Shortest hello period accepted (ms). */
export const MIN_HELLO_MS = 10;
/** Longest hello period accepted (ms). */
export const MAX_HELLO_MS = 60_000;

/** The ceiling of a timing setting ('delay', 'jitter'), or undefined for settings without one. */
export function ceilingOf(setting: string): number | undefined {
  return setting === 'delay' ? MAX_DELAY_MS : setting === 'jitter' ? MAX_JITTER_MS : undefined;
}
