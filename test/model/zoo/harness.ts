// Runs a hand-built fault schedule of the bug zoo twice: once with a protocol variant and once
// on the correct model, with the white-box invariant monitor (checkers/index.ts) watching the
// cluster after every single event, and the per-replica invariants
// (checkers/replica-invariants.ts) fed every replica change as the driver feeds them
// (watchReplicas). A schedule is a function over the test cluster; it must not assert (the
// two models may take different paths through it), only act and wait.

import { createInvariantMonitor } from '../../../checkers/index.ts';
import { ReplicaInvariants } from '../../../checkers/replica-invariants.ts';
import { brokerOn } from '../../../model/combined-server.ts';
import type { Anomaly } from '../../../checkers/verdict.ts';
import type { ProtocolVariant } from '../../../model/config.ts';
import { TestCluster, type TestClusterOptions } from '../helpers.ts';

export interface ZooOutcome {
  readonly anomalies: readonly Anomaly[];
  /** Invariant names that fired, in the order they first fired. */
  readonly kinds: readonly string[];
  readonly cluster: TestCluster;
}

export type Schedule = (c: TestCluster) => void;

export function runSchedule(
  variant: 'correct' | ProtocolVariant,
  opts: Omit<TestClusterOptions, 'variant'>,
  schedule: Schedule,
): ZooOutcome {
  const c = new TestCluster({ ...opts, variant });
  const monitor = createInvariantMonitor({ minInsyncReplicas: c.config['min.insync.replicas'] });
  const anomalies: Anomaly[] = [];
  const kinds: string[] = [];
  c.observer = () => {
    for (const a of monitor.observe(c.snapshot())) {
      anomalies.push(a);
      if (!kinds.includes(a.kind)) kinds.push(a.kind);
    }
  };
  const replicas = watchReplicas(c);
  c.start();
  c.runUntil(() => c.settled(), 30_000_000);
  schedule(c);
  for (const a of replicas.anomalies()) {
    anomalies.push(a);
    if (!kinds.includes(a.kind)) kinds.push(a.kind);
  }
  return { anomalies, kinds, cluster: c };
}

/** The per-replica invariants, fed as driver/run.ts feeds them: each replica change, truncation and restart. */
export function watchReplicas(c: TestCluster): ReplicaInvariants {
  const watch = new ReplicaInvariants();
  c.sim.onProbe((_node, e) => {
    if (e.kind === 'truncate') watch.onTruncate(e.broker, e.topic, e.partition, e.toOffset);
    if (e.kind !== 'replica') return;
    const facts = c.sim.isUp(e.broker) ? brokerOn(c.sim, e.broker)?.partition(e.topic, e.partition)?.facts : undefined;
    if (facts !== undefined) watch.onReplica(e.broker, e.topic, e.partition, facts, c.sim.now());
  });
  c.sim.onNodeTransition((node, transition) => {
    if (transition === 'restart' || transition === 'start') watch.onRestart(node);
  });
  return watch;
}

/** The brokers of the partition other than `ids`. */
export function othersThan(c: TestCluster, ...ids: number[]): number[] {
  return c.brokerIds.filter((b) => !ids.includes(b));
}

/**
 * Runs `action` once, right after the first probe event matching `pred` (as an event of its
 * own at the same virtual instant, so it sees what the emitting handler sent as in flight).
 */
export function onceOnProbe(
  c: TestCluster,
  pred: (node: number, e: { kind: string; [k: string]: unknown }) => boolean,
  action: () => void,
): void {
  let fired = false;
  c.sim.onProbe((node, e) => {
    if (fired || !pred(node, e)) return;
    fired = true;
    c.sim.at(c.sim.now(), 'zoo-trigger', action);
  });
}
