// The fault-schedule vocabulary: what a scenario asks the driver to do to a cluster, and
// when. A schedule is plain JSON data (it goes into trace files and is replayed from them),
// so targets are symbolic ("the leader of partition 0", "the broker the triggering event
// names") and are resolved by the driver at the moment the fault fires.
//
// Assumes (DESIGN §3–4): brokers are nodes 1..N, the KRaft controller, producers and
// consumers have the node ids of model/config.ts; every fault heals by itself after its
// duration (a cut heals, a crashed node restarts), and the driver heals whatever is left at
// the schedule's heal time, so liveness can always be judged after it.
// Nothing here knows which protocol variant is on. Code-probe triggers name probes of the
// model's catalog (model/code-probes.ts), the one part of the model besides its config that
// the vocabulary knows.

import type { CodeProbeName } from '../model/code-probes.ts';

/** A broker or other node, named by role; resolved when the fault fires. */
export type Target =
  /** A fixed broker id (1..brokers). */
  | { kind: 'broker'; id: number }
  /** The current leader of a partition (controller's view as last announced). */
  | { kind: 'leader'; partition: number }
  /** The index-th replica of a partition that is not its leader (modulo their count). */
  | { kind: 'follower'; partition: number; index: number }
  /**
   * The index-th broker the triggering event names (modulo their count); the leader of partition 0 for time triggers.
   */
  | { kind: 'subject'; index: number }
  /** The index-th replica of a partition outside its ISR (modulo their count); a follower when the ISR is full. */
  | { kind: 'out-of-isr'; partition: number; index: number }
  /** The active controller (the metadata log's Raft leader); a voter when there is none. */
  | { kind: 'controller' }
  /** The index-th controller voter (modulo their count), whatever its role. */
  | { kind: 'voter'; index: number }
  | { kind: 'producer'; index: number }
  | { kind: 'consumer'; index: number };

/** A network cut, with symbolic members; every node a shape does not name is unaffected unless said. */
export type CutSpec =
  | { shape: 'isolate'; node: Target }
  /** `side` against every other broker, the controller and the clients (majority/minority or any bipartition). */
  | { shape: 'split'; side: Target[] }
  /** `left` against every other node except `bridge`, which still talks to both. */
  | { shape: 'bridge'; bridge: Target; left: Target[] }
  /** Messages from `from` to `to` are dropped; the reverse direction works. */
  | { shape: 'one-way'; from: Target[]; to: Target[] }
  | { shape: 'link'; a: Target; b: Target };

export type FaultAction =
  /**
   * kill -9 of a broker, a controller voter or a client; it restarts after downMs (page cache
   * survives). A client comes back as a new incarnation: new connections, new producer id.
   */
  | { kind: 'crash'; target: Target; downMs: number }
  /** Clean shutdown of a broker (flushes, writes its clean-shutdown marker); it restarts after downMs. */
  | { kind: 'restart'; target: Target; downMs: number }
  /**
   * Machine crash of one or more nodes at the same instant (correlated when several); restart after downMs.
   * A broker or voter loses what it had not flushed; a client has no durable state, so for it this is a
   * kill -9 that no peer is told of (no connection reset: the machine is gone).
   */
  | { kind: 'power-loss'; targets: Target[]; downMs: number; tornTail: boolean }
  | { kind: 'cut'; cut: CutSpec; durationMs: number }
  /** Extra latency on every link of a broker (peer null), or on its links with one peer. */
  | { kind: 'slow'; target: Target; peer: Target | null; extraMs: number; durationMs: number }
  /** kill -9 of the active KRaft controller; it restarts after downMs with its durable state. */
  | { kind: 'controller-crash'; downMs: number }
  /** Power loss of the active controller: its metadata log keeps what was flushed (written back). */
  | { kind: 'controller-power-loss'; downMs: number; tornTail: boolean }
  /**
   * Clean shutdown of every broker in turn, each down for downMs, the next one once the ISRs are full again (or after
   * gapMs).
   */
  | { kind: 'rolling-restart'; downMs: number; gapMs: number }
  /**
   * A hung process (SIGSTOP, then SIGCONT after durationMs): it runs nothing meanwhile, its
   * connections stay open, so peers learn of it only by their timeouts; then it resumes
   * where it stopped, its timers firing late (a long GC pause, a stalled disk).
   */
  | { kind: 'pause'; target: Target; durationMs: number }
  /**
   * kafka-leader-election.sh --election-type PREFERRED|UNCLEAN on one partition of the topic.
   * An unclean election that elects a replica from outside the ISR and ELR goes beyond what
   * Kafka promises (the driver records it as a breach).
   */
  | { kind: 'leader-election'; partition: number; election: 'preferred' | 'unclean' };

