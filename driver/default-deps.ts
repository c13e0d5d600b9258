// The model and the checkers a real campaign uses (the "deps module" of campaign/tasks.ts):
// the simulated Kafka cluster of model/cluster.ts; the Kafka anomaly checker over the
// history, and the committed-offset checker (checkers/groups.ts) over every history with a
// consumer group, the transactional offsets checker (checkers/txn-offsets.ts) over every history
// whose transactions commit offsets; the white-box invariant monitor over snapshots taken during the run.
// Liveness is judged in driver/run.ts with the checkers' liveness tracker.

import { buildCluster } from '../model/cluster.ts';
import {
  checkGroups,
  checkKafka,
  checkTxnOffsets,
  createInvariantMonitor,
  isGroupHistory,
  isTxnOffsetsHistory,
  type Verdict,
} from '../checkers/index.ts';
import type { Judges, RunDeps } from './run.ts';

export const judges: Judges = {
  checkHistory: (history, opts) => {
    const kafka = checkKafka(history, opts);
    const grouped = isGroupHistory(history) ? withGroups(kafka, checkGroups(history)) : kafka;
    return isTxnOffsetsHistory(history) ? withGroups(grouped, checkTxnOffsets(history), 'txn-offsets') : grouped;
  },
  createMonitor: (opts) => {
    const m = createInvariantMonitor(
      opts.minInsyncReplicas === undefined ? {} : { minInsyncReplicas: opts.minInsyncReplicas },
    );
    return {
      observe: (s) => void m.observe(s),
      observePartition: (look, scope) => void m.observePartition(look, scope),
      onTruncate: (broker, topic, partition, toOffset) => m.onTruncate(broker, topic, partition, toOffset),
      anomalies: () => [...m.anomalies],
    };
  },
};

export const deps: RunDeps = { buildCluster, judges };

/** The Kafka verdict with an offsets checker's anomalies and figures (`groups.` / `txn-offsets.` prefixed). */
function withGroups(kafka: Verdict, groups: Verdict, name = 'groups'): Verdict {
  const stats = { ...kafka.stats };
  for (const [k, x] of Object.entries(groups.stats ?? {})) stats[`${name}.${k}`] = x;
  const valid = kafka.valid === false || groups.valid === false ? false : kafka.valid === 'unknown' ? 'unknown' : true;
  return {
    ...kafka,
    valid,
    checker: `${kafka.checker}+${name}`,
    anomalies: [...kafka.anomalies, ...groups.anomalies],
    stats,
  };
}
