// Stand-in judges for driver tests: a lost-write check over the final read (every
// acknowledged send must be read back at its offset) and a monitor that only counts the
// snapshots it is shown. Not the real checkers (checkers/), which judge the real model.

import type { Judges, SnapshotMonitor } from '../../../driver/run.ts';
import type { Anomaly, Verdict } from '../../../checkers/verdict.ts';
import type { History, PollValue, SendValue } from '../../../checkers/history.ts';
import type { ClusterSnapshot } from '../../../checkers/cluster-state.ts';

export const snapshotCounter = { seen: 0 };

export const standInJudges: Judges = {
  checkHistory(history: History): Verdict {
    const finalRead = [...history].reverse().find((e) => e.type === 'ok' && e.f === 'poll');
    const records = new Map<number, string>(
      ((finalRead?.value as PollValue | undefined)?.records ?? []).map(([o, v]) => [o, v]),
    );
    const anomalies: Anomaly[] = [];
    for (const e of history) {
      if (e.type !== 'ok' || e.f !== 'send') continue;
      const v = e.value as SendValue;
      if (records.get(v.offset!) !== v.value) {
        anomalies.push({
          kind: 'lost-write',
          explanation: `acknowledged ${v.value} at offset ${v.offset} is not in the final read`,
          ops: [e.index],
          topic: v.topic,
          partition: v.partition,
          offsets: [v.offset!],
          values: [v.value],
        });
      }
    }
    return { valid: finalRead === undefined ? 'unknown' : anomalies.length === 0, checker: 'stand-in', anomalies };
  },
  createMonitor(_opts: { minInsyncReplicas?: number }): SnapshotMonitor {
    return {
      observe(_s: ClusterSnapshot) {
        snapshotCounter.seen++;
      },
      anomalies: () => [],
    };
  },
};