export type FaultKind =
  | 'crash'
  | 'restart'
  | 'power-loss'
  | 'cut'
  | 'slow'
  | 'controller-crash'
  | 'controller-power-loss'
  | 'rolling-restart'
  | 'pause'
  | 'leader-election';

export const FAULT_KINDS: readonly FaultKind[] = [
  'crash',
  'restart',
  'power-loss',
  'cut',
  'slow',
  'controller-crash',
  'controller-power-loss',
  'rolling-restart',
  'pause',
  'leader-election',
];

/** Probe events a fault may wait for (model/cluster-api.ts ModelProbe, plus derived ones). */
export type TriggerProbe =
  /** A leader completed a produce: "right after broker 2 acknowledges an offset". */
  | 'produce-ack'
  /** A follower fetched and appended records. */
  | 'follower-fetch'
  /** A leader sent an AlterPartition that is still in flight. */
  | 'alter-partition-sent'
  /** The controller applied (or rejected) an AlterPartition. */
  | 'alter-partition-applied'
  /** A replica truncated its log. */
  | 'truncate'
  /** The controller moved a partition's leadership (derived from 'partition' events). */
  | 'leader-change'
  /** The controller changed a partition's ISR (derived from 'partition' events). */
  | 'isr-change'
  /** The controller fenced a broker. */
  | 'fenced'
  /** A broker (re)registered. */
  | 'registered'
  /** The model reached the code probe `codeProbe` (model/code-probes.ts); the broker is the node it ran on. */
  | 'code'
  /**
   * The controller moved a partition's leadership away from a broker that still holds produce
   * requests waiting for acks=all (derived: the deposed leader has not learned it yet).
   */
  | 'deposed-with-produce-in-flight';

export const TRIGGER_PROBES: readonly TriggerProbe[] = [
  'produce-ack',
  'follower-fetch',
  'alter-partition-sent',
  'alter-partition-applied',
  'truncate',
  'leader-change',
  'isr-change',
  'fenced',
  'registered',
  'code',
  'deposed-with-produce-in-flight',
];

export type IsrChange = 'shrink' | 'expand' | 'any';

export interface EventPattern {
  probe: TriggerProbe;
  /** Only events of this broker (the emitting / named broker), or any. */
  broker: number | null;
  /** Only events of this partition (of the scenario's one topic), or any. */
  partition: number | null;
  /** For ISR-changing events (alter-partition-*, isr-change): which direction counts. */
  change: IsrChange;
  /** For follower-fetch: only fetches that appended records. */
  appendedOnly: boolean;
  /** For 'code' (and only there): the code probe waited for. */
  codeProbe?: CodeProbeName;
}

export type Trigger =
  | { kind: 'at'; atMs: number }
  /** The nth event matching `event` at or after afterMs; the fault fires delayUs later. */
  | { kind: 'on'; event: EventPattern; nth: number; afterMs: number; delayUs: number }
  /**
   * A chain step: once the previous fault of the schedule has fired, fire delayUs later
   * ("isolate the leader, then 2 ms later crash the follower it just added"), or, with an
   * event, delayUs after the nth matching event counted from then ("…then right after the
   * next acknowledgement, crash the leader"). Never fires if the previous fault did not.
   * The subjects of the previous step carry over unless the event names its own.
   */
  | { kind: 'after'; delayUs: number; event?: EventPattern; nth?: number };

export interface Fault {
  trigger: Trigger;
  action: FaultAction;
}

export function faultKind(fault: Fault): FaultKind {
  return fault.action.kind;
}

// --- descriptions, for reports and the terminal ------------------------------------------

export function describeTarget(t: Target): string {
  switch (t.kind) {
    case 'broker':
      return `broker ${t.id}`;
    case 'leader':
      return `the leader of partition ${t.partition}`;
    case 'follower':
      return `follower #${t.index} of partition ${t.partition}`;
    case 'out-of-isr':
      return `out-of-ISR replica #${t.index} of partition ${t.partition}`;
    case 'subject':
      return t.index === 0 ? 'the broker the event names' : `broker #${t.index} of those the event names`;
    case 'controller':
      return 'the controller';
    case 'voter':
      return `controller voter #${t.index}`;
    case 'producer':
      return `producer #${t.index}`;
    case 'consumer':
      return `consumer #${t.index}`;
  }
}

function describeTargets(ts: readonly Target[]): string {
  return ts.map(describeTarget).join(' + ');
}

