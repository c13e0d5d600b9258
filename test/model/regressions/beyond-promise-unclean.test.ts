// Regression (the promise tracker's rule 'last-known-leader-elected', driver/promise.ts; with the model's
// LastKnownElr election): a data loss Kafka itself suffers was reported as a violation.
//
// Fuzzer report: swarm, correct model, seed 275 of base seed 1. Story: RF 3, min ISR 2. Cuts
// shrink the ISR to [2] with ELR [3]. Broker 2 is stopped cleanly twice in a row; the second
// stop comes before its new incarnation had registered, so its clean-shutdown marker holds
// broker epoch -1 (Kafka's LogManager.shutdown writes lifecycleManager.brokerEpoch, -1 before
// registration) and the controller judges the restart unclean (previousBrokerEpoch is not the
// registered epoch): broker 2 leaves the ELR. Broker 3, elected from the ELR, loses power
// (torn tail, its log recovers to offset 0) and is fenced: ISR and ELR become empty,
// LastKnownElr = [3]. Broker 3 comes back, re-registers uncleanly and, as the last known
// leader, is elected again (KIP-966 without unclean recovery): broker 2 truncates to it and
// acknowledged records are gone. Real Kafka does exactly this.
//
// KIP-966 promises "MinISR-1 tolerance to data loss unclean shutdown events"; here two
// replicas were uncleanly down at once (min.insync.replicas = 2) and the one Kafka elected out
// of the empty ISR and ELR had lost data, which is past that tolerance. The promise tracker
// now (1) learns from the controller's 'unclean-shutdown' probe which restarts Kafka judged unclean,
// and (2) marks a run beyond the durability promise when a broker that lost data (and has not
// re-fetched it) is elected out of an empty ISR and ELR while min.insync.replicas replicas of
// the partition are uncleanly down.

// The smallest case, seed 111034 of the same campaign: RF 2, min ISR 2. The leader (broker 1)
// is killed; the follower (broker 2) loses power, losing the committed record at offset 0,
// and restarts while its old session still lives, so the controller elects it when broker 1
// is fenced; it is fenced in turn (ISR [], ELR [1, 2], LastKnownElr [2]) and re-registers
// uncleanly (ELR [1]). When broker 1 re-registers, also uncleanly, the same change empties
// the ELR and elects the last known leader, broker 2; broker 1 truncates the record away.
// One kill -9 and one power loss: two unclean shutdowns, past KIP-966's MinISR-1.

import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../scenarios/index.ts';
import type { RunResult } from '../../../driver/run.ts';
import { rerun } from './helpers.ts';

/** Every anomaly is excused by one breach: broker `node`, which lost data, elected last known leader of t/0. */
function expectElectionOf(result: RunResult, node: number): void {
  const rules = result.verdict.anomalies.filter((a) => a.informational !== true).map((a) => a.expectedBecause);
  expect(rules.length).toBeGreaterThan(0);
  for (const b of rules) expect(b).toMatchObject({ rule: 'last-known-leader-elected', partition: 0, nodes: [node] });
}

const seed275: ScenarioInput = {
  shape: {
    brokers: 3,
    replicationFactor: 3,
    minInsync: 2,
    partitions: 1,
    // Found before clean stops were controlled shutdowns (issue 13): replayed without them.
    timing: {
      'replica.lag.time.max.ms': 4000,
      'replica.high.watermark.checkpoint.interval.ms': 500,
      'broker.session.timeout.ms': 6000,
      'controlled.shutdown.enable': false,
    },
  },
  workload: { producers: 1, consumers: 2, sends: 99, keys: 0, sendIntervalMs: 135, pollIntervalMs: 286 },
  faults: [
    {
      trigger: { kind: 'at', atMs: 6686 },
      action: {
        kind: 'cut',
        cut: { shape: 'link', a: { kind: 'follower', partition: 0, index: 0 }, b: { kind: 'leader', partition: 0 } },
        durationMs: 10000,
      },
    },
    {
      trigger: {
        kind: 'after',
        delayUs: 1000000,
        nth: 1,
        event: { probe: 'isr-change', broker: null, partition: null, change: 'shrink', appendedOnly: false },
      },
      action: {
        kind: 'cut',
        cut: { shape: 'link', a: { kind: 'follower', partition: 0, index: 1 }, b: { kind: 'leader', partition: 0 } },
        durationMs: 43974,
      },
    },
    {
      trigger: {
        kind: 'after',
        delayUs: 500000,
        nth: 1,
        event: { probe: 'isr-change', broker: null, partition: null, change: 'shrink', appendedOnly: false },
      },
      action: { kind: 'restart', target: { kind: 'leader', partition: 0 }, downMs: 7652 },
    },
    {
      trigger: {
        kind: 'on',
        event: { probe: 'alter-partition-applied', broker: null, partition: 0, change: 'any', appendedOnly: false },
        nth: 2,
        afterMs: 874,
        // Found with 909 µs. Under the KRaft metadata timing (25 ms append linger) that run no longer
        // stops the leader a second time before its new incarnation registers, and nothing is lost;
        // delays from 30 ms to 170 ms replay the story (here the twice-stopped leader is broker 1:
        // stopped at 18.06 s for 351 ms, again at 18.525 s, ISR [1] ELR [3]; broker 3 elected from
        // the ELR at 24.5 s and loses power; broker 1's unclean registration at 26.2 s empties the ELR).
        delayUs: 60_000,
      },
      action: { kind: 'restart', target: { kind: 'leader', partition: 0 }, downMs: 351 },
    },
    {
      trigger: {
        kind: 'after',
        delayUs: 0,
        nth: 1,
        event: { probe: 'isr-change', broker: null, partition: null, change: 'shrink', appendedOnly: false },
      },
      action: { kind: 'power-loss', targets: [{ kind: 'leader', partition: 0 }], downMs: 15875, tornTail: true },
    },
  ],
  healAtMs: 120000,
};

