// What every story (story.ts) shares: the step and record shapes, node names, and the
// fault schedule's times as sentences. Derived from the trace alone.
//
// Assumes the trace follows checkers/trace.ts.

import type { Trace, TimelineEvent } from '../checkers/trace.ts';
import { formatTimeUs } from './format.ts';

type StoryTone =
  | 'send' // a client asks
  | 'append' // a copy is written
  | 'ack' // the client is told it is safe
  | 'commit' // the HW passes the record
  | 'fault' // a crash, power loss, partition
  | 'heal' // a node restarts, a fault ends
  | 'leader' // the controller changes leader or ISR
  | 'overwrite' // another record takes its offset
  | 'truncate' // a copy is removed
  | 'loss' // the last copy is removed / the end state
  | 'read' // a consumer sees the offset
  | 'note'; // context

export interface StoryStep {
  timeUs: number;
  tone: StoryTone;
  text: string;
  /** The step is about the record itself (not context). */
  key: boolean;
  broker?: number;
  /** Operation index (PairedHistory.ops). */
  op?: number;
  /** The step tells a fault beginning or ending (never dropped to shorten the story). */
  fault?: boolean;
}

export interface FocusRecord {
  topic: string;
  partition: number;
  tp: string;
  value: string;
  offset?: number;
  sendOp?: number;
  producer?: string;
  appendedAtUs?: number;
  ackedAtUs?: number;
  /** When the last copy disappeared. */
  lostAtUs?: number;
  lostOnBroker?: number;
  lostReason?: string;
  /** At the acknowledgement: how many replicas held it, out of how many, and the leader's HW. */
  copiesAtAck?: number;
  replicationFactor?: number;
  leaderHwAtAck?: number;
  isrAtAck?: number[];
  /** Copies alive at the end of the trace. */
  copiesAtEnd: number;
  /** What the last read of the offset (or else the final leader's log) holds there. */
  finalValueAtOffset?: string;
  acks?: string;
}

export interface Story {
  focus: FocusRecord | null;
  steps: StoryStep[];
  /** One sentence: what happened to the record (or the anomaly's own explanation). */
  summary: string;
  /** The partition the violation is on, if it names one. */
  where: { topic: string; partition: number } | null;
  /** When the violation happened (the loss, or when the checker saw it); null without an anomaly. */
  atUs: number | null;
}

interface NameOf {
  (node: number | string): string;
}

/**
 * The client node a history process belongs to. A process id that is a node id is that node;
 * otherwise the simulator's clients number their processes node id × 1000 + lane (one lane
 * per operation in flight, model/client-process.ts), so a process id ≥ 1000 whose quotient
 * is a client node belongs to it. Other processes (imported histories) belong to no node.
 */
export function clientNodeOf(
  trace: Pick<Trace, 'nodes'>,
  process: number | string,
): { node: Trace['nodes'][number]; lane?: number } | undefined {
  const nodes = trace.nodes ?? [];
  const exact = nodes.find((n) => String(n.id) === String(process));
  if (exact) return { node: exact };
  if (typeof process !== 'number' || !Number.isInteger(process) || process < 1000) return undefined;
  const owner = nodes.find(
    (n) =>
      n.id === Math.floor(process / 1000) && n.role !== 'broker' && n.role !== 'controller' && n.role !== 'combined',
  );
  return owner ? { node: owner, lane: process % 1000 } : undefined;
}

export function nodeNamer(trace: Pick<Trace, 'nodes'>): NameOf {
  const brokerIds = new Set(
    (trace.nodes ?? []).filter((n) => n.role === 'broker' || n.role === 'combined').map((n) => n.id),
  );
  const cache = new Map<string, string>();
  return (node) => {
    const key = String(node);
    let name = cache.get(key);
    if (name === undefined) {
      const owner = clientNodeOf(trace, node);
      if (owner) name = owner.lane === undefined ? owner.node.name : `${owner.node.name} lane ${owner.lane}`;
      else
        name =
          typeof node === 'number' && (brokerIds.size === 0 || brokerIds.has(node))
            ? `broker ${node}`
            : `process ${node}`;
      cache.set(key, name);
    }
    return name;
  };
}

const CAUSE_TEXT: Record<string, string> = {
  crash: 'crashes (kill -9; the page cache survives)',
  'power-loss': 'loses power (unflushed writes are gone)',
  shutdown: 'shuts down cleanly',
  restart: 'restarts',
  start: 'starts',
};

/** What a node event's cause says in a story: a halt carries its reason ('halt: <reason>'). */
export function causeText(cause: string, state: 'up' | 'down'): string {
  if (cause.startsWith('halt: ')) return `halts its own process (Exit.halt, as a kill -9): ${cause.slice(6)}`;
  return CAUSE_TEXT[cause] ?? `goes ${state} (${cause})`;
}

export function list(ids: readonly number[]): string {
  return `[${ids.join(',')}]`;
}

type FaultEvent = Extract<TimelineEvent, { kind: 'fault' }>;

/** The faults' begin and end times, as story text. */
export class FaultTimes {
  private readonly byTime = new Map<number, FaultEvent[]>();
  private readonly startOf = new Map<number, FaultEvent>();
  private readonly endOf = new Map<number, FaultEvent>();
  private readonly nodeTimes = new Set<number>();

  constructor(timeline: readonly TimelineEvent[]) {
    for (const e of timeline) {
      if (e.kind === 'node') this.nodeTimes.add(e.t);
      if (e.kind !== 'fault') continue;
      this.byTime.set(e.t, [...(this.byTime.get(e.t) ?? []), e]);
      if (e.phase === 'start' && !this.startOf.has(e.id)) this.startOf.set(e.id, e);
      if (e.phase === 'end') this.endOf.set(e.id, e);
    }
  }

  /** "fault 2 begins", "fault 1 ends" for the faults that begin or end at t. */
  at(t: number): string[] {
    return (this.byTime.get(t) ?? []).map((e) => `fault ${e.id} ${e.phase === 'start' ? 'begins' : 'ends'}`);
  }

  /** A node event at the same instant tells it (the crash or restart the fault is). */
  toldByNode(t: number): boolean {
    return this.nodeTimes.has(t);
  }

  /** The step's text; an end names when the fault began. */
  sentence(e: FaultEvent): string {
    if (e.phase === 'start') return `Fault ${e.id} begins: ${e.description}.`;
    const start = this.startOf.get(e.id);
    return `Fault ${e.id} ends${start ? ` (it began at ${formatTimeUs(start.t)})` : ''}: ${e.description}.`;
  }

  /** Faults begun before t and not ended by then, as "fault 2 (…) since 1.2 s". */
  activeAt(t: number): string[] {
    const out: string[] = [];
    for (const [id, start] of this.startOf) {
      const end = this.endOf.get(id);
      if (start.t < t && (!end || end.t > t))
        out.push(`fault ${id} (${start.description}) under way since ${formatTimeUs(start.t)}`);
    }
    return out;
  }
}
