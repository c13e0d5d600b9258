// The model's code probes (model/code-probes.ts) fire on the branches they name: hand-built
// situations on real brokers and the real KRaft controller, recorded as the driver does.

import { describe, expect, it } from 'vitest';
import { SimDisk, isTorn } from '../../harness/disk.ts';
import type { Rng } from '../../harness/types.ts';
import { ReplicaLog } from '../../model/replica-log.ts';
import { CODE_PROBE_INFO, CODE_PROBE_NAMES } from '../../model/code-probes.ts';
import { CONTROLLER_ID } from '../../model/config.ts';
import { TestCluster, errorOf, recordingCodeProbes } from './helpers.ts';
import { readFileSync } from 'node:fs';
import { codeProbesDoc, DOC_PATH } from '../../scripts/code-probes-table.ts';

function startedCluster(opts: ConstructorParameters<typeof TestCluster>[0] = {}): TestCluster {
  const c = new TestCluster(opts);
  c.start();
  expect(c.runUntil(() => c.settled(), 30_000_000)).toBe(true);
  return c;
}

describe('code probes in the model', () => {
  it('a consumer fetch with an old or a future leader epoch hits the fencing probes, and only those', () => {
    const c = startedCluster();
    const leader = c.state().leader;
    expect(c.state().leaderEpoch).toBe(1);
    const hit = recordingCodeProbes(() => {
      expect(errorOf(c.fetchAndWait(leader, 0, { currentLeaderEpoch: 0 }))).toBe('FENCED_LEADER_EPOCH');
      expect(errorOf(c.fetchAndWait(leader, 0, { currentLeaderEpoch: 7 }))).toBe('UNKNOWN_LEADER_EPOCH');
    });
    expect(hit).toContain('fetch-fenced-consumer');
    expect(hit).toContain('fetch-leader-epoch-ahead');
    expect(hit).not.toContain('fetch-fenced-follower');
  });

  it('a deposed leader told its log diverges hits the divergence and truncation probes', () => {
    const c = startedCluster({ config: { 'replica.lag.time.max.ms': 60_000 } });
    const old = c.state().leader;
    expect(errorOf(c.produceAndWait(old, ['a0', 'a1', 'a2']))).toBe('NONE');
    const before = recordingCodeProbes(() => c.runFor(1_000_000));
    expect(before).not.toContain('follower-truncated-on-divergence');
    const hit = recordingCodeProbes(() => {
      const others = [...c.brokerIds.filter((id) => id !== old), CONTROLLER_ID];
      const cut = c.sim.network.cut({ kind: 'split', sideA: [old], sideB: others });
      for (let i = 0; i < 3; i++) c.produce(old, [`lost${i}`], { acks: 1 });
      expect(c.runUntil(() => c.state().leader !== old && c.state().leader > 0, 30_000_000)).toBe(true);
      const next = c.state().leader;
      const nextLeads = () => c.replica(next).role === 'leader' && c.replica(next).isr.length >= 2;
      expect(c.runUntil(nextLeads, 10_000_000)).toBe(true);
      expect(errorOf(c.produceAndWait(next, ['b0', 'b1']))).toBe('NONE');
      c.sim.network.heal(cut);
      const oldFollows = () => c.replica(old).role === 'follower' && c.replica(old).log.leo === 5;
      expect(c.runUntil(oldFollows, 30_000_000)).toBe(true);
    });
    expect(
      c
        .probesOf('truncate')
        .filter((p) => p.node === old)
        .map((p) => p.e.reason),
    ).toEqual(['diverging-epoch']);
    expect(hit).toContain('controller-fenced-session-expired');
    expect(hit).toContain('fetch-diverging-follower');
    expect(hit).toContain('follower-truncated-on-divergence');
  });

  it(
    'docs/code-probes.md lists the catalog as it is (regenerate: ' + 'npx tsx scripts/code-probes-table.ts --write)',
    () => {
      expect(readFileSync(DOC_PATH, 'utf8')).toBe(codeProbesDoc());
    },
  );

  it('every probe of the catalog cites a Kafka class or KIP and says what happened', () => {
    for (const name of CODE_PROBE_NAMES) {
      const info = CODE_PROBE_INFO[name];
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(info.kafka.length).toBeGreaterThan(3);
      expect(info.description).toMatch(/^[A-Z].*\.$/);
    }
  });
});

describe('a power loss with partial writeback', () => {
  it('leaves part of a batch on disk; recovery drops it and hits the partial-batch probe', () => {
    // Scripted draws: the flusher's phase; the loss struck mid-writeback and the size update
    // committed; the shuffle keeps pages [0, 1]; one page (page 0) reached the disk.
    const ints = [5_000_000, 1, 1];
    const rng: Rng = { next: () => 0, chance: () => true, pick: (xs) => xs[0], intBetween: () => ints.shift() ?? 0 };
    const disk = new SimDisk(undefined, () => rng);
    const log = new ReplicaLog(disk, 't-0', null);
    const one = (value: string) => log.appendAsLeader([{ key: null, value }], 1, -1, -1, -1);
    one('a'); // 69 bytes: a batch header (61) and a record (7 + 1)
    log.flush();
    for (let i = 0; i < 56; i++) one('p'); // to byte 3933
    one('q'.repeat(14)); // to byte 4015
    // b [4015, 4084), c [4084, 4092) in page 0; d [4092, 4100) crosses into page 1.
    log.appendAsLeader(
      ['b', 'c', 'd'].map((value) => ({ key: null, value })),
      1,
      -1,
      -1,
      -1,
    );
    disk.losePower(true);
    const onDisk = disk.read('t-0/00000000000000000000.log');
    expect(onDisk).toHaveLength(61);
    expect(isTorn(onDisk[60])).toBe(true);
    const recovered = new ReplicaLog(disk, 't-0', null);
    const hit = recordingCodeProbes(() => {
      expect(recovered.recover({ cleanShutdown: false, recoveryPoint: 1, hwCheckpoint: 1 })).toBe(58);
    });
    expect(recovered.records.map((r) => r.value).slice(-1)).toEqual(['q'.repeat(14)]);
    expect(hit).toEqual(['log-recovery-torn-entry', 'log-recovery-partial-batch', 'log-recovery-dropped-tail']);
  });
});