export function describeCut(cut: CutSpec): string {
  switch (cut.shape) {
    case 'isolate':
      return `isolate ${describeTarget(cut.node)}`;
    case 'split':
      return `split {${describeTargets(cut.side)}} from the rest`;
    case 'bridge':
      return `bridge: {${describeTargets(cut.left)}} cut from the rest except ${describeTarget(cut.bridge)}`;
    case 'one-way':
      return `one-way cut {${describeTargets(cut.from)}} → {${describeTargets(cut.to)}}`;
    case 'link':
      return `cut the link ${describeTarget(cut.a)} ↔ ${describeTarget(cut.b)}`;
  }
}

export function describeAction(a: FaultAction): string {
  switch (a.kind) {
    case 'crash':
      return `crash (kill -9) ${describeTarget(a.target)}, restart after ${ms(a.downMs)}`;
    case 'restart':
      return `clean shutdown of ${describeTarget(a.target)}, restart after ${ms(a.downMs)}`;
    case 'power-loss':
      return (
        `power loss of ${describeTargets(a.targets)}${a.tornTail ? ' (torn tail)' : ''}, restart after ` +
        `${ms(a.downMs)}`
      );
    case 'cut':
      return `${describeCut(a.cut)} for ${ms(a.durationMs)}`;
    case 'slow':
      return (
        `slow ${a.peer === null ? 'every link of' : 'the link'} ` +
        `${describeTarget(a.target)}${a.peer === null ? '' : ` ↔ ${describeTarget(a.peer)}`} by +${ms(a.extraMs)} ` +
        `for ${ms(a.durationMs)}`
      );
    case 'controller-crash':
      return `crash the controller, restart after ${ms(a.downMs)}`;
    case 'controller-power-loss':
      return `power loss of the controller${a.tornTail ? ' (torn tail)' : ''}, restart after ${ms(a.downMs)}`;
    case 'rolling-restart':
      return `clean rolling restart of every broker (each down ${ms(a.downMs)})`;
    case 'pause':
      return `pause (SIGSTOP) ${describeTarget(a.target)} for ${ms(a.durationMs)}, then resume it`;
    case 'leader-election':
      return `${a.election} leader election of partition ${a.partition} (kafka-leader-election.sh)`;
  }
}

const PROBE_PHRASE: Record<TriggerProbe, string> = {
  'produce-ack': 'acknowledges a produce',
  'follower-fetch': 'fetches as a follower',
  'alter-partition-sent': 'sends an AlterPartition (while it is in flight)',
  'alter-partition-applied': 'has its AlterPartition applied by the controller',
  truncate: 'truncates its log',
  'leader-change': 'becomes leader',
  'isr-change': 'changes the ISR',
  fenced: 'is fenced by the controller',
  registered: 'registers with the controller',
  code: 'reaches a code probe',
  'deposed-with-produce-in-flight': 'is deposed while produces wait on it',
};

export function describeTrigger(t: Trigger): string {
  if (t.kind === 'at') return `at ${ms(t.atMs)}`;
  if (t.kind === 'after') {
    const delay = t.delayUs === 0 ? 'right after' : `${us(t.delayUs)} after`;
    if (t.event === undefined) return `${delay} the previous fault`;
    const nth = (t.nth ?? 1) === 1 ? 'the first time' : `the ${ordinal(t.nth ?? 1)} time`;
    return `${delay} ${eventPhrase(t.event)}, ${nth} after the previous fault`;
  }
  const what = eventPhrase(t.event);
  const nth = t.nth === 1 ? 'the first time' : `the ${ordinal(t.nth)} time`;
  const delay = t.delayUs === 0 ? 'right after' : `${us(t.delayUs)} after`;
  return `${delay} ${what}, ${nth} after ${ms(t.afterMs)}`;
}

function eventPhrase(e: EventPattern): string {
  const who = e.broker === null ? 'a broker' : `broker ${e.broker}`;
  if (e.probe === 'code') return `${e.broker === null ? 'the model' : who} reaches code probe ${e.codeProbe ?? '?'}`;
  let what = `${who} ${PROBE_PHRASE[e.probe]}`;
  if (e.probe === 'follower-fetch' && e.appendedOnly) what += ' and appends';
  if (
    (e.probe === 'alter-partition-sent' || e.probe === 'alter-partition-applied' || e.probe === 'isr-change') &&
    e.change !== 'any'
  ) {
    what += ` (ISR ${e.change})`;
  }
  if (e.partition !== null) what += ` on partition ${e.partition}`;
  return what;
}

export function describeFault(f: Fault): string {
  return `${describeTrigger(f.trigger)}: ${describeAction(f.action)}`;
}

function ms(v: number): string {
  return v >= 1000 && v % 100 === 0 ? `${v / 1000} s` : `${v} ms`;
}

function us(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 3)} ms` : `${v} µs`;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}
