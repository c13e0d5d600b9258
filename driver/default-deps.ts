// The model and the checkers a real campaign uses (the "deps module" of campaign/tasks.ts):
// the simulated Kafka cluster of model/cluster.ts; the Kafka anomaly checker over the
// history; the white-box invariant monitor over snapshots taken during the run.
// Liveness is judged in driver/run.ts with the checkers' liveness tracker.

import { buildCluster } from '../model/cluster.ts';
import { checkKafka, createInvariantMonitor } from '../checkers/index.ts';
import type { Judges, RunDeps } from './run.ts';

export const judges: Judges = {
  checkHistory: (history, opts) => checkKafka(history, opts),
  createMonitor: (opts) => {
    const m = createInvariantMonitor(
      opts.minInsyncReplicas === undefined ? {} : { minInsyncReplicas: opts.minInsyncReplicas },
    );
    return { observe: (s) => void m.observe(s), anomalies: () => [...m.anomalies] };
  },
};

export const deps: RunDeps = { buildCluster, judges };
