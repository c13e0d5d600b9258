// The model's assertions (model/assert.ts): each one is driven directly, not through a
// protocol variant, into the state it forbids and must throw a message naming the fact and
// the values; and a run whose model trips one ends as `crash` with the seed and that message.

import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../harness/index.ts';
import type { SimulationApi } from '../../harness/types.ts';
import { assert, ModelAssertionError } from '../../model/assert.ts';
import { buildCluster } from '../../model/cluster.ts';
import type { ModelProbe } from '../../model/cluster-api.ts';
import { LeaderEpochCache } from '../../model/epoch-cache.ts';
import { ReplicaLog, type ModelRecord } from '../../model/replica-log.ts';
import { ProducerStates } from '../../model/producer-state.ts';
import { runSeed, type RunDeps } from '../../driver/run.ts';
import { judges } from '../../driver/default-deps.ts';

const batch = (...values: string[]) => values.map((value) => ({ key: null, value }));

/** A record as a leader would have written it, with the fields a test wants to bend. */
function record(offset: number, fields: Partial<ModelRecord> = {}): ModelRecord {
  return {
    offset,
    epoch: 1,
    producerId: 7,
    producerEpoch: 0,
    sequence: offset,
    key: null,
    value: `v${offset}`,
    lastInBatch: true,
    ...fields,
  };
}

describe('assert', () => {
  it('passes silently when the fact holds', () => {
    expect(() => assert(true, 'never shown {}', 1)).not.toThrow();
  });
  it('throws a ModelAssertionError naming the fact with each {} filled by the next value', () => {
    let thrown: unknown;
    try {
      assert(false, 'HW within [0, LEO] in {}: HW {}, LEO {}', 't-0', 5, 3);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ModelAssertionError);
    expect((thrown as Error).message).toBe('model assertion failed: HW within [0, LEO] in t-0: HW 5, LEO 3');
  });
});

describe('HW ≤ LEO', () => {
  it('refuses a HW above the LEO or below 0, and takes one at the LEO', () => {
    const log = new ReplicaLog(new SimDisk(), 't-0', null);
    log.appendAsLeader(batch('a', 'b', 'c'), 1, -1, -1, -1);
    expect(() => log.setHw(4)).toThrow('model assertion failed: HW within [0, LEO] in t-0: HW 4, LEO 3');
    expect(() => log.setHw(-1)).toThrow(/HW within \[0, LEO\] in t-0: HW -1, LEO 3/);
    expect(log.hw).toBe(0);
    log.setHw(3);
    expect(log.hw).toBe(3);
  });
});

describe('epoch cache: ascending, starts ≤ LEO', () => {
  it('refuses a checkpoint whose entries do not ascend in epoch and start offset', () => {
    const disk = new SimDisk();
    disk.writeFile('t-0/leader-epoch-checkpoint', [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 2, startOffset: 12 },
    ]);
    const cache = new LeaderEpochCache(disk, 't-0');
    expect(() => cache.load()).toThrow(
      'model assertion failed: epoch cache ascending in t-0/leader-epoch-checkpoint: entry (epoch 2, start 12) after ' +
        '(epoch 3, start 10)',
    );
  });
  it('refuses, at recovery, a checkpoint whose start offsets repeat', () => {
    const disk = new SimDisk();
    disk.writeFile('t-0/leader-epoch-checkpoint', [
      { epoch: 1, startOffset: 4 },
      { epoch: 2, startOffset: 4 },
    ]);
    const log = new ReplicaLog(disk, 't-0', null);
    expect(() => log.recover({ cleanShutdown: true, recoveryPoint: 0, hwCheckpoint: 0 })).toThrow(
      /epoch cache ascending.*\(epoch 2, start 4\) after \(epoch 1, start 4\)/,
    );
  });
  it('refuses to start an epoch beyond the LEO', () => {
    const log = new ReplicaLog(new SimDisk(), 't-0', null);
    log.appendAsLeader(batch('a', 'b'), 1, -1, -1, -1);
    expect(() => log.assignEpoch(2, 3)).toThrow(
      'model assertion failed: epoch start ≤ LEO in t-0: epoch 2 starts at 3, LEO 2',
    );
    log.assignEpoch(2, 2);
    expect(log.epochs.entries).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 2 },
    ]);
  });
});

