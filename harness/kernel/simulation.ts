// The simulation kernel: one thread, a virtual clock in integer microseconds, and a single
// event queue ordered by (virtual time, sequence number assigned when scheduled). Nodes are
// actors with synchronous handlers; the network, disks and timers are simulated here.
//
// What must hold (DESIGN §2–3):
// - Same seed and same inputs give the same events in the same order, and the same hash.
// - Time never goes backwards; events at equal times run in scheduling order.
// - A node that is down receives nothing and its timers never fire; a restarted node is a
//   fresh actor (new incarnation) that recovers from its disk. Timers and in-flight
//   messages of an older incarnation are dropped.
// - Node state changes (start, crash, power loss, shutdown) happen only from driver code,
//   never from inside an actor's handler or a probe listener of the node being changed
//   while it runs (that would tear down an actor mid-handler): they throw if tried.
// The hot path (schedule, pop, deliver) allocates nothing but the message the actor built:
// event objects are pooled.

import { EventHash, canonicalJson } from './hash.ts';
import { SimDisk } from './disk.ts';
import { SimNetwork } from './network.ts';
import { RngStreams } from './rng.ts';
import type {
  Actor,
  Disk,
  KernelEventKind,
  KernelTraceEvent,
  Message,
  NodeContext,
  NodeId,
  NodeSpec,
  NodeTransition,
  ProbeEvent,
  Rng,
  RunLimits,
  RunStop,
  SimulationApi,
  SimulationOptions,
  TimeUs,
  TimerHandle,
} from './types.ts';

const KIND_DELIVER = 0;
const KIND_TIMER = 1;
const KIND_EXTERNAL = 2;
/** Codes folded into the hash for each recorded kind. */
const HASH_CODE: Record<KernelEventKind, number> = { deliver: 1, timer: 2, external: 3, drop: 4, node: 5 };

/** A queued event. Pooled: never keep a reference after it ran. */
class SimEvent {
  timeUs = 0;
  seq = 0;
  kind = 0;
  /** Dense index of the target node (deliver, timer), -1 for external. */
  target = -1;
  /** Dense index of the sender (deliver). */
  source = -1;
  /** Link epoch (deliver) or node incarnation (timer) it belongs to. */
  epoch = 0;
  link = -1;
  payload: unknown = undefined;
  label = '';
  cancelled = false;
}

interface NodeSlot {
  id: NodeId;
  name: string;
  index: number;
  factory: (ctx: NodeContext<Message>) => Actor<Message>;
  up: boolean;
  incarnation: number;
  actor: Actor<Message> | undefined;
  ctx: Context | undefined;
  disk: SimDisk;
  /** Live timers of the current incarnation: handle → event. */
  timers: Map<TimerHandle, SimEvent>;
  started: boolean;
}

export class Simulation implements SimulationApi {
  readonly seed: number;
  readonly network: SimNetwork;
  private nowUs: TimeUs = 0;
  private nextSeq = 0;
  private heap: SimEvent[] = [];
  private pool: SimEvent[] = [];
  private readonly streams: RngStreams;
  private readonly slots: NodeSlot[] = [];
  private readonly slotById = new Map<NodeId, NodeSlot>();
  private readonly hasher = new EventHash();
  private readonly recordEvents: boolean;
  private readonly deepHash: boolean;
  private readonly recorded: KernelTraceEvent[] = [];
  private readonly probeListeners: Array<(node: NodeId, event: ProbeEvent) => void> = [];
  private readonly transitionListeners: Array<(node: NodeId, transition: NodeTransition) => void> = [];
  private readonly externals = new Map<number, SimEvent>();
  /** The node whose handler is running, or -1. */
  private runningIndex = -1;
  private processed = 0;

  constructor(options: SimulationOptions) {
    if (!Number.isSafeInteger(options.seed)) throw new Error(`seed must be a safe integer, got ${options.seed}`);
    this.seed = options.seed;
    this.streams = new RngStreams(options.seed);
    this.recordEvents = options.recordEvents ?? false;
    this.deepHash = options.deepHash ?? false;
    this.network = new SimNetwork(this.streams.get('net'), options.defaultLatency, () => this.nowUs);
    this.hasher.int(options.seed);
  }

  now(): TimeUs {
    return this.nowUs;
  }

  rng(name: string): Rng {
    return this.streams.get(name);
  }

  get eventCount(): number {
    return this.processed;
  }

  get events(): readonly KernelTraceEvent[] {
    return this.recorded;
  }

