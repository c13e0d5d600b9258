// Bug zoo: no-producer-state-reload. A replica that truncates its log keeps the producer state
// (producer ids, epochs, the last five batches' sequences and offsets) of the batches it cut
// away; Kafka reloads it from what is left (UnifiedLog.truncateTo →
// ProducerStateManager.truncateAndReload).
// Schedule (RF 3): producer 7 writes m0 (sequence 0), committed on all three. Leader A is cut
// from everyone and takes x1 (producer 7, sequence 1) alone with acks=1; the controller fences
// it and B leads, writing y1 (producer 8) at offset 1. A comes back, truncates x1 away and
// copies y1. Then B and C lose the controller and A leads again; producer 7 retries x1
// (sequence 1). The correct A no longer knows sequence 1 and appends x1 at offset 2; the
// variant answers "duplicate" with x1's old offset 1, which now holds y1: an acknowledged
// write that is in no log.

import { describe, expect, it } from 'vitest';
import { CONTROLLER_ID } from '../../../model/config.ts';
import type { ClientResponse } from '../../../model/client-protocol.ts';
import { othersThan, runSchedule, type Schedule } from './harness.ts';

type ProduceResponse = Extract<ClientResponse, { type: 'ProduceResponse' }>;

/** The schedule, and the answer to the retry of x1 (filled in as it runs). */
function scheduleWithRetry(): { schedule: Schedule; retry: { response?: ProduceResponse; leader: number } } {
  const retry: { response?: ProduceResponse; leader: number } = { leader: -1 };
  const schedule: Schedule = (c) => {
    const a = c.state().leader;
    const [b, cc] = othersThan(c, a);
    c.produceAndWait(a, ['m0'], { producerId: 7, baseSequence: 0 });
    c.runFor(1_000_000);
    const cutA = c.sim.network.cut({ kind: 'split', sideA: [a], sideB: [b, cc, CONTROLLER_ID] });
    c.produceAndWait(a, ['x1'], { acks: 1, producerId: 7, baseSequence: 1 });
    c.runUntil(() => c.leaderReady(a), 30_000_000);
    c.produceAndWait(c.state().leader, ['y1'], { producerId: 8, baseSequence: 0 });
    c.sim.network.heal(cutA);
    c.runUntil(() => c.state().isr.length === 3 && c.logOf(a).length === 2, 60_000_000);
    const lead = c.state().leader;
    const other = lead === b ? cc : b;
    c.sim.network.cut({ kind: 'link', a: lead, b: CONTROLLER_ID });
    c.sim.network.cut({ kind: 'link', a: other, b: CONTROLLER_ID });
    c.runUntil(() => c.state().leader === a && c.leaderReady(), 60_000_000);
    retry.leader = a;
    retry.response = c.produceAndWait(a, ['x1'], { acks: 1, producerId: 7, baseSequence: 1 });
  };
  return { schedule, retry };
}

describe('zoo: no-producer-state-reload', () => {
  it('the variant acknowledges the retry at an offset that holds another record', () => {
    const { schedule, retry } = scheduleWithRetry();
    const out = runSchedule('no-producer-state-reload', {}, schedule);
    expect(retry.response).toMatchObject({ error: 'NONE', baseOffset: 1 });
    const log = out.cluster.logOf(retry.leader).map(([, , v]) => v);
    expect(log).toEqual(['m0', 'y1']);
    expect(log).not.toContain('x1');
  });

  it('the correct model reloads the producer state after truncation and appends the retry', () => {
    const { schedule, retry } = scheduleWithRetry();
    const out = runSchedule('correct', {}, schedule);
    expect(retry.response).toMatchObject({ error: 'NONE', baseOffset: 2 });
    expect(out.cluster.logOf(retry.leader).map(([, , v]) => v)).toEqual(['m0', 'y1', 'x1']);
  });
});
