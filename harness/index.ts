// The kernel's public surface: the simulation and its contracts.
export { Simulation } from './simulation.ts';
export { SimDisk, isTorn } from './disk.ts';
export { SeededRng, RngStreams } from './rng.ts';
export { EventHash, canonicalJson } from './hash.ts';
export type * from './types.ts';
export {
  checkDeterminism,
  compareRuns,
  firstDifference,
  sameEvent,
  describeEvent,
  describeDifference,
} from './determinism.ts';
export type { DeterminismScenario, DeterminismVerdict, EventDifference, RecordedRun } from './determinism.ts';