  hash(): string {
    return this.hasher.hex();
  }

  // --- nodes ---------------------------------------------------------------------------

  addNode<M extends Message>(spec: NodeSpec<M>): void {
    if (this.slotById.has(spec.id)) throw new Error(`node ${spec.id} already exists`);
    if (!Number.isInteger(spec.id)) throw new Error(`node id must be an integer, got ${spec.id}`);
    const index = this.network.addNode(spec.id);
    const slot: NodeSlot = {
      id: spec.id,
      name: spec.name,
      index,
      factory: spec.factory as unknown as NodeSlot['factory'],
      up: false,
      incarnation: 0,
      actor: undefined,
      ctx: undefined,
      disk: new SimDisk(),
      timers: new Map(),
      started: false,
    };
    this.slots[index] = slot;
    this.slotById.set(spec.id, slot);
  }

  nodeIds(): NodeId[] {
    return this.slots.map((slot) => slot.id);
  }

  nodeName(id: NodeId): string {
    return this.slot(id).name;
  }

  isUp(id: NodeId): boolean {
    return this.slot(id).up;
  }

  actor<A>(id: NodeId): A | undefined {
    return this.slot(id).actor as A | undefined;
  }

  disk(id: NodeId): Disk {
    return this.slot(id).disk;
  }

  start(id: NodeId): void {
    const slot = this.slot(id);
    this.assertNotRunning(slot, 'start');
    if (slot.up) throw new Error(`start: node ${slot.name} is already up`);
    const transition: NodeTransition = slot.started ? 'restart' : 'start';
    slot.started = true;
    slot.up = true;
    slot.incarnation++;
    slot.timers = new Map();
    const ctx = new Context(this, slot, this.streams.get(`node:${slot.id}`));
    slot.ctx = ctx;
    this.noteTransition(slot, transition);
    const previous = this.runningIndex;
    this.runningIndex = slot.index;
    try {
      slot.actor = slot.factory(ctx);
    } finally {
      this.runningIndex = previous;
    }
  }

  crash(id: NodeId): void {
    this.takeDown(this.slot(id), 'crash');
  }

  powerLoss(id: NodeId, opts?: { tornTail?: boolean }): void {
    const slot = this.slot(id);
    if (slot.up) this.takeDown(slot, 'power-loss');
    else {
      this.assertNotRunning(slot, 'power-loss');
      this.noteTransition(slot, 'power-loss');
    }
    slot.disk.losePower(opts?.tornTail ?? false);
  }

  shutdown(id: NodeId): void {
    const slot = this.slot(id);
    this.assertNotRunning(slot, 'shutdown');
    if (!slot.up) throw new Error(`shutdown: node ${slot.name} is already down`);
    this.runningIndex = slot.index;
    try {
      slot.actor?.onShutdown?.();
    } finally {
      this.runningIndex = -1;
    }
    this.takeDown(slot, 'shutdown');
  }

  onProbe(listener: (node: NodeId, event: ProbeEvent) => void): void {
    this.probeListeners.push(listener);
  }

  onNodeTransition(listener: (node: NodeId, transition: NodeTransition) => void): void {
    this.transitionListeners.push(listener);
  }

  // --- driver events -------------------------------------------------------------------

  at(timeUs: TimeUs, label: string, fn: () => void): number {
    if (!Number.isInteger(timeUs)) throw new Error(`at: time must be integer µs, got ${timeUs}`);
    const ev = this.alloc();
    ev.timeUs = timeUs < this.nowUs ? this.nowUs : timeUs;
    ev.kind = KIND_EXTERNAL;
    ev.payload = fn;
    ev.label = label;
    this.push(ev);
    this.externals.set(ev.seq, ev);
    return ev.seq;
  }

  cancel(handle: number): void {
    const ev = this.externals.get(handle);
    if (ev !== undefined) {
      ev.cancelled = true;
      this.externals.delete(handle);
    }
  }

  // --- the loop ------------------------------------------------------------------------

