// The consumer against fake brokers: reads in order up to the HW, KIP-320 truncation
// detection (OffsetsForLeaderEpoch after a leader change, the only way Kafka's consumer finds
// it) records an assign and never otherwise polls backwards, OFFSET_OUT_OF_RANGE resets by
// auto.offset.reset (an assign that says so, or a stop under `none`), fencing and timeouts are recorded
// as fail and info, and a randomized run with leader moves and cuts stays well formed.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AssignValue, PollValue, SendValue } from '../../../checkers/history.ts';
import type { ConsumerActor } from '../../../model/consumer.ts';
import { DEFAULT_KAFKA_CONFIG, type OffsetResetPolicy } from '../../../model/config.ts';
import { addConsumer, addProducer, assertWellFormed, completions, fakeRig } from './helpers.ts';

const C = 300;
const T0 = [{ topic: 't', partition: 0 }];

function polled(events: ReturnType<typeof fakeRig>['recorder']['events'], process?: number): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (const e of completions(events, 'poll', 'ok')) {
    if (process !== undefined && e.process !== process) continue;
    out.push(...((e.value as PollValue).records ?? []));
  }
  return out;
}

function assigns(events: ReturnType<typeof fakeRig>['recorder']['events']): number[] {
  return completions(events, 'assign', 'ok').map((e) => (e.value as AssignValue).offset);
}

