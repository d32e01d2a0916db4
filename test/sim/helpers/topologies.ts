// The in-code topology generators, which live in src/topology/code-topologies.ts (the benches use them too,
// and benches import no test code); re-exported here so the simulator tests keep importing them from helpers/.

export * from '../../../src/topology/code-topologies.ts';
