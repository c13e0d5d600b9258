// Bug zoo: epoch-checkpoint-no-fsync (KAFKA-16541; Kafka 3.7's KAFKA-15046 form). A truncation
// of the leader-epoch cache rewrites the checkpoint at once without fsync and renames it into
// place without flushing the directory. The journal commits the rename within seconds (any
// fsync, or its own 5 s commit) while the new file's data waits for writeback (30 s): a power
// loss in between leaves a zero-length checkpoint. Recovery rebuilds the cache only from the
// recovery point on, so the entries for the log below it are gone.
// Schedule (RF 3, defaults): five records commit on all three; the two followers restart
// cleanly one after the other (their recovery point is now 5). The leader is killed; a
// follower B is elected and caches its new epoch at offset 5 (no record in it). B is killed
// and the third broker leads. B restarts: its recovery point is 5 and its checkpoint has the
// entry at 5, which recovery's truncateFromEnd(5) drops, rewriting the checkpoint. 10 s
// later B loses power and restarts.
// Caught by: epoch-cache-complete (B's cache is empty while its log holds records 0..4).
// The correct model (3.8+) writes that truncation fsynced, on the broker's scheduler, right
// after; B comes back with the entry for epoch of records 0..4.

import { describe, expect, it } from 'vitest';
import { othersThan, runSchedule, type Schedule } from './harness.ts';

const STOP_TIMEOUT_US = 30_000_000;

const schedule: Schedule = (c) => {
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
  c.sim.start(b);
  c.runFor(10_000_000);
};

describe('zoo: epoch-checkpoint-no-fsync', () => {
  it('the variant leaves an empty epoch checkpoint after a power loss: the cache misses the old epochs', () => {
    const out = runSchedule('epoch-checkpoint-no-fsync', {}, schedule);
    expect(out.kinds).toContain('epoch-cache-complete');
  });

  it('the correct model writes the truncation fsynced (asynchronously) and loses no entry', () => {
    const out = runSchedule('correct', {}, schedule);
    expect(out.anomalies).toEqual([]);
  });
});
