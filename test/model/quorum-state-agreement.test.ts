// The invariant controller-state-committed (model/metadata-image.ts): every controller voter's
// state machine agrees with its own committed prefix, checked on every voter as its HW passes
// records and in full when it claims or renounces. Each test plants a break in one voter's
// state machine (a replay that drops a record kind, a renounce that keeps uncommitted state)
// and runs the same hand-built schedule on the untouched model, which must stay silent.

import { afterEach, describe, expect, it } from 'vitest';
import { KraftController } from '../../model/controller.ts';
import type { MetadataRecord } from '../../model/internal-protocol.ts';
import { othersThan, runSchedule, type Schedule } from './zoo/harness.ts';

/** The private parts of a controller a planted break replaces. */
interface Internals {
  replay(record: MetadataRecord, offset: number): void;
  renounce(): void;
  active: boolean;
  activeEpoch: number;
  deferred: unknown[];
}

const internals = (c: KraftController): Internals => c as unknown as Internals;
const prototype = KraftController.prototype as unknown as Internals;
const originalRenounce = prototype.renounce;

afterEach(() => {
  prototype.renounce = originalRenounce;
});

/** A broker restarts: the active controller writes its registration, then unfences it. */
const restartABroker: Schedule = (c) => {
  const [victim] = othersThan(c, c.state().leader);
  c.sim.crash(victim);
  c.sim.start(victim);
  c.runUntil(() => c.settled(), 30_000_000);
  c.runFor(2_000_000);
};

function stateViolations(out: ReturnType<typeof runSchedule>): string[] {
  return out.anomalies.filter((a) => a.kind === 'controller-state-committed').map((a) => a.explanation);
}

describe('controller-state-committed: every voter agrees with its committed prefix', () => {
  it('catches a follower voter whose replay drops BrokerFencing records, at its next commit', () => {
    let planted = -1;
    const out = runSchedule('correct', { controllers: 3 }, (c) => {
      planted = c.controllerIds.find((v) => v !== c.activeControllerId())!;
      const voter = internals(c.sim.actor<KraftController>(planted)!);
      const replay = voter.replay.bind(voter);
      voter.replay = (record, offset) => {
        if (record.type !== 'BrokerFencing') replay(record, offset);
      };
      restartABroker(c);
    });
    const found = stateViolations(out);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`voter ${planted}'s controller state`);
    expect(found[0]).toMatch(/registration of broker \d differs after its HW passed offset \d+/);
    // The voter never claimed: the check ran on a follower, not at a claim.
    expect(out.cluster.sim.actor<KraftController>(planted)?.active).toBe(false);
  });

  it('catches a renounce that keeps the uncommitted records of the lost epoch', () => {
    prototype.renounce = function (this: Internals) {
      // The planted break: leadership is gone, but the state is not reverted.
      this.active = false;
      this.activeEpoch = -1;
      this.deferred = [];
    };
    const out = runSchedule('correct', FAST_FENCING, isolateActiveWhileABrokerDies);
    const found = stateViolations(out);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatch(/partition t-0 differs when it renounced/);
  });

  it('is silent on the correct model through the same schedules', () => {
    for (const [opts, schedule] of [
      [{ controllers: 3 }, restartABroker],
      [FAST_FENCING, isolateActiveWhileABrokerDies],
    ] as const) {
      const out = runSchedule('correct', opts, schedule);
      expect(out.anomalies).toEqual([]);
      expect(out.cluster.commitLog.entries.length).toBeGreaterThan(5);
    }
  });
});

/** Broker sessions expire (1.5 s) before the check-quorum timeout (3 s). */
const FAST_FENCING = {
  controllers: 3,
  config: { 'broker.heartbeat.interval.ms': 300, 'broker.session.timeout.ms': 1_500 },
};

/**
 * The active controller is cut off from the other voters while the brokers still reach it; a
 * broker dies, so it fences it in records that cannot commit, then resigns by check quorum.
 */
function isolateActiveWhileABrokerDies(c: Parameters<Schedule>[0]): void {
  const active = c.activeControllerId()!;
  const others = c.controllerIds.filter((v) => v !== active);
  const cuts = others.map((v) => c.sim.network.cut({ kind: 'link', a: active, b: v }));
  const [victim] = othersThan(c, c.state().leader);
  c.sim.crash(victim);
  c.runFor(8_000_000);
  for (const cut of cuts) c.sim.network.heal(cut);
  c.sim.start(victim);
  c.runUntil(() => c.settled(), 30_000_000);
  c.runFor(2_000_000);
}
