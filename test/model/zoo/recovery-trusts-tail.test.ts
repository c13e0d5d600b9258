// Bug zoo: recovery-trusts-tail. Recovery after an unclean shutdown reads the segments past
// the recovery point without checking each batch's CRC (Kafka: LogSegment.recover calls
// batch.ensureValid and truncates at the first invalid batch). A power loss that struck while
// the kernel was writing a follower's dirty pages back leaves a batch whose header page
// reached the disk and whose later page did not: it reads back as zeros. The variant keeps
// that batch, with zeroed values, under the epoch and offsets of its header.
// Schedule (RF 3): eight records of 1,000 bytes (about two pages of a segment) commit on all
// three; within the 30 s before the kernel writes them back, follower F loses power in the
// middle of writeback (torn) and restarts. The correct F cuts its log at the torn batch and
// fetches it again from the leader; the variant's F keeps zeroed records at offsets the
// leader holds with their values, below both high watermarks.
// Caught by: log-matching.

import { describe, expect, it } from 'vitest';
import { recordingCodeProbes } from '../helpers.ts';
import { othersThan, runSchedule, type Schedule } from './harness.ts';

const RECORDS = 8;
const VALUE_BYTES = 1_000;
/** A seed whose torn writeback keeps the first page of F's dirty range and loses a later one. */
const SEED = 3;

const schedule: Schedule = (c) => {
  const leader = c.state().leader;
  for (let i = 0; i < RECORDS; i++) c.produceAndWait(leader, [`r${i}-`.padEnd(VALUE_BYTES, '.')]);
  const [f] = othersThan(c, leader);
  c.runUntil(() => c.replica(f).log.hw === RECORDS, 10_000_000);
  // The journal commits the segment file's creation within 5 s (jbd2); its data waits 30 s.
  c.runFor(6_000_000);
  c.sim.powerLoss(f, { tornTail: true });
  c.sim.start(f);
  c.runFor(10_000_000);
};

describe('zoo: recovery-trusts-tail', () => {
  it('the variant keeps a torn batch whose later page never reached the disk (log-matching)', () => {
    let kinds: readonly string[] = [];
    const hit = recordingCodeProbes(() => {
      kinds = runSchedule('recovery-trusts-tail', { seed: SEED }, schedule).kinds;
    });
    expect(hit).toContain('log-recovery-trusted-torn-batch');
    expect(kinds).toContain('log-matching');
  });

  it('the correct model cuts the log at the torn batch and fetches it again', () => {
    let anomalies: readonly unknown[] = [];
    const hit = recordingCodeProbes(() => {
      anomalies = runSchedule('correct', { seed: SEED }, schedule).anomalies;
    });
    expect(hit).toContain('log-recovery-torn-entry');
    expect(anomalies).toEqual([]);
  });
});
