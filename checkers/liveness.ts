// Liveness after healing (DESIGN §5): once every fault is healed, within a bounded virtual
// time, every partition must have a leader, an ISR of at least min.insync.replicas members
// (or the whole replica set when it is smaller), and a probe send and a probe poll must both
// succeed. Inputs: the time of the last heal, the bound, cluster snapshots (any cadence) and
// the outcomes of probe operations. A partition "has a leader" when the controller names one
// whose broker is up and registered with its current broker epoch and whose replica knows it
// leads in the controller's leader epoch (the same "current leader" as invariants.ts).
// Only snapshots and probes inside [lastHealUs, lastHealUs + boundUs] count; each condition
// must hold at some moment in that window (they need not hold together). Partitions are
// those the controller knows in any snapshot of the window.

import type { Anomaly, Verdict } from './verdict.ts';
import type { ClusterSnapshot } from './cluster-state.ts';

export interface ProbeOutcome {
  topic: string;
  partition: number;
  kind: 'send' | 'poll';
  ok: boolean;
  /** When the probe completed. */
  timeUs: number;
}

export interface LivenessOptions {
  /** Virtual time the last fault healed. */
  lastHealUs: number;
  /** How long after the heal the cluster has to recover. */
  boundUs: number;
  minInsyncReplicas: number;
  /** Require the full replica set in the ISR instead of min.insync.replicas. */
  requireFullIsr?: boolean;
}

export interface LivenessTracker {
  observe(snapshot: ClusterSnapshot): void;
  probe(outcome: ProbeOutcome): void;
  /** The verdict once the window has passed (or the run ended). */
  finish(): Verdict;
}

interface PartitionProgress {
  topic: string;
  partition: number;
  leaderAtUs: number | undefined;
  isrAtUs: number | undefined;
  sendOkAtUs: number | undefined;
  pollOkAtUs: number | undefined;
  lastIsrSize: number;
  lastLeader: number;
  replicas: number;
  snapshots: number;
}

function pkey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

