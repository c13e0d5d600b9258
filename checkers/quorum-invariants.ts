// The KRaft controller quorum's white-box invariants, judged from the quorum part of a
// ClusterSnapshot (checkers/cluster-state.ts QuorumSnapshot). The model's commit record
// (model/metadata-image.ts) sees every commit, every new Raft leader, every broker's
// application of metadata and every claim of the active controller as it happens, and keeps
// what broke; this turns each into one anomaly:
//   raft-one-leader-per-epoch   at most one Raft leader per epoch (KIP-595 election safety);
//   raft-stale-leader           a Raft leader with no Fetch from a majority of voters within
//                               1.5 × controller.quorum.fetch.timeout.ms resigns (check quorum,
//                               the fix of KAFKA-15489: until then observers kept fetching stale
//                               metadata from a leader cut off from the quorum);
//   raft-committed-durable      a committed metadata record is never lost or changed: a voter's
//                               HW passing an offset always passes the entry committed there
//                               first (log matching below the HW);
//   metadata-applied-committed  a broker applies only committed records, never one above the
//                               Raft HW (MetadataLoader.handleCommit);
//   controller-state-committed  every voter's controller state agrees with the image of its own
//                               committed prefix: on every voter each time its HW passes records
//                               (what they touch, unless the active controller's uncommitted tail
//                               touched it again), and in full at a claim and after a renounce
//                               (QuorumController.renounce reverts what was not committed).
// Assumes: violations arrive in order and are reported once each (by position).

import type { ClusterSnapshot } from './cluster-state.ts';
import type { Anomaly } from './verdict.ts';

export type QuorumInvariantName =
  | 'raft-one-leader-per-epoch'
  | 'raft-stale-leader'
  | 'raft-committed-durable'
  | 'metadata-applied-committed'
  | 'controller-state-committed';

export const QUORUM_INVARIANT_NAMES: readonly QuorumInvariantName[] = [
  'raft-one-leader-per-epoch',
  'raft-stale-leader',
  'raft-committed-durable',
  'metadata-applied-committed',
  'controller-state-committed',
];

/** The quorum's new violations in this snapshot, as anomalies (`seen` counts those already taken). */
export function quorumAnomalies(
  s: ClusterSnapshot,
  enabled: (name: QuorumInvariantName) => boolean,
  seen: { count: number },
): Anomaly[] {
  const q = s.quorum;
  if (q === undefined) return [];
  const out: Anomaly[] = [];
  for (let i = seen.count; i < q.violations.length; i++) {
    const v = q.violations[i];
    const name = QUORUM_INVARIANT_NAMES.find((n) => n === v.invariant);
    if (name === undefined || !enabled(name)) continue;
    out.push({ kind: name, explanation: v.detail, timesUs: [v.timeUs], nodes: q.voters.map((x) => x.id) });
  }
  seen.count = q.violations.length;
  return out;
}
