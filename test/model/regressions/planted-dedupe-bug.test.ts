// "Expected" must never hide a bug (issue 18 item 6): a broker dedupe bug whose duplicates
// the producer had also re-sent under a bumped epoch must stay a violation, not be excused as
// KIP-360 resends. The bug is planted for this test only (a stand-in wrapped around
// ProducerStates.check, no model switch): a leader stops recognising a retried batch of a
// producer whose epoch was bumped (Kafka: ProducerStateEntry.findDuplicateBatch finds it
// whatever the epoch). On the KIP-360 schedule of kip360-duplicate.test.ts (seed 214467's shrink
// with broker 1's power loss shifted to 120 ms for the KRaft metadata timing: fixture
// seed-214467-shifted.json) the producer re-sends p200-16 under epoch 1 at 19.31 s (offset 3 of
// t/0), its request times out while the HW stands still, and the buggy leader appends each of
// its three retries again under the same epoch (offsets 4, 5, 6): copies that do not each come
// under a newer epoch, so the promise tracker's evidence (driver/promise.ts AppendIdentities)
// refuses the excuse.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { PromiseTracker } from '../../../driver/promise.ts';
import { ProducerStates } from '../../../model/producer-state.ts';
import { fixtureInput, rerun } from './helpers.ts';

const SEED = 214467;

/** Plants the dedupe bug and records every value the producers re-sent under a bumped epoch. */
function plantDedupeBug(): Set<string> {
  const check = ProducerStates.prototype.check;
  vi.spyOn(ProducerStates.prototype, 'check').mockImplementation(function (this: ProducerStates, id, epoch, f, l) {
    const c = check.call(this, id, epoch, f, l);
    return c.kind === 'duplicate' && epoch > 0 ? { kind: 'append' } : c;
  });
  const resent = new Set<string>();
  const onResequenced = PromiseTracker.prototype.onResequenced;
  vi.spyOn(PromiseTracker.prototype, 'onResequenced').mockImplementation(function (
    this: PromiseTracker,
    producer,
    topic,
    partition,
    epoch,
    values,
  ) {
    for (const v of values) resent.add(`${partition}/${v}`);
    onResequenced.call(this, producer, topic, partition, epoch, values);
  });
  return resent;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a planted broker dedupe bug stays a violation beside genuine KIP-360 resends', () => {
  it('the correct model: the one duplicate is the KIP-360 resend, expected', () => {
    const { result, failing } = rerun(SEED, fixtureInput(SEED, 'shifted'));
    expect(failing).toEqual([]);
    const dups = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dups.map((a) => a.values)).toEqual([['p200-20']]);
  });

  it('with the bug: the re-sent value appended twice under one epoch is a violation, not a kip-360-resend', () => {
    const resent = plantDedupeBug();
    const { result } = rerun(SEED, fixtureInput(SEED, 'shifted'));
    const dups = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    const planted = dups.find((a) => a.values?.includes('p200-16'));
    expect(planted).toBeDefined();
    // Every value of it was re-sent under a new epoch: the evidence an excuse would look for.
    expect(planted!.values!.every((v) => resent.has(`${planted!.partition}/${v}`))).toBe(true);
    expect(planted!.expected).toBeUndefined();
    expect(planted!.expectedBecause).toBeUndefined();
    expect(result.outcome).toBe('violation');
    expect(result.failureKind).toBe('duplicate');
    // The genuine resend beside it is still Kafka's.
    const genuine = dups.find((a) => a.values?.includes('p200-20'));
    expect(genuine).toMatchObject({ expected: true, expectedBecause: { rule: 'kip-360-resend' } });
  });
});
