// The shape of every checker's answer (DESIGN §5): valid true | false | "unknown", with a
// list of anomalies, each explained in one sentence and pointing at the operations,
// offsets, nodes and virtual times involved.

export type Validity = true | false | 'unknown';

export interface Anomaly {
  /**
   * Black-box: lost-write, duplicate, inconsistent-offsets, nonmonotonic-poll, poll-skip,
   * nonmonotonic-send, G1a, unseen, nonlinearizable; transactional: G0, G1b, G1c, G1c-realtime,
   * precommitted-read, int-send-skip.
   * White-box: acked-durable, log-matching, candidate-complete, consistent-read,
   * hw-monotonic, one-leader-per-epoch, liveness.
   * Harness: stuck, crash.
   */
  kind: string;
  /** One sentence a Kafka engineer understands. */
  explanation: string;
  /** History indices of the operations involved. */
  ops?: number[];
  topic?: string;
  partition?: number;
  /** The consumer group (the committed-offset checker's anomalies, checkers/groups.ts). */
  group?: string;
  offsets?: number[];
  values?: string[];
  nodes?: number[];
  timesUs?: number[];
  /** True when the loss is beyond what Kafka promises; `expectedBecause` says which rule and when. */
  expected?: boolean;
  /** Set with `expected`: the breach of Kafka's promise that makes this anomaly expected. */
  expectedBecause?: PromiseBreach;
  /**
   * Set when a witnessed chain of Kafka's own behaviour explains this anomaly (a Kafka finding,
   * driver/kafka-findings.ts): the finding's name. Known, not excused: it breaks Kafka's promise.
   */
  kafkaFinding?: string;
  /** Set with `kafkaFinding`: the chain as the witness saw it in this run, in one sentence. */
  kafkaFindingWitness?: string;
  /** Not an error by itself (e.g. unseen): reported as a figure. */
  informational?: boolean;
  /**
   * A partition's liveness failure after the heal (checkers/liveness.ts): the conditions never seen
   * in the window (a current leader, an ISR of min.insync.replicas, a probe send, a probe poll).
   */
  unrecovered?: Array<'leader' | 'isr' | 'send' | 'poll'>;
  /** A dependency cycle (G0, G1c, G1c-realtime; checkers/txn.ts): its edges in order, back to the first. */
  cycle?: CycleStep[];
}

/** One edge of a dependency cycle between two operations, with the reason it exists. */
export interface CycleStep {
  /** History indices of the invokes of the operations the edge leaves and enters. */
  from: number;
  to: number;
  /**
   * ww: `from`'s record immediately precedes `to`'s in a partition's log; wr: `to` polled a
   * record `from` sent; rt: `from` completed before `to` was invoked.
   */
  rel: 'ww' | 'wr' | 'rt';
  topic?: string;
  partition?: number;
  /** ww: both records' offsets; wr: the polled record's. */
  offsets?: number[];
  values?: string[];
  /** One sentence. */
  explanation: string;
}

/**
 * One breach of what Kafka promises to survive, as the run's promise tracker recorded it when
 * it happened: the rule broken, where and when, and the event that broke it. An expected
 * anomaly carries the breach that excuses it; reports and the terminal summary show it.
 */
export interface PromiseBreach {
  /** Short stable name of the rule, e.g. 'min-isr-power-loss', 'last-known-leader-elected', 'kip-360-resend'. */
  rule: string;
  /** One sentence: what Kafka promises and how this run went beyond it. */
  explanation: string;
  /** The topic of `partition` (a breach of `__consumer_offsets/2` says nothing of `t/2`). */
  topic?: string;
  partition?: number;
  /** Brokers whose faults made the breach. */
  nodes?: number[];
  /** Virtual time of the breach, µs. */
  atUs: number;
  /** The event that made it (a fault's description, or the probe that revealed it). */
  event: string;
}

export interface LinearizabilityCounterexample {
  /** History indices (of invokes) of the longest linearizable prefix, in linearization order. */
  longestPrefix: number[];
  /** History index of the invoke of the operation that cannot be placed. */
  failedOp: number;
  /** Why it cannot be placed. */
  reason: string;
  /** Partition key (P-compositionality) the failure belongs to, if any. */
  partitionKey?: string;
}

export interface Verdict {
  valid: Validity;
  /** Which checker(s) produced it. */
  checker: string;
  anomalies: Anomaly[];
  counterexample?: LinearizabilityCounterexample;
  /** Figures: operations, unseen count, search states, etc. */
  stats?: Record<string, number>;
}

/** Anomalies as a checker finds them: at most maxPerKind kept per kind, every one counted. */
export class Findings {
  readonly anomalies: Anomaly[] = [];
  readonly counts: Record<string, number> = {};
  constructor(private readonly maxPerKind: number) {}
  report(a: Anomaly): void {
    this.counts[a.kind] = (this.counts[a.kind] ?? 0) + 1;
    if (this.counts[a.kind] <= this.maxPerKind) this.anomalies.push(a);
  }
  /** Appends `other`'s anomalies and counts after this one's: for findings of kinds this one has none of. */
  absorb(other: Findings): void {
    for (const [kind, c] of Object.entries(other.counts)) this.counts[kind] = (this.counts[kind] ?? 0) + c;
    this.anomalies.push(...other.anomalies);
  }
}
