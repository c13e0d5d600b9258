// checkers/liveness.ts: a partition that did not recover after the heal is named with the
// conditions it never met (`unrecovered`), so what explains a failure can be told from what
// does not (driver/promise.ts hangingTxnBreach: a hanging transaction holds up the probe's poll alone).

import { describe, expect, it } from 'vitest';
import { createLivenessTracker } from '../../checkers/liveness.ts';
import { partitionView, replica, snapshot } from './helpers.ts';

const opts = { lastHealUs: 0, boundUs: 10_000, minInsyncReplicas: 2 };
const led = (isr: number[]) =>
  snapshot({
    timeUs: 1000,
    controller: { up: true, partitions: [partitionView({ isr })] },
    replicas: [replica({ broker: 1, role: 'leader' })],
  });

describe('liveness: the conditions a partition never met', () => {
  it('names only the probe poll when the leader, the ISR and the probe send recovered', () => {
    const lt = createLivenessTracker(opts);
    lt.observe(led([1, 2, 3]));
    lt.probe({ topic: 't', partition: 0, kind: 'send', ok: true, timeUs: 2000 });
    const [a] = lt.finish().anomalies;
    expect(a).toMatchObject({ kind: 'liveness', topic: 't', partition: 0, unrecovered: ['poll'] });
  });

  it('names the ISR and the send too when they never recovered', () => {
    const lt = createLivenessTracker(opts);
    lt.observe(led([1]));
    const [a] = lt.finish().anomalies;
    expect(a.unrecovered).toEqual(['isr', 'send', 'poll']);
  });

  it('names nothing for a partition that recovered', () => {
    const lt = createLivenessTracker(opts);
    lt.observe(led([1, 2]));
    lt.probe({ topic: 't', partition: 0, kind: 'send', ok: true, timeUs: 2000 });
    lt.probe({ topic: 't', partition: 0, kind: 'poll', ok: true, timeUs: 3000 });
    expect(lt.finish().anomalies).toEqual([]);
  });
});