describe('truncation target within [0, LEO]', () => {
  it('refuses a target below 0 or above the LEO; the LEO itself cuts nothing', () => {
    const log = new ReplicaLog(new SimDisk(), 't-0', null);
    log.appendAsLeader(batch('a', 'b'), 1, -1, -1, -1);
    expect(() => log.truncateTo(3)).toThrow(
      'model assertion failed: truncation target within [0, LEO] in t-0: target 3, LEO 2',
    );
    expect(() => log.truncateTo(-1)).toThrow(/truncation target within \[0, LEO\] in t-0: target -1, LEO 2/);
    expect(log.leo).toBe(2);
    expect(log.truncateTo(2)).toBe(false);
    expect(log.truncateTo(0)).toBe(true);
    expect(log.leo).toBe(0);
  });
});

describe('a follower appends consecutive offsets', () => {
  it('refuses a fetched batch whose offsets jump inside it', () => {
    const log = new ReplicaLog(new SimDisk(), 't-0', null);
    expect(() => log.appendAsFollower([record(0, { lastInBatch: false }), record(2)])).toThrow(
      'model assertion failed: consecutive offsets in a batch of t-0: offset 2 follows 0 inside one batch',
    );
  });
  it('keeps a jump between two fetched batches as a gap (a truncation inside a batch on the leader)', () => {
    const log = new ReplicaLog(new SimDisk(), 't-0', null);
    log.appendAsFollower([record(0), record(2)]);
    expect(log.leo).toBe(3);
  });
});

describe('one producer and consecutive sequences per batch', () => {
  it('refuses a batch whose sequence numbers skip', () => {
    const log = new ReplicaLog(new SimDisk(), 't-0', null);
    const records = [record(0, { sequence: 0, lastInBatch: false }), record(1, { sequence: 2 })];
    expect(() => log.appendAsFollower(records)).toThrow(
      'model assertion failed: consecutive sequences in a batch: offset 1 has sequence 2, expected 1 (batch at 0)',
    );
  });
  it('refuses a batch that mixes producers, producer epochs or leader epochs', () => {
    const start = record(0, { lastInBatch: false });
    const states = new ProducerStates();
    for (const odd of [{ producerId: 8 }, { producerEpoch: 1 }, { epoch: 2 }]) {
      expect(() => states.onRecords([start, record(1, odd)], 0, 2)).toThrow(
        /one producer and leader epoch per batch: offset 1/,
      );
    }
  });
  it('accepts non-idempotent batches (no producer, sequence -1 throughout)', () => {
    const states = new ProducerStates();
    const plain = { producerId: -1, producerEpoch: -1, sequence: -1 };
    expect(() => states.onRecords([record(0, { ...plain, lastInBatch: false }), record(1, plain)], 0, 2)).not.toThrow();
  });
});

describe('a failed assertion inside a run', () => {
  // The real model, with one planted fault: 3 s into the run a non-ascending epoch cache is
  // written to broker 1's checkpoint and broker 1 restarts, so its recovery reads it.
  const deps: RunDeps = {
    judges,
    buildCluster: (sim: SimulationApi<ModelProbe>, spec, workload) => {
      const cluster = buildCluster(sim, spec, workload);
      sim.at(3_000_000, 'plant a bad epoch checkpoint', () => {
        const disk = sim.disk(1);
        const checkpoint = disk.list().find((path) => path.endsWith('/leader-epoch-checkpoint'));
        if (checkpoint === undefined) throw new Error('broker 1 has no epoch checkpoint 3 s into the run');
        disk.writeFile(checkpoint, [
          { epoch: 5, startOffset: 0 },
          { epoch: 4, startOffset: 1 },
        ]);
        if (sim.isUp(1)) sim.crash(1);
        sim.start(1);
      });
      return cluster;
    },
  };

  it('ends as crash, with the seed and the assertion message', () => {
    const result = runSeed(deps, 'leader-failover', 'correct', 42);
    expect(result.outcome).toBe('crash');
    expect(result.failureKind).toBe('crash');
    const crash = result.verdict.anomalies.find((a) => a.kind === 'crash');
    expect(crash?.explanation).toMatch(
      /^Seed 42: the simulation threw at .*: model assertion failed: epoch cache ascending/,
    );
    expect(crash?.explanation).toMatch(
      / in t-\d+\/leader-epoch-checkpoint: entry \(epoch 4, start 1\) after \(epoch 5, start 0\)$/,
    );
    expect(result.error).toMatch(/^ModelAssertionError: model assertion failed: epoch cache ascending/);
  });
});
