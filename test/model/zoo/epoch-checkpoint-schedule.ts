// The hand-built KAFKA-16541 schedule (see test/model/epoch-checkpoint-versions.test.ts for the
// story), shared by that test (kafka.version 3.7 against the others) and the zoo test of
// epoch-checkpoint-unsynced (3.7's rule at the newest version).

import { expect } from 'vitest';
import type { TestCluster } from '../helpers.ts';
import { othersThan, type Schedule } from './harness.ts';

/** Small segments: recovery re-reads only from the segment holding the recovery point. */
export const epochCheckpointConfig = { 'log.segment.bytes': 200 } as const;

const STOP_TIMEOUT_US = 30_000_000;

/** The schedule; `beforeLastStart` acts on B's disk while it is down after its power loss. */
export const epochCheckpointScheduleWith =
  (beforeLastStart: (c: TestCluster, b: number) => void): Schedule =>
  (c) => {
    const a = c.state().leader;
    for (let i = 0; i < 5; i++) c.produceAndWait(a, [`r${i}`]);
    for (const f of othersThan(c, a)) {
      let down = false;
      c.sim.requestStop(f, STOP_TIMEOUT_US, () => (down = true));
      c.runUntil(() => down, STOP_TIMEOUT_US);
      c.sim.start(f);
      c.runUntil(() => c.state().isr.includes(f) && c.replica(f).log.leo === 5, 60_000_000);
    }
    c.sim.crash(a);
    c.runUntil(() => c.leaderReady(a), 30_000_000);
    const b = c.state().leader;
    expect(c.replica(b).log.epochs.entries.at(-1)?.startOffset).toBe(5);
    c.sim.crash(b);
    c.runUntil(() => c.leaderReady(b), 30_000_000);
    c.sim.start(b);
    c.runFor(10_000_000);
    c.sim.powerLoss(b);
    beforeLastStart(c, b);
    c.sim.start(b);
    c.runFor(10_000_000);
  };
export const epochCheckpointSchedule = epochCheckpointScheduleWith(() => {});