// Seed 547218 of base seed 500000 (a 100k campaign): the same, where the registration that
// removes the last ELR member also elects the last known leader in the same change. The
// tracker must know that registration was unclean before it sees the election: the controller
// announces it first ('unclean-shutdown' probe), as Kafka writes the shutdown's partition
// records before the RegisterBroker record.
const seed547218: ScenarioInput = {
  // Found before clean stops were controlled shutdowns (issue 13): replayed without them.
  shape: {
    brokers: 3,
    replicationFactor: 2,
    minInsync: 2,
    partitions: 3,
    timing: {
      'replica.lag.time.max.ms': 10000,
      'replica.high.watermark.checkpoint.interval.ms': 500,
      'replica.socket.timeout.ms': 10000,
      'controlled.shutdown.enable': false,
    },
  },
  workload: { producers: 1, consumers: 1, sends: 93, keys: 0, sendIntervalMs: 65, pollIntervalMs: 432 },
  faults: [
    {
      trigger: {
        kind: 'on',
        event: { probe: 'follower-fetch', broker: null, partition: null, change: 'any', appendedOnly: true },
        nth: 3,
        afterMs: 3099,
        delayUs: 376,
      },
      action: { kind: 'restart', target: { kind: 'leader', partition: 0 }, downMs: 3739 },
    },
    {
      trigger: { kind: 'after', delayUs: 6669592 },
      action: { kind: 'restart', target: { kind: 'leader', partition: 0 }, downMs: 11615 },
    },
    {
      trigger: {
        kind: 'on',
        event: { probe: 'leader-change', broker: null, partition: null, change: 'any', appendedOnly: true },
        nth: 1,
        afterMs: 3362,
        delayUs: 1400738,
      },
      action: { kind: 'power-loss', targets: [{ kind: 'leader', partition: 0 }], downMs: 2502, tornTail: false },
    },
  ],
  healAtMs: 120000,
};

const seed111034: ScenarioInput = {
  shape: {
    brokers: 3,
    replicationFactor: 2,
    minInsync: 2,
    partitions: 1,
    timing: { 'replica.lag.time.max.ms': 4000, 'broker.session.timeout.ms': 6000, 'request.timeout.ms': 5000 },
  },
  workload: { producers: 3, consumers: 1, sends: 1, keys: 5, sendIntervalMs: 38, pollIntervalMs: 445 },
  faults: [
    {
      // Found at 103 ms, just after the record at offset 0 was acknowledged; under the KRaft metadata
      // timing (25 ms append linger) that acknowledgement comes at 103.3 ms, so the kill moved to 125 ms
      // (from 125 ms to at least 400 ms the run is the same story).
      trigger: { kind: 'at', atMs: 125 },
      action: { kind: 'crash', target: { kind: 'leader', partition: 0 }, downMs: 13708 },
    },
    {
      trigger: { kind: 'after', delayUs: 2448702 },
      action: {
        kind: 'power-loss',
        targets: [{ kind: 'follower', partition: 0, index: 2 }],
        downMs: 2342,
        tornTail: false,
      },
    },
  ],
  healAtMs: 120000,
};

describe("a loss past KIP-966's tolerance is beyond the promise", () => {
  it(
    'seed 275 (one power loss, one stop Kafka judges unclean): Kafka may lose data here, and the run is labelled ' +
      'beyond the promise',
    () => {
      const { result, failing } = rerun(275, seed275, 'correct');
      expect(failing).toEqual([]);
      expectElectionOf(result, 3);
      expect(result.beyondPromise).toBe(true);
      expect(result.outcome).toBe('expected-loss');
      expect(result.verdict.anomalies.some((a) => a.expected === true && a.kind !== 'liveness')).toBe(true);
    },
  );

  it(
    'seed 111034 (one kill -9, one power loss, RF 2): the last ' + 'known leader lost the record; beyond the promise',
    () => {
      const { result, failing } = rerun(111034, seed111034, 'correct', true);
      expect(failing).toEqual([]);
      expectElectionOf(result, 2);
      expect(result.beyondPromise).toBe(true);
      expect(result.outcome).toBe('expected-loss');
      // The election that loses it: broker 2, outside the ISR and ELR, elected with ISR [2].
      const records = result.trace!.timeline.filter((e) => e.kind === 'partition' && e.partition === 0);
      const lastKnown = records.find((e, i) => {
        const p = records[i - 1];
        return (
          i > 0 &&
          e.kind === 'partition' &&
          p.kind === 'partition' &&
          p.leader < 0 &&
          e.leader === 2 &&
          !p.isr.includes(2) &&
          !p.elr.includes(2)
        );
      });
      expect(lastKnown).toMatchObject({ isr: [2], elr: [] });
    },
  );

  it(
    'seed 547218 (two stops Kafka judges unclean, one power loss): the election comes with the unclean ' +
      'registration; beyond the promise',
    () => {
      const { result, failing } = rerun(547218, seed547218);
      expect(failing).toEqual([]);
      // Broker 2 since the controller quorum (issue 14) moved the interleaving; broker 1 before.
      expectElectionOf(result, 2);
      expect(result.beyondPromise).toBe(true);
      expect(result.outcome).toBe('expected-loss');
    },
  );
});
