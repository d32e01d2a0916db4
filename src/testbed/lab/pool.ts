// Bounded concurrency for the lab's per-node work: the one helper lives with the checks, which need it too.

export { mapLimit } from '../../checks/map-limit.ts';