  run(limits: RunLimits = {}): RunStop {
    const untilUs = limits.untilUs ?? Number.POSITIVE_INFINITY;
    const maxEvents = limits.maxEvents ?? Number.POSITIVE_INFINITY;
    const stopWhen = limits.stopWhen;
    let ran = 0;
    while (this.heap.length > 0) {
      if (ran >= maxEvents) return 'events';
      const top = this.heap[0];
      if (top.timeUs > untilUs) {
        this.nowUs = untilUs;
        return 'time';
      }
      this.pop();
      if (top.cancelled) {
        this.release(top);
        continue;
      }
      this.nowUs = top.timeUs;
      this.dispatch(top);
      this.release(top);
      ran++;
      if (stopWhen !== undefined && stopWhen()) return 'stopped';
    }
    if (untilUs !== Number.POSITIVE_INFINITY && this.nowUs < untilUs) this.nowUs = untilUs;
    return 'idle';
  }

  /** Events waiting in the queue. */
  pending(): number {
    return this.heap.length;
  }

  private dispatch(ev: SimEvent): void {
    this.processed++;
    switch (ev.kind) {
      case KIND_DELIVER: {
        const slot = this.slots[ev.target];
        if (!slot.up || ev.epoch !== this.network.epochOf(ev.link)) {
          this.network.droppedCount++;
          this.fold('drop', ev.target, ev.source, (ev.payload as Message).type, ev.payload);
          return;
        }
        this.network.deliveredCount++;
        this.fold('deliver', ev.target, ev.source, (ev.payload as Message).type, ev.payload);
        this.runningIndex = ev.target;
        try {
          slot.actor!.onMessage(this.slots[ev.source].id, ev.payload as Message);
        } finally {
          this.runningIndex = -1;
        }
        return;
      }
      case KIND_TIMER: {
        const slot = this.slots[ev.target];
        // Timers of a dead incarnation were discarded with it; this one must be live.
        slot.timers.delete(ev.seq);
        if (!slot.up || ev.epoch !== slot.incarnation) return;
        this.fold('timer', ev.target, -1, timerLabel(ev.payload), ev.payload);
        this.runningIndex = ev.target;
        try {
          slot.actor!.onTimer(ev.payload);
        } finally {
          this.runningIndex = -1;
        }
        return;
      }
      case KIND_EXTERNAL: {
        this.externals.delete(ev.seq);
        this.fold('external', -1, -1, ev.label, undefined);
        (ev.payload as () => void)();
        return;
      }
      default:
        throw new Error(`kernel: unknown event kind ${ev.kind}`);
    }
  }

  private fold(kind: KernelEventKind, target: number, source: number, label: string, detail: unknown): void {
    const h = this.hasher;
    h.int(this.nowUs);
    h.int(HASH_CODE[kind]);
    h.int(target);
    h.int(source);
    h.str(label);
    let detailText: string | undefined;
    if (this.deepHash && detail !== undefined) {
      detailText = canonicalJson(detail);
      h.str(detailText);
    }
    if (this.recordEvents) {
      this.recorded.push({
        seq: this.processed,
        timeUs: this.nowUs,
        kind,
        node: target < 0 ? -1 : this.slots[target].id,
        from: source < 0 ? -1 : this.slots[source].id,
        label,
        detail: detailText ?? (detail === undefined ? undefined : canonicalJson(detail)),
      });
    }
  }

  // --- used by Context -----------------------------------------------------------------

  /** @internal */
  sendFrom(slot: NodeSlot, incarnation: number, to: NodeId, msg: Message): void {
    if (incarnation !== slot.incarnation || !slot.up) return; // a dead incarnation's context
    const dest = this.slotById.get(to);
    if (dest === undefined) throw new Error(`${slot.name} sent ${msg.type} to unknown node ${to}`);
    const link = this.network.link(slot.index, dest.index);
    if (!dest.up || this.network.isBlocked(link)) {
      this.network.droppedCount++;
      this.fold('drop', dest.index, slot.index, msg.type, msg);
      return;
    }
    const ev = this.alloc();
    ev.timeUs = this.network.deliveryTime(link);
    ev.kind = KIND_DELIVER;
    ev.target = dest.index;
    ev.source = slot.index;
    ev.link = link;
    ev.epoch = this.network.epochOf(link);
    ev.payload = msg;
    this.push(ev);
  }

  /** @internal */
  setTimerFor(slot: NodeSlot, incarnation: number, delayUs: TimeUs, tag: unknown): TimerHandle {
    if (!Number.isInteger(delayUs) || delayUs < 0) {
      throw new Error(`${slot.name}: timer delay must be a non-negative integer µs, got ${delayUs}`);
    }
    if (incarnation !== slot.incarnation || !slot.up) return -1;
    const ev = this.alloc();
    ev.timeUs = this.nowUs + delayUs;
    ev.kind = KIND_TIMER;
    ev.target = slot.index;
    ev.epoch = incarnation;
    ev.payload = tag;
    this.push(ev);
    slot.timers.set(ev.seq, ev);
    return ev.seq;
  }

