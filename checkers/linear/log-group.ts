// Splits a Kafka history into its topic-partitions for the log models without building an
// object per operation (a million-operation history stays a few typed arrays), and offers
// each part to the fast path as LogOps. What is left out, as in models.ts: `assign`, polls
// that did not end ok, sends that failed. Any other operation name is an input error.

import type { History, PollValue, SendValue } from '../history.ts';
import { GROUP_OPS } from '../history.ts';
import { HistoryInputError } from '../errors.ts';
import { OUTCOME_FAIL, OUTCOME_INFO, OUTCOME_OK, operationAt, type Operation, type PairedPositions } from '../ops.ts';
import type { LogOps } from './log-fast.ts';
import { describeLogOp, type ModelName } from './models.ts';
import { NEVER_RETURNS } from './partition.ts';

export interface LogGroup {
  key: string;
  topic: string;
  partition: number;
  /** Op ids (indices into the pairing), in invoke order. */
  ids: Int32Array;
}

export function groupLogOperations(
  history: History,
  paired: PairedPositions,
  model: ModelName,
): { groups: LogGroup[]; dropped: number } {
  const n = paired.count;
  const gid = new Int32Array(n);
  const byTopic = new Map<string, Map<number, number>>();
  const meta: Array<{ topic: string; partition: number; size: number }> = [];
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const inv = history[paired.invokePos[i]];
    const f = inv.f;
    if (f !== 'send' && f !== 'poll' && f !== 'assign' && !GROUP_OPS.has(f)) {
      throw new HistoryInputError(
        `operation f=${f} at history index ${inv.index} is not part of the ${model} model (it knows send, poll, ` +
          `assign)`,
      );
    }
    const outcome = paired.outcome[i];
    if (
      f === 'assign' ||
      GROUP_OPS.has(f) ||
      (f === 'poll' && outcome !== OUTCOME_OK) ||
      (f === 'send' && outcome === OUTCOME_FAIL)
    ) {
      gid[i] = -1;
      dropped++;
      continue;
    }
    const v = inv.value as SendValue | PollValue;
    let parts = byTopic.get(v.topic);
    if (parts === undefined) byTopic.set(v.topic, (parts = new Map()));
    let g = parts.get(v.partition);
    if (g === undefined) {
      g = meta.length;
      parts.set(v.partition, g);
      meta.push({ topic: v.topic, partition: v.partition, size: 0 });
    }
    gid[i] = g;
    meta[g].size++;
  }
  const ids = meta.map((m) => new Int32Array(m.size));
  const fill = new Int32Array(meta.length);
  for (let i = 0; i < n; i++) if (gid[i] >= 0) ids[gid[i]][fill[gid[i]]++] = i;
  const groups = meta.map((m, g) => ({
    key: `${m.topic}/${m.partition}`,
    topic: m.topic,
    partition: m.partition,
    ids: ids[g],
  }));
  groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { groups, dropped };
}

export function logOpsOfGroup(history: History, paired: PairedPositions, g: LogGroup): LogOps {
  const n = g.ids.length;
  const callPos = new Int32Array(n);
  const retPos = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const id = g.ids[i];
    callPos[i] = paired.invokePos[id];
    retPos[i] = paired.outcome[id] === OUTCOME_INFO ? NEVER_RETURNS : paired.completePos[id];
  }
  const completeAt = new Int32Array(n);
  for (let i = 0; i < n; i++) completeAt[i] = paired.completePos[g.ids[i]];
  const completeOf = (i: number) => (completeAt[i] >= 0 ? history[completeAt[i]] : undefined);
  return {
    key: g.key,
    label: `partition ${g.key}`,
    n,
    callPos,
    retPos,
    events: history,
    invokeAt: callPos,
    completeAt,
    historyIndex: (i) => history[callPos[i]].index,
    describe: (i) => describeLogOp(history[callPos[i]], completeOf(i)),
  };
}

/** The group's operations as objects (for the general search). */
export function operationsOfGroup(history: History, paired: PairedPositions, g: LogGroup): Operation[] {
  const out = new Array<Operation>(g.ids.length);
  for (let i = 0; i < g.ids.length; i++) out[i] = operationAt(history, paired, g.ids[i]);
  return out;
}
