// Batched writes: channels opened with batchWrites queue what is written during a batch and write it when the
// batch ends (one sendmmsg per packet socket, merged TCP super-packets on an offloading TAP). Every onFrames
// callback is a batch; runBatched makes one anywhere else.

import { nativeBinding } from './binding.ts';

/** Runs fn as one batch: frames written by batching channels meanwhile go out when it returns (or throws). */
export function runBatched<T>(fn: () => T): T {
  return nativeBinding().runBatched(fn);
}

/**
 * Gives the C heap's free pages back to the system (glibc malloc_trim): after a burst of traffic, the frame
 * buffers it freed stay in malloc's arenas (tens of MB) until then. True when any memory was released.
 */
export function trimMemory(): boolean {
  return nativeBinding().trimMemory();
}