// biome-ignore lint/complexity/noExcessiveLinesPerFunction: a factory of closures over shared progress
export function createLivenessTracker(opts: LivenessOptions): LivenessTracker {
  const parts = new Map<string, PartitionProgress>();
  const endUs = opts.lastHealUs + opts.boundUs;
  const inWindow = (t: number): boolean => t >= opts.lastHealUs && t <= endUs;
  const progress = (topic: string, partition: number): PartitionProgress => {
    const k = pkey(topic, partition);
    let p = parts.get(k);
    if (p === undefined) {
      p = {
        topic,
        partition,
        leaderAtUs: undefined,
        isrAtUs: undefined,
        sendOkAtUs: undefined,
        pollOkAtUs: undefined,
        lastIsrSize: 0,
        lastLeader: -1,
        replicas: 0,
        snapshots: 0,
      };
      parts.set(k, p);
    }
    return p;
  };
  let windowSnapshots = 0;
  return {
    observe(s: ClusterSnapshot): void {
      if (!inWindow(s.timeUs)) return;
      windowSnapshots++;
      const brokers = new Map(s.brokers.map((b) => [b.id, b]));
      for (const v of s.controller.partitions) {
        // Internal topics (`__consumer_offsets`: Kafka's Topic.isInternal names start with
        // "__") take no client writes, so the probe never sends to them: their liveness shows
        // through the consumer group instead.
        if (v.topic.startsWith('__')) continue;
        const p = progress(v.topic, v.partition);
        p.snapshots++;
        p.replicas = v.replicas.length;
        p.lastIsrSize = v.isr.length;
        p.lastLeader = v.leader;
        const b = brokers.get(v.leader);
        const live = b !== undefined && b.up && b.brokerEpoch >= 0 && b.brokerEpoch === b.registeredEpoch;
        const knows =
          live &&
          s.replicas.some(
            (r) =>
              r.topic === v.topic &&
              r.partition === v.partition &&
              r.broker === v.leader &&
              r.up &&
              r.role === 'leader' &&
              r.leaderEpoch === v.leaderEpoch,
          );
        if (knows && p.leaderAtUs === undefined) p.leaderAtUs = s.timeUs;
        const needed = opts.requireFullIsr ? v.replicas.length : Math.min(opts.minInsyncReplicas, v.replicas.length);
        if (v.isr.length >= needed && p.isrAtUs === undefined) p.isrAtUs = s.timeUs;
      }
    },
    probe(o: ProbeOutcome): void {
      if (!o.ok || !inWindow(o.timeUs)) return;
      const p = progress(o.topic, o.partition);
      if (o.kind === 'send') p.sendOkAtUs ??= o.timeUs;
      else p.pollOkAtUs ??= o.timeUs;
    },
    finish(): Verdict {
      const anomalies: Anomaly[] = [];
      const boundS = (opts.boundUs / 1e6).toFixed(3);
      const healS = (opts.lastHealUs / 1e6).toFixed(3);
      if (windowSnapshots === 0) {
        anomalies.push({
          kind: 'liveness',
          explanation:
            `No cluster snapshot was taken within ${boundS} s after the last heal at ${healS} s, so ` +
            `recovery could not be observed.`,
          timesUs: [opts.lastHealUs, endUs],
        });
      }
      for (const key of [...parts.keys()].sort()) {
        const p = parts.get(key)!;
        const missing: string[] = [];
        const unrecovered: Array<'leader' | 'isr' | 'send' | 'poll'> = [];
        if (p.snapshots > 0 && p.leaderAtUs === undefined) {
          unrecovered.push('leader');
          missing.push(
            p.lastLeader < 0 ? 'it stayed leaderless' : `its elected leader (broker ${p.lastLeader}) never took over`,
          );
        }
        if (p.snapshots > 0 && p.isrAtUs === undefined) {
          const want = opts.requireFullIsr ? p.replicas : Math.min(opts.minInsyncReplicas, p.replicas);
          unrecovered.push('isr');
          missing.push(`its ISR stayed at ${p.lastIsrSize} member(s), below ${want}`);
        }
        if (p.sendOkAtUs === undefined) {
          unrecovered.push('send');
          missing.push('no probe send succeeded');
        }
        if (p.pollOkAtUs === undefined) {
          unrecovered.push('poll');
          missing.push('no probe poll succeeded');
        }
        if (missing.length === 0) continue;
        anomalies.push({
          kind: 'liveness',
          explanation:
            `Within ${boundS} s after the last heal at ${healS} s, ${key} did not recover: ` + `${missing.join('; ')}.`,
          topic: p.topic,
          partition: p.partition,
          timesUs: [opts.lastHealUs, endUs],
          unrecovered,
        });
      }
      const recovered = [...parts.values()].filter(
        (p) =>
          p.leaderAtUs !== undefined &&
          p.isrAtUs !== undefined &&
          p.sendOkAtUs !== undefined &&
          p.pollOkAtUs !== undefined,
      );
      const worst = recovered.reduce(
        (m, p) => Math.max(m, Math.max(p.leaderAtUs!, p.isrAtUs!, p.sendOkAtUs!, p.pollOkAtUs!) - opts.lastHealUs),
        0,
      );
      return {
        valid: anomalies.length === 0,
        checker: 'liveness',
        anomalies,
        stats: {
          partitions: parts.size,
          recoveredPartitions: recovered.length,
          slowestRecoveryUs: worst,
          snapshots: windowSnapshots,
        },
      };
    },
  };
}

/** The same check over collected inputs. */
export function checkLiveness(
  opts: LivenessOptions,
  snapshots: Iterable<ClusterSnapshot>,
  probes: Iterable<ProbeOutcome>,
): Verdict {
  const t = createLivenessTracker(opts);
  for (const s of snapshots) t.observe(s);
  for (const p of probes) t.probe(p);
  return t.finish();
}