describe('consumer', () => {
  it('starts with an assign at 0 and reads the log in order', () => {
    const rig = fakeRig(1);
    addProducer(rig, 200, { sends: 30 });
    addConsumer(rig, C, { assignment: T0 });
    rig.sim.run({ untilUs: 3_000_000 });
    const events = rig.recorder.events;
    const first = events.find((e) => e.process !== undefined && e.f === 'assign')!;
    expect(first.type).toBe('invoke');
    expect(first.value).toEqual({ topic: 't', partition: 0, offset: 0 });
    const log = rig
      .broker(1)
      .log('t', 0)
      .map((r) => [r.offset, r.value]);
    expect(polled(events)).toEqual(log);
    expect(log).toHaveLength(30);
    assertWellFormed(events);
  });

  it('detects truncation after a leader change (OffsetsForLeaderEpoch) and repositions with an assign', () => {
    const rig = fakeRig(2, { brokers: [1, 2] });
    rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 1, replicas: [1, 2] });
    rig.broker(1).seed('t', 0, 1, ['a0', 'a1', 'a2']);
    rig.broker(2).seed('t', 0, 1, ['a0', 'a1']);
    rig.broker(2).seed('t', 0, 2, ['b2', 'b3']);
    addConsumer(rig, C, { assignment: T0 });
    rig.sim.at(200_000, 'leader change', () =>
      rig.world.partitions.set('t/0', { leader: 2, leaderEpoch: 2, replicas: [1, 2] }),
    );
    rig.sim.run({ untilUs: 2_000_000 });
    const events = rig.recorder.events;
    expect(assigns(events)).toEqual([0, 2]);
    expect(polled(events)).toEqual([
      [0, 'a0'],
      [1, 'a1'],
      [2, 'a2'],
      [2, 'b2'],
      [3, 'b3'],
    ]);
    const consumer = rig.sim.actor<ConsumerActor>(C)!;
    expect(consumer.fetchers[0].stats.truncations).toBe(1);
    expect(consumer.positions()[0].offset).toBe(4);
    assertWellFormed(events);
  });

  it('a committed leader epoch newer than the metadata: no validation against the deposed leader', () => {
    // ConsumerUtils.refreshCommittedOffsets → Metadata.updateLastSeenEpochIfNewer: a committed
    // offset of epoch 2 while every broker still answers metadata of epoch 1 (leader 1) leaves
    // the partition with no current leader (Metadata.currentLeader); the position awaits
    // validation (AWAIT_VALIDATION) until metadata of epoch 2 names broker 2, and is then
    // validated there. Before: validated at once against broker 1, which sent it back to 2.
    const rig = fakeRig(12, { brokers: [1, 2] });
    rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 1, replicas: [1, 2] });
    rig.broker(1).seed('t', 0, 1, ['a0', 'a1']);
    rig.broker(2).seed('t', 0, 1, ['a0', 'a1']);
    rig.broker(2).seed('t', 0, 2, ['b2', 'b3']);
    addConsumer(rig, C, { assignment: T0, pollIntervalMs: 50 });
    const fetcher = () => rig.sim.actor<ConsumerActor>(C)!.fetchers[0];
    let restartedUs = -1;
    // the group member's seek to its committed offset (4, epoch 2), once no request is out
    const restart = (atUs: number): void => {
      rig.sim.at(atUs, 'seek to the committed offset', () => {
        const f = fetcher();
        if (f.state !== 'waiting' && f.state !== 'stopped') return restart(atUs + 1_000);
        f.stop();
        f.start(4, 2);
        restartedUs = atUs;
      });
    };
    restart(300_000);
    const seen: Array<[string, boolean, number]> = [];
    rig.sim.at(900_000, 'sample', () => seen.push([fetcher().state, fetcher().hasValidPosition(), fetcher().position]));
    rig.sim.at(1_000_000, 'metadata catches up', () =>
      rig.world.partitions.set('t/0', { leader: 2, leaderEpoch: 2, replicas: [1, 2] }),
    );
    rig.sim.run({ untilUs: 2_000_000 });
    expect(restartedUs).toBeGreaterThan(0);
    const validations = (id: number) =>
      rig.broker(id).received.filter((m) => m.type === 'OffsetsForLeaderEpochRequest');
    expect(validations(1)).toEqual([]);
    expect(validations(2).length).toBeGreaterThan(0);
    expect(validations(2).every((m) => m.type === 'OffsetsForLeaderEpochRequest' && m.currentLeaderEpoch === 2)).toBe(
      true,
    );
    // waiting for a leader, not valid (commits leave it out), the position held
    expect(seen).toEqual([['awaiting-metadata', false, 4]]);
    expect(assigns(rig.recorder.events)).toEqual([0, 4]);
    expect(fetcher().stats.truncations).toBe(0);
    expect(fetcher().position).toBe(4);
    expect(fetcher().hasValidPosition()).toBe(true);
    assertWellFormed(rig.recorder.events);
  });

  it('truncation found by validation under auto.offset.reset=none: LogTruncationException, no seek back', () => {
    // SubscriptionState.maybeCompleteValidation with no reset policy returns a LogTruncation
    // (3.9.0-rc3); OffsetFetcherUtils caches a LogTruncationException the next poll throws.
    const rig = fakeRig(2, { brokers: [1, 2] });
    rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 1, replicas: [1, 2] });
    rig.broker(1).seed('t', 0, 1, ['a0', 'a1', 'a2']);
    rig.broker(2).seed('t', 0, 1, ['a0', 'a1']);
    rig.broker(2).seed('t', 0, 2, ['b2', 'b3']);
    addConsumer(rig, C, { assignment: T0, config: { ...DEFAULT_KAFKA_CONFIG, 'auto.offset.reset': 'none' } });
    rig.sim.at(200_000, 'leader change', () =>
      rig.world.partitions.set('t/0', { leader: 2, leaderEpoch: 2, replicas: [1, 2] }),
    );
    rig.sim.run({ untilUs: 2_000_000 });
    const events = rig.recorder.events;
    expect(assigns(events)).toEqual([0]);
    expect(polled(events)).toEqual([
      [0, 'a0'],
      [1, 'a1'],
      [2, 'a2'],
    ]);
    // The old leader's NOT_LEADER_OR_FOLLOWER, then the exception, last.
    const failed = completions(events, 'poll', 'fail').map((e) => [e.error, (e.value as PollValue).offset]);
    expect(failed).toEqual([
      ['NOT_LEADER_OR_FOLLOWER', 3],
      ['LogTruncationException', 3],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'fail', f: 'poll', error: 'LogTruncationException' });
    const fetcher = rig.sim.actor<ConsumerActor>(C)!.fetchers[0];
    expect(fetcher.isStopped()).toBe(true);
    expect(fetcher.hasValidPosition()).toBe(false);
    expect(fetcher.position).toBe(3);
    assertWellFormed(events);
  });

  it('does not reposition after a leader change that truncated nothing', () => {
    const rig = fakeRig(3, { brokers: [1, 2] });
    rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 1, replicas: [1, 2] });
    rig.broker(1).seed('t', 0, 1, ['a0', 'a1']);
    rig.broker(2).seed('t', 0, 1, ['a0', 'a1']);
    rig.broker(2).seed('t', 0, 2, ['b2']);
    addConsumer(rig, C, { assignment: T0 });
    rig.sim.at(200_000, 'leader change', () =>
      rig.world.partitions.set('t/0', { leader: 2, leaderEpoch: 2, replicas: [1, 2] }),
    );
    rig.sim.run({ untilUs: 2_000_000 });
    expect(assigns(rig.recorder.events)).toEqual([0]);
    expect(polled(rig.recorder.events).map(([o]) => o)).toEqual([0, 1, 2]);
    expect(rig.sim.actor<ConsumerActor>(C)!.fetchers[0].stats.validations).toBeGreaterThan(0);
    assertWellFormed(rig.recorder.events);
  });

  it('a position awaiting its OffsetsForLeaderEpoch answer is not valid until answered (AWAIT_VALIDATION)', () => {
    const rig = fakeRig(8, { brokers: [1, 2] });
    rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 1, replicas: [1, 2] });
    rig.broker(1).seed('t', 0, 1, ['a0', 'a1']);
    rig.broker(2).seed('t', 0, 1, ['a0', 'a1']);
    addConsumer(rig, C, { assignment: T0 });
    const seen: Array<[string, boolean]> = [];
    const sample = (atUs: number): void => {
      rig.sim.at(atUs, 'sample', () => {
        const f = rig.sim.actor<ConsumerActor>(C)!.fetchers[0];
        seen.push([f.state, f.hasValidPosition()]);
      });
    };
    // the new leader cannot answer the consumer: its validation stays out until the cut heals
    rig.sim.at(200_000, 'leader change behind a cut', () => {
      const cut = rig.sim.network.cut({ kind: 'link', a: 2, b: C });
      rig.world.partitions.set('t/0', { leader: 2, leaderEpoch: 2, replicas: [1, 2] });
      rig.sim.at(1_500_000, 'heal', () => rig.sim.network.heal(cut));
    });
    for (let t = 150_000; t < 3_000_000; t += 10_000) sample(t);
    rig.sim.run({ untilUs: 3_000_000 });
    // SubscriptionState.FetchStates: AWAIT_VALIDATION has no valid position, FETCHING has
    expect(seen[0]).toEqual(['waiting', true]);
    expect(seen).toContainEqual(['validating', false]);
    expect(seen.filter(([state]) => state === 'validating').every(([, valid]) => !valid)).toBe(true);
    // the request lost at the cut: a retry waits, still awaiting validation (requestFailed)
    expect(seen).toContainEqual(['waiting', false]);
    // answered: FETCHING again
    expect(seen[seen.length - 1][1]).toBe(true);
    expect(rig.sim.actor<ConsumerActor>(C)!.fetchers[0].stats.validations).toBeGreaterThan(0);
    assertWellFormed(rig.recorder.events);
  });

  it('a known position whose leader is unknown stays valid (FETCHING: maybeValidatePosition needs a leader)', () => {
    const rig = fakeRig(9);
    rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 1, replicas: [1] });
    rig.broker(1).seed('t', 0, 1, ['a0']);
    addConsumer(rig, C, { assignment: T0 });
    const seen: Array<[string, boolean]> = [];
    rig.sim.at(200_000, 'leader lost', () =>
      rig.world.partitions.set('t/0', { leader: -1, leaderEpoch: 1, replicas: [1] }),
    );
    rig.sim.at(1_000_000, 'sample', () => {
      const f = rig.sim.actor<ConsumerActor>(C)!.fetchers[0];
      seen.push([f.state, f.hasValidPosition()]);
    });
    rig.sim.run({ untilUs: 1_500_000 });
    expect(seen).toEqual([['awaiting-metadata', true]]);
  });

  it('sends no last fetched epoch: a log rewritten under it with no leader change goes unnoticed', () => {
    const rig = fakeRig(4);
    rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 1, replicas: [1] });
    rig.broker(1).seed('t', 0, 1, ['a0', 'a1', 'a2']);
    addConsumer(rig, C, { assignment: T0 });
    // Rewrite the leader's log under the consumer without an epoch the consumer could see in
    // metadata: Kafka's consumer finds truncation only by validation after a leader change.
    rig.sim.at(200_000, 'rewrite', () => {
      const log = rig.broker(1).log('t', 0);
      log.length = 1;
      rig.broker(1).seed('t', 0, 2, ['c1', 'c2', 'c3']);
    });
    rig.sim.run({ untilUs: 2_000_000 });
    const events = rig.recorder.events;
    expect(assigns(events)).toEqual([0]);
    expect(polled(events)).toEqual([
      [0, 'a0'],
      [1, 'a1'],
      [2, 'a2'],
      [3, 'c3'],
    ]);
    assertWellFormed(events);
  });

  /** A log of three records cut to two under a consumer at position 3, then one more record. */
  function outOfRange(seed: number, reset: OffsetResetPolicy): ReturnType<typeof fakeRig> {
    const rig = fakeRig(seed);
    rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 1, replicas: [1] });
    rig.broker(1).seed('t', 0, 1, ['a0', 'a1', 'a2']);
    addConsumer(rig, C, { assignment: T0, config: { ...DEFAULT_KAFKA_CONFIG, 'auto.offset.reset': reset } });
    rig.sim.at(200_000, 'cut', () => {
      rig.broker(1).log('t', 0).length = 1;
      rig.broker(1).seed('t', 0, 1, ['c1']);
    });
    rig.sim.at(600_000, 'append', () => rig.broker(1).seed('t', 0, 1, ['c2']));
    rig.sim.run({ untilUs: 2_000_000 });
    return rig;
  }

  function resets(events: ReturnType<typeof fakeRig>['recorder']['events']): Array<[number, string | undefined]> {
    return completions(events, 'assign', 'ok').map((e) => {
      const v = e.value as AssignValue;
      return [v.offset, v.reset];
    });
  }

  it('OFFSET_OUT_OF_RANGE under auto.offset.reset=latest: an assign at the HW that says so, then reads on', () => {
    const rig = outOfRange(41, 'latest');
    const events = rig.recorder.events;
    expect(completions(events, 'poll', 'fail').map((e) => e.error)).toEqual(['OFFSET_OUT_OF_RANGE']);
    expect(resets(events)).toEqual([
      [0, undefined],
      [2, 'latest'],
    ]);
    expect(polled(events)).toEqual([
      [0, 'a0'],
      [1, 'a1'],
      [2, 'a2'],
      [2, 'c2'],
    ]);
    expect(rig.sim.actor<ConsumerActor>(C)!.fetchers[0].stats.resets).toBe(1);
    assertWellFormed(events);
  });

  it('OFFSET_OUT_OF_RANGE under auto.offset.reset=earliest: back to the log start', () => {
    const events = outOfRange(42, 'earliest').recorder.events;
    expect(resets(events)).toEqual([
      [0, undefined],
      [0, 'earliest'],
    ]);
    expect(polled(events).slice(3)).toEqual([
      [0, 'a0'],
      [1, 'c1'],
      [2, 'c2'],
    ]);
    assertWellFormed(events);
  });

  it('OFFSET_OUT_OF_RANGE under auto.offset.reset=none: the error reaches the application, which stops reading', () => {
    const rig = outOfRange(43, 'none');
    const events = rig.recorder.events;
    expect(completions(events, 'poll', 'fail').map((e) => e.error)).toEqual(['OFFSET_OUT_OF_RANGE']);
    expect(resets(events)).toEqual([[0, undefined]]);
    expect(polled(events)).toHaveLength(3);
    expect(rig.sim.actor<ConsumerActor>(C)!.fetchers[0].isStopped()).toBe(true);
    assertWellFormed(events);
  });

  it('records FENCED_LEADER_EPOCH as a failed poll, refreshes metadata and goes on', () => {
    const rig = fakeRig(5);
    rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 1, replicas: [1] });
    rig.broker(1).seed('t', 0, 1, ['a0']);
    addConsumer(rig, C, { assignment: T0 });
    rig.sim.at(100_000, 'epoch bump', () => {
      rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 2, replicas: [1] });
      rig.broker(1).seed('t', 0, 2, ['a1']);
    });
    rig.sim.run({ untilUs: 2_000_000 });
    const fails = completions(rig.recorder.events, 'poll', 'fail');
    expect(fails.length).toBeGreaterThan(0);
    expect(fails.every((e) => e.error === 'FENCED_LEADER_EPOCH')).toBe(true);
    expect(polled(rig.recorder.events)).toEqual([
      [0, 'a0'],
      [1, 'a1'],
    ]);
    expect(assigns(rig.recorder.events)).toEqual([0]);
    assertWellFormed(rig.recorder.events);
  });

  it('records a poll whose answer never comes as info, and resumes after the cut heals', () => {
    const rig = fakeRig(6);
    rig.broker(1).seed('t', 0, 0, ['a0']);
    addConsumer(rig, C, { assignment: T0 });
    rig.sim.at(100_000, 'cut', () => {
      const cut = rig.sim.network.cut({ kind: 'link', a: 1, b: C });
      rig.sim.at(2_500_000, 'heal', () => rig.sim.network.heal(cut));
    });
    rig.sim.at(3_000_000, 'more', () => rig.broker(1).seed('t', 0, 0, ['a1']));
    rig.sim.run({ untilUs: 4_000_000 });
    const info = completions(rig.recorder.events, 'poll', 'info');
    expect(info.length).toBeGreaterThan(0);
    expect(info.every((e) => e.error === 'timeout' || e.error === 'disconnect')).toBe(true);
    expect(polled(rig.recorder.events)).toEqual([
      [0, 'a0'],
      [1, 'a1'],
    ]);
    assertWellFormed(rig.recorder.events);
  });

  it('polls several partitions concurrently, one process per partition', () => {
    const topics = [{ name: 'm', partitions: 3, replicationFactor: 1 }];
    const rig = fakeRig(7, { topics });
    addProducer(rig, 200, { sends: 30, topics, keys: 5 });
    addConsumer(rig, C, { topics, assignment: [0, 1, 2].map((partition) => ({ topic: 'm', partition })) });
    rig.sim.run({ untilUs: 3_000_000 });
    const events = rig.recorder.events;
    const processes = new Set(events.filter((e) => e.f === 'poll').map((e) => e.process));
    expect(processes.size).toBe(3);
    for (const v of completions(events, 'send', 'ok').map((e) => e.value as SendValue)) {
      const seen = completions(events, 'poll', 'ok')
        .map((e) => e.value as PollValue)
        .filter((p) => p.partition === v.partition)
        .flatMap((p) => p.records ?? []);
      expect(seen).toContainEqual([v.offset, v.value]);
    }
    assertWellFormed(events);
  });

  it('randomized leader moves and cuts: history well formed, polls monotonic, every ack read at its offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(
          fc.record({
            atMs: fc.integer({ min: 0, max: 3_000 }),
            kind: fc.constantFrom('move', 'cut'),
            broker: fc.constantFrom(1, 2, 3),
            forMs: fc.integer({ min: 100, max: 2_500 }),
          }),
          { maxLength: 6 },
        ),
        (seed, faults) => {
          const rig = fakeRig(seed, { brokers: [1, 2, 3], shared: true });
          let epoch = 0;
          for (const f of faults) {
            rig.sim.at(f.atMs * 1000, f.kind, () => {
              if (f.kind === 'move')
                rig.world.partitions.set('t/0', { leader: f.broker, leaderEpoch: ++epoch, replicas: [1, 2, 3] });
              else {
                const cut = rig.sim.network.cut({ kind: 'isolate', node: f.broker });
                rig.sim.at(rig.sim.now() + f.forMs * 1000, 'heal', () => rig.sim.network.heal(cut));
              }
            });
          }
          addProducer(rig, 200, { sends: 40, sendIntervalMs: 50 });
          addConsumer(rig, C, { assignment: T0 });
          rig.sim.run({ untilUs: 25_000_000 });
          const events = rig.recorder.events;
          assertWellFormed(events);
          expect(assigns(events)).toEqual([0]); // the shared log never truncates
          const read = new Map(polled(events));
          for (const v of completions(events, 'send', 'ok').map((e) => e.value as SendValue))
            expect(read.get(v.offset!)).toBe(v.value);
          expect(completions(events, 'send')).toHaveLength(40);
        },
      ),
      { numRuns: 25, seed: 42 },
    );
  });
});
