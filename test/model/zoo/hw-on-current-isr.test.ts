// Bug zoo: hw-on-current-isr (undoes KIP-497's maximal ISR). The leader advances the HW over
// its committed ISR only, ignoring a replica it has proposed to add in an AlterPartition that
// is still in flight — which the controller may yet accept.
// Schedule (RF 3, min.insync.replicas 2, replica.lag.time.max.ms 5 s): records commit on all
// three; C is cut off and leaves the ISR; the cut heals, C catches up and the leader proposes C
// for the ISR, but that AlterPartition is lost (a momentary cut leader → controller triggered
// by it, so it is resent only after controller.socket.timeout.ms, 30 s) and C is cut off again.
// More sends: the variant commits and acknowledges them on {L, F} once C stops counting as
// caught up (the next write recomputes the HW); the correct model keeps C (in its maximal ISR)
// in the HW and they time out. The
// resent AlterPartition is accepted: C joins the ISR without those records. L is killed at that
// moment, then F.
// Caught by: candidate-complete (C in the ISR below the true HW), then acked-durable.

import { describe, expect, it } from 'vitest';
import { runSchedule } from './harness.ts';
import { hwOnCurrentIsrOpts as opts, hwOnCurrentIsrSchedule as schedule } from './hw-on-current-isr-schedule.ts';

describe('zoo: hw-on-current-isr', () => {
  it('the variant acknowledges records that a replica joining the ISR lacks, then elects it', () => {
    const out = runSchedule('hw-on-current-isr', opts, schedule);
    expect(out.kinds).toContain('candidate-complete');
    expect(out.kinds).toContain('acked-durable');
    expect(out.anomalies.filter((a) => a.kind === 'acked-durable').map((a) => a.values![0])).toContain('e0');
  });

  it('the correct model keeps the proposed replica in the HW (maximal ISR): nothing acknowledged is lost', () => {
    const out = runSchedule('correct', opts, schedule);
    expect(out.anomalies).toEqual([]);
    expect(out.cluster.acked.map((a) => a.value)).not.toContain('e0');
  });
});