  /** @internal */
  cancelTimerFor(slot: NodeSlot, handle: TimerHandle): void {
    const ev = slot.timers.get(handle);
    if (ev !== undefined) {
      ev.cancelled = true;
      slot.timers.delete(handle);
    }
  }

  /** @internal */
  emitFrom(slot: NodeSlot, incarnation: number, event: ProbeEvent): void {
    if (incarnation !== slot.incarnation || !slot.up) return;
    for (const listener of this.probeListeners) listener(slot.id, event);
  }

  // --- internals -----------------------------------------------------------------------

  private takeDown(slot: NodeSlot, transition: NodeTransition): void {
    this.assertNotRunning(slot, transition);
    if (!slot.up) throw new Error(`${transition}: node ${slot.name} is already down`);
    slot.up = false;
    slot.actor = undefined;
    slot.ctx = undefined;
    for (const ev of slot.timers.values()) ev.cancelled = true;
    slot.timers = new Map();
    this.network.resetNode(slot.index);
    this.noteTransition(slot, transition);
  }

  private noteTransition(slot: NodeSlot, transition: NodeTransition): void {
    this.hasher.int(this.nowUs);
    this.hasher.int(HASH_CODE.node);
    this.hasher.int(slot.id);
    this.hasher.str(transition);
    if (this.recordEvents) {
      this.recorded.push({ seq: this.processed, timeUs: this.nowUs, kind: 'node', node: slot.id, from: -1, label: transition });
    }
    for (const listener of this.transitionListeners) listener(slot.id, transition);
  }

  private assertNotRunning(slot: NodeSlot, what: string): void {
    if (this.runningIndex === slot.index) {
      throw new Error(`${what} of ${slot.name} from inside its own handler; schedule it with sim.at(sim.now(), ...)`);
    }
  }

  private slot(id: NodeId): NodeSlot {
    const slot = this.slotById.get(id);
    if (slot === undefined) throw new Error(`unknown node ${id}`);
    return slot;
  }

  private alloc(): SimEvent {
    const ev = this.pool.pop() ?? new SimEvent();
    ev.seq = this.nextSeq++;
    ev.cancelled = false;
    return ev;
  }

  private release(ev: SimEvent): void {
    ev.payload = undefined;
    ev.label = '';
    ev.link = -1;
    ev.target = -1;
    ev.source = -1;
    this.pool.push(ev);
  }

  // Binary min-heap on (timeUs, seq).
  private push(ev: SimEvent): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (p.timeUs < ev.timeUs || (p.timeUs === ev.timeUs && p.seq < ev.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = ev;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n) {
        const a = heap[l];
        const b = heap[r];
        if (b.timeUs < a.timeUs || (b.timeUs === a.timeUs && b.seq < a.seq)) c = r;
      }
      const child = heap[c];
      if (last.timeUs < child.timeUs || (last.timeUs === child.timeUs && last.seq < child.seq)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
  }
}

/** The handle a node's handlers use; bound to one incarnation. */
class Context implements NodeContext<Message> {
  readonly id: NodeId;
  readonly name: string;
  readonly incarnation: number;
  readonly disk: Disk;

  constructor(
    private readonly sim: Simulation,
    private readonly slot: NodeSlot,
    readonly rng: Rng,
  ) {
    this.id = slot.id;
    this.name = slot.name;
    this.incarnation = slot.incarnation;
    this.disk = slot.disk;
  }

  now(): TimeUs {
    return this.sim.now();
  }

  send(to: NodeId, msg: Message): void {
    this.sim.sendFrom(this.slot, this.incarnation, to, msg);
  }

  setTimer(delayUs: TimeUs, tag: unknown): TimerHandle {
    return this.sim.setTimerFor(this.slot, this.incarnation, delayUs, tag);
  }

  cancelTimer(handle: TimerHandle): void {
    this.sim.cancelTimerFor(this.slot, handle);
  }

  emit(event: ProbeEvent): void {
    this.sim.emitFrom(this.slot, this.incarnation, event);
  }
}

function timerLabel(tag: unknown): string {
  if (typeof tag === 'string') return tag;
  if (typeof tag === 'object' && tag !== null && typeof (tag as { type?: unknown }).type === 'string') {
    return (tag as { type: string }).type;
  }
  return typeof tag;
}
