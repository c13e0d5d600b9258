// The simulation kernel: one thread, a virtual clock in integer microseconds, and a single
// event queue ordered by (virtual time, sequence number assigned when scheduled). Nodes are
// actors with synchronous handlers; the network, disks and timers are simulated here.
//
// What must hold (DESIGN §2–3):
// - Same seed and same inputs give the same events in the same order, and the same hash.
// - Time never goes backwards; events at equal times run in scheduling order.
// - A node that is down receives nothing and its timers never fire; a restarted node is a
//   fresh actor (new incarnation) that recovers from its disk. Timers and in-flight
//   messages of an older incarnation are dropped: its timers leave the queue when it goes
//   down, its connections are reset (network.ts).
// - A process that dies on a powered machine (crash, clean stop; not a power loss) resets
//   its peers' connections: each live peer with an open connection to it gets
//   `onDisconnect(node)` one latency later, unless a cut hides it; a send to such a down node
//   is refused, its sender told one round trip later (network.ts states the fault model).
// - A paused node (a hung process: SIGSTOP) runs nothing: messages, timers and disconnect
//   notifications due to it wait, in order, and run when it resumes (timers late); its
//   connections stay open, so its peers learn nothing until their own timeouts. A paused
//   node can still crash or lose power (what waited is dropped).
// - Node state changes (start, crash, power loss, shutdown) happen only from driver code,
//   never from inside an actor's handler or a probe listener of the node being changed
//   while it runs (that would tear down an actor mid-handler): they throw if tried. The one
//   exception is a process halting itself (NodeContext.halt, Java's Exit.halt): the call
//   throws a NodeHalted that unwinds the handler, and the kernel, once out of it, takes the
//   node down as a crash does (transition 'halt'); it stays down until the driver starts it.
//   `run` cannot be re-entered from inside an event.
// The hot path (schedule, pop, deliver) allocates nothing but the message the actor built:
// event objects are pooled, a cancelled timer leaves the heap at once (each event knows its
// heap position), and a timer handle names its pooled event directly (pool id + generation),
// so cancelling needs no map.

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
const KIND_DISCONNECT = 3;
/** Codes folded into the hash for each recorded kind. */
const HASH_CODE: Record<KernelEventKind, number> = {
  deliver: 1,
  timer: 2,
  external: 3,
  drop: 4,
  node: 5,
  disconnect: 6,
};
/** Codes folded for pause and resume (not node transitions: the node stays up). */
const PAUSE_CODE = 7;
const RESUME_CODE = 8;

/** Distinct labels the hash interns; beyond it, labels are folded as text every time. */
const MAX_INTERNED_LABELS = 4_096;

/** Slots of the label memo (a power of two). */
const LABEL_MEMO_SLOTS = 32;

/** Node ids below this are looked up in an array rather than a map. */
const SMALL_ID_LIMIT = 65_536;

/** A handle is `generation * HANDLE_ID_SPACE + pool id`; both fit below 2^53. */
const HANDLE_ID_SPACE = 2 ** 21;
const HANDLE_GEN_SPACE = 2 ** 32;

/** A queued event. Pooled: never keep a reference after it ran. */
class SimEvent {
  timeUs = 0;
  seq = 0;
  kind = 0;
  /** Position in the heap, -1 when not queued. */
  heapIndex = -1;
  /** Bumped every time the pooled object is reused, so a stale handle misses. */
  gen = 0;
  /** Dense index of the target node (deliver, timer), -1 for external. */
  target = -1;
  /** Dense index of the sender (deliver). */
  source = -1;
  /** Link epoch (deliver) or node incarnation (timer) it belongs to. */
  epoch = 0;
  link = -1;
  payload: unknown = undefined;
  label = '';

  /** `id` is the permanent index of this object in the simulation's `allEvents`. */
  constructor(readonly id: number) {}
}

interface NodeSlot<P extends ProbeEvent> {
  id: NodeId;
  name: string;
  index: number;
  factory: (ctx: NodeContext<Message, P>) => Actor<Message>;
  up: boolean;
  incarnation: number;
  actor: Actor<Message> | undefined;
  ctx: Context<P> | undefined;
  disk: SimDisk;
  started: boolean;
  /** Asked to stop (requestStop) and not yet down. */
  stopping: boolean;
  /** The stop timeout's driver event, -1 when none. */
  stopTimeout: number;
  /** requestStop callbacks to run once this incarnation is down. */
  whenDown: Array<() => void>;
  /** The machine has power (false from a power loss until the next start). */
  powered: boolean;
  /** A hung process: events due to it wait in `deferred`, in dispatch order. */
  paused: boolean;
  deferred: SimEvent[];
}

/**
 * The kernel. `P` is the probe events its nodes emit (the model's union; the open
 * ProbeEvent by default): the kernel only forwards them, typed, to its listeners.
 */
export class Simulation<P extends ProbeEvent = ProbeEvent> implements SimulationApi<P> {
  readonly seed: number;
  readonly network: SimNetwork;
  private nowUs: TimeUs = 0;
  private nextSeq = 0;
  private heap: SimEvent[] = [];
  /** The keys of heap[i]: its time and sequence number (see push). */
  private heapTimeUs = new Float64Array(1024);
  private heapSeq = new Float64Array(1024);
  private pool: SimEvent[] = [];
  /** Every event object ever made, by pool id (handles resolve through it). */
  private readonly allEvents: SimEvent[] = [];
  private readonly streams: RngStreams;
  private readonly slots: NodeSlot<P>[] = [];
  private readonly slotById = new Map<NodeId, NodeSlot<P>>();
  /** Fast path of slotById for small non-negative ids. */
  private readonly slotBySmallId: Array<NodeSlot<P> | undefined> = [];
  private readonly hasher = new EventHash();
  private readonly labelIds = new Map<string, number>();
  /**
   * A direct-mapped memo of labelIds for the labels of the last events (LABEL_MEMO_SLOTS
   * slots, by length, first and last character: labelMemoSlot): message types and timer tags
   * are the same few constant strings, found here without hashing. It only remembers what
   * labelIds assigned, so it never changes the hash.
   */
  private readonly labelMemo: Array<string | undefined> = new Array(LABEL_MEMO_SLOTS).fill(undefined);
  private readonly labelMemoIds = new Int32Array(LABEL_MEMO_SLOTS);
  private readonly recordEvents: boolean;
  private readonly deepHash: boolean;
  private readonly recorded: KernelTraceEvent[] = [];
  private readonly probeListeners: Array<(node: NodeId, event: P) => void> = [];
  private readonly transitionListeners: Array<
    (node: NodeId, transition: NodeTransition, reason: string | undefined) => void
  > = [];
  /** The node whose handler is running, or -1. */
  private runningIndex = -1;
  private running = false;
  private processed = 0;

  constructor(options: SimulationOptions) {
    if (!Number.isSafeInteger(options.seed)) throw new Error(`seed must be a safe integer, got ${options.seed}`);
    this.seed = options.seed;
    this.streams = new RngStreams(options.seed);
    this.recordEvents = options.recordEvents ?? false;
    this.deepHash = options.deepHash ?? false;
    this.network = new SimNetwork(this.streams.get('net'), options.defaultLatency);
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

  addNode<M extends Message>(spec: NodeSpec<M, P>): void {
    if (this.slotById.has(spec.id)) throw new Error(`node ${spec.id} already exists`);
    if (!Number.isInteger(spec.id)) throw new Error(`node id must be an integer, got ${spec.id}`);
    const index = this.network.addNode(spec.id);
    const slot: NodeSlot<P> = {
      id: spec.id,
      name: spec.name,
      index,
      // Each node has its own message type M; the slot table holds them all, so M is erased here.
      factory: spec.factory as unknown as NodeSlot<P>['factory'],
      up: false,
      incarnation: 0,
      actor: undefined,
      ctx: undefined,
      disk: new SimDisk(
        () => this.nowUs,
        () => this.rng(`writeback/${spec.name}`),
      ),
      started: false,
      stopping: false,
      stopTimeout: -1,
      whenDown: [],
      powered: true,
      paused: false,
      deferred: [],
    };
    this.slots[index] = slot;
    this.slotById.set(spec.id, slot);
    if (spec.id >= 0 && spec.id < SMALL_ID_LIMIT) {
      while (this.slotBySmallId.length <= spec.id) this.slotBySmallId.push(undefined);
      this.slotBySmallId[spec.id] = slot;
    }
  }

  runningNode(): NodeId | undefined {
    return this.runningIndex === -1 ? undefined : this.slots[this.runningIndex].id;
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
    slot.powered = true;
    slot.incarnation++;
    const ctx = new Context(this, slot, this.streams.get(`node:${slot.id}`));
    slot.ctx = ctx;
    this.noteTransition(slot, transition);
    const previous = this.runningIndex;
    this.runningIndex = slot.index;
    try {
      slot.actor = slot.factory(ctx);
    } catch (err) {
      this.runningIndex = previous;
      this.haltedOrRethrow(slot, err);
    } finally {
      this.runningIndex = previous;
    }
  }

  crash(id: NodeId): void {
    this.takeDown(this.slot(id), 'crash');
  }

  powerLoss(id: NodeId, opts?: { tornTail?: boolean }): void {
    const slot = this.slot(id);
    slot.powered = false;
    if (slot.up) this.takeDown(slot, 'power-loss');
    else {
      this.assertNotRunning(slot, 'power-loss');
      this.noteTransition(slot, 'power-loss');
    }
    // What the flusher wrote back by now, and what a loss mid-writeback keeps, come from the
    // disk's own stream (`writeback/<node>`), so no other draw moves.
    slot.disk.losePower(opts?.tornTail ?? false);
  }

  shutdown(id: NodeId): void {
    const slot = this.slot(id);
    this.assertNotRunning(slot, 'shutdown');
    if (!slot.up) throw new Error(`shutdown: node ${slot.name} is already down`);
    const previous = this.runningIndex;
    this.runningIndex = slot.index;
    try {
      slot.actor?.onShutdown?.();
    } finally {
      this.runningIndex = previous;
    }
    this.takeDown(slot, 'shutdown');
  }

  requestStop(id: NodeId, timeoutUs: TimeUs, whenDown?: () => void): void {
    const slot = this.slot(id);
    this.assertNotRunning(slot, 'requestStop');
    if (!slot.up) throw new Error(`requestStop: node ${slot.name} is already down`);
    if (!Number.isInteger(timeoutUs) || timeoutUs < 0) {
      throw new Error(`requestStop: timeout must be integer µs ≥ 0, got ${timeoutUs}`);
    }
    if (whenDown !== undefined) slot.whenDown.push(whenDown);
    if (slot.stopping) return;
    if (slot.actor?.onStopRequested === undefined) {
      this.shutdown(id);
      return;
    }
    slot.stopping = true;
    const incarnation = slot.incarnation;
    slot.stopTimeout = this.at(this.nowUs + timeoutUs, `stop-timeout ${slot.name}`, () => {
      slot.stopTimeout = -1;
      if (slot.up && slot.incarnation === incarnation) this.shutdown(id);
    });
    const previous = this.runningIndex;
    this.runningIndex = slot.index;
    try {
      slot.actor.onStopRequested();
    } finally {
      this.runningIndex = previous;
    }
  }

  isStopping(id: NodeId): boolean {
    return this.slot(id).stopping;
  }

  /** @internal ctx.readyToStop: shut the node down in an event of its own. */
  readyToStopFrom(slot: NodeSlot<P>, incarnation: number): void {
    if (incarnation !== slot.incarnation || !slot.up || !slot.stopping) return;
    this.at(this.nowUs, `stop ${slot.name}`, () => {
      if (slot.up && slot.incarnation === incarnation) this.shutdown(slot.id);
    });
  }

  isPaused(id: NodeId): boolean {
    return this.slot(id).paused;
  }

  /** Hang a running node's process (SIGSTOP): nothing of it runs until resume. */
  pause(id: NodeId): void {
    const slot = this.slot(id);
    this.assertNotRunning(slot, 'pause');
    if (!slot.up || slot.paused) throw new Error(`pause: node ${slot.name} is ${slot.up ? 'already paused' : 'down'}`);
    slot.paused = true;
    this.foldNodeCode(slot, PAUSE_CODE);
  }

  /**
   * Resume a paused node (SIGCONT): what waited for it runs now, in its original order, and
   * before anything due to it later (events at this very instant join the waiting ones).
   */
  resume(id: NodeId): void {
    const slot = this.slot(id);
    if (!slot.paused) throw new Error(`resume: node ${slot.name} is not paused`);
    slot.paused = false;
    this.foldNodeCode(slot, RESUME_CODE);
    const waiting = slot.deferred;
    slot.deferred = [];
    const heap = this.heap;
    const sameInstant: SimEvent[] = [];
    for (const ev of heap) {
      if (ev.target === slot.index && ev.kind !== KIND_EXTERNAL && ev.timeUs <= this.nowUs) sameInstant.push(ev);
    }
    sameInstant.sort((a, b) => a.seq - b.seq);
    for (const ev of sameInstant) {
      this.removeFromHeap(ev);
      waiting.push(ev);
    }
    for (const ev of waiting) {
      ev.timeUs = this.nowUs;
      ev.seq = this.nextSeq++;
      this.push(ev);
    }
  }

  onProbe(listener: (node: NodeId, event: P) => void): void {
    this.probeListeners.push(listener);
  }

  onNodeTransition(listener: (node: NodeId, transition: NodeTransition, reason: string | undefined) => void): void {
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
    return handleOf(ev);
  }

  cancel(handle: number): void {
    const ev = this.resolve(handle);
    if (ev !== undefined && ev.kind === KIND_EXTERNAL) this.unqueue(ev);
  }

  // --- the loop ------------------------------------------------------------------------

  run(limits: RunLimits = {}): RunStop {
    if (this.running) throw new Error('run: the simulation is already running (called from inside an event)');
    const untilUs = limits.untilUs ?? Number.POSITIVE_INFINITY;
    const maxEvents = limits.maxEvents ?? Number.POSITIVE_INFINITY;
    const stopWhen = limits.stopWhen;
    const heap = this.heap;
    let ran = 0;
    this.running = true;
    try {
      while (heap.length > 0) {
        if (ran >= maxEvents) return 'events';
        const top = heap[0];
        if (top.timeUs > untilUs) {
          if (untilUs > this.nowUs) this.nowUs = untilUs;
          return 'time';
        }
        this.popTop();
        this.nowUs = top.timeUs;
        if (this.dispatch(top)) this.release(top);
        ran++;
        if (stopWhen !== undefined && stopWhen()) return 'stopped';
      }
      if (untilUs !== Number.POSITIVE_INFINITY && this.nowUs < untilUs) this.nowUs = untilUs;
      return 'idle';
    } finally {
      this.running = false;
    }
  }

  pending(): number {
    return this.heap.length;
  }

  /** Runs one event; false when it waits for a paused node (not to be released). */
  private dispatch(ev: SimEvent): boolean {
    this.processed++;
    switch (ev.kind) {
      case KIND_DELIVER: {
        const slot = this.slots[ev.target];
        const msg = ev.payload as Message;
        if (!slot.up || ev.epoch !== this.network.epochOf(ev.link)) {
          this.network.droppedCount++;
          this.fold(HASH_CODE.drop, ev.target, ev.source, msg.type, msg);
          return true;
        }
        if (slot.paused) return this.defer(slot, ev);
        this.network.deliveredCount++;
        this.fold(HASH_CODE.deliver, ev.target, ev.source, msg.type, msg);
        this.runningIndex = ev.target;
        try {
          slot.actor!.onMessage(this.slots[ev.source].id, msg);
        } catch (err) {
          this.runningIndex = -1;
          this.haltedOrRethrow(slot, err);
        } finally {
          this.runningIndex = -1;
        }
        return true;
      }
      case KIND_TIMER: {
        const slot = this.slots[ev.target];
        // A node's timers leave the queue when it goes down (takeDown), so this one is live.
        if (!slot.up || ev.epoch !== slot.incarnation) {
          throw new Error(`kernel: timer of a dead incarnation of ${slot.name} reached dispatch`);
        }
        if (slot.paused) return this.defer(slot, ev);
        this.fold(HASH_CODE.timer, ev.target, -1, timerLabel(ev.payload), ev.payload);
        this.runningIndex = ev.target;
        try {
          slot.actor!.onTimer(ev.payload);
        } catch (err) {
          this.runningIndex = -1;
          this.haltedOrRethrow(slot, err);
        } finally {
          this.runningIndex = -1;
        }
        return true;
      }
      case KIND_EXTERNAL: {
        this.fold(HASH_CODE.external, -1, -1, ev.label, undefined);
        (ev.payload as () => void)();
        return true;
      }
      case KIND_DISCONNECT:
        return this.dispatchDisconnect(ev);
      default:
        throw new Error(`kernel: unknown event kind ${ev.kind}`);
    }
  }

  /** A disconnect notification: the target's connection to the source reset or was refused. */
  private dispatchDisconnect(ev: SimEvent): boolean {
    const slot = this.slots[ev.target];
    if (!slot.up || ev.epoch !== slot.incarnation) {
      if (ev.link >= 0) this.network.refusalDone(ev.link);
      return true;
    }
    if (slot.paused) return this.defer(slot, ev);
    if (ev.link >= 0) this.network.refusalDone(ev.link);
    const peer = this.slots[ev.source];
    this.fold(HASH_CODE.disconnect, ev.target, ev.source, 'disconnect', undefined);
    this.runningIndex = ev.target;
    try {
      slot.actor!.onDisconnect?.(peer.id);
    } catch (err) {
      this.runningIndex = -1;
      this.haltedOrRethrow(slot, err);
    } finally {
      this.runningIndex = -1;
    }
    return true;
  }

  /** Keep an event due to a paused node until it resumes. */
  private defer(slot: NodeSlot<P>, ev: SimEvent): false {
    this.processed--;
    slot.deferred.push(ev);
    return false;
  }

  /** Schedule a disconnect notification to `target` about `source` (link: a refusal's, else -1). */
  private notifyDisconnect(target: NodeSlot<P>, source: NodeSlot<P>, delayUs: TimeUs, link: number): void {
    const ev = this.alloc();
    ev.timeUs = this.nowUs + delayUs;
    ev.kind = KIND_DISCONNECT;
    ev.target = target.index;
    ev.source = source.index;
    ev.epoch = target.incarnation;
    ev.link = link;
    this.push(ev);
  }

  private fold(code: number, target: number, source: number, label: string, detail: unknown): void {
    const nowUs = this.nowUs;
    const memoSlot = labelMemoSlot(label);
    // The common case in one call: a label in the memo (interned), small node indices, a time
    // within int32; it folds the same three words as foldSlow would, one after the other.
    if (this.labelMemo[memoSlot] === label && target < 16383 && source < 16383 && nowUs === (nowUs | 0)) {
      this.hasher.int3(nowUs, ((((source + 1) << 14) | (target + 1)) << 3) | code, this.labelMemoIds[memoSlot]);
    } else this.foldSlow(code, target, source, label);
    let detailText: string | undefined;
    if (this.deepHash && detail !== undefined) {
      detailText = canonicalJson(detail);
      this.hasher.str(detailText);
    }
    if (this.recordEvents) {
      this.recorded.push({
        seq: this.recorded.length,
        timeUs: this.nowUs,
        kind: KIND_NAME[code],
        node: target < 0 ? -1 : this.slots[target].id,
        from: source < 0 ? -1 : this.slots[source].id,
        label,
        detail: detailText ?? (detail === undefined ? undefined : canonicalJson(detail)),
      });
    }
  }

  /** An event's words one by one: time, header, label (its number, interning it, or its text). */
  private foldSlow(code: number, target: number, source: number, label: string): void {
    const h = this.hasher;
    h.int(this.nowUs);
    // Header: kind code, target and source in one word while node indices are small.
    if (target < 16383 && source < 16383) h.int(((((source + 1) << 14) | (target + 1)) << 3) | code);
    else {
      h.int(((target + 1) << 3) | code);
      h.int(source);
    }
    // Labels are interned: the first occurrence folds the text, later ones only its number.
    // The encoding stays injective: a number ≥ 0, or -1 and the text (newly interned), or -2
    // and the text (the table is full: labels made unique per event are not kept forever).
    const memoSlot = labelMemoSlot(label);
    let labelId: number | undefined;
    if (this.labelMemo[memoSlot] === label) labelId = this.labelMemoIds[memoSlot];
    else {
      labelId = this.labelIds.get(label);
      if (labelId !== undefined) {
        this.labelMemo[memoSlot] = label;
        this.labelMemoIds[memoSlot] = labelId;
      }
    }
    if (labelId !== undefined) h.int(labelId);
    else if (this.labelIds.size < MAX_INTERNED_LABELS) {
      this.labelIds.set(label, this.labelIds.size);
      h.int(-1);
      h.str(label);
    } else {
      h.int(-2);
      h.str(label);
    }
  }

  // --- used by Context -----------------------------------------------------------------

  /** @internal */
  sendFrom(slot: NodeSlot<P>, incarnation: number, to: NodeId, msg: Message): void {
    if (incarnation !== slot.incarnation || !slot.up) return; // a dead incarnation's context
    const dest = to >= 0 && to < this.slotBySmallId.length ? this.slotBySmallId[to] : this.slotById.get(to);
    if (dest === undefined) throw new Error(`${slot.name} sent ${msg.type} to unknown node ${to}`);
    const network = this.network;
    const link = network.link(slot.index, dest.index);
    if (!dest.up || network.isBlocked(link)) {
      network.droppedCount++;
      this.fold(HASH_CODE.drop, dest.index, slot.index, msg.type, msg);
      if (!dest.up && dest.powered) {
        // The process is gone but its machine answers: the connect is refused (RST).
        const delayUs = network.refusalDelay(slot.index, dest.index);
        if (delayUs >= 0) this.notifyDisconnect(slot, dest, delayUs, link);
      }
      return;
    }
    network.markOpen(link);
    const ev = this.alloc();
    ev.timeUs = network.deliveryTime(link, this.nowUs);
    ev.kind = KIND_DELIVER;
    ev.target = dest.index;
    ev.source = slot.index;
    ev.link = link;
    ev.epoch = network.epochOf(link);
    ev.payload = msg;
    this.push(ev);
  }

  /** @internal */
  setTimerFor(slot: NodeSlot<P>, incarnation: number, delayUs: TimeUs, tag: unknown): TimerHandle {
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
    return handleOf(ev);
  }

  /** @internal */
  cancelTimerFor(slot: NodeSlot<P>, incarnation: number, handle: TimerHandle): void {
    const ev = this.resolve(handle);
    if (ev !== undefined && ev.kind === KIND_TIMER && ev.target === slot.index && ev.epoch === incarnation) {
      this.unqueue(ev);
    }
  }

  /** @internal */
  emitFrom(slot: NodeSlot<P>, incarnation: number, event: P): void {
    if (incarnation !== slot.incarnation || !slot.up) return;
    for (const listener of this.probeListeners) listener(slot.id, event);
  }

  /** @internal ctx.halt: only from the node's own running handler; unwinds it (never returns). */
  haltFrom(slot: NodeSlot<P>, incarnation: number, reason: string): never {
    if (incarnation !== slot.incarnation || !slot.up || this.runningIndex !== slot.index) {
      throw new Error(`halt of ${slot.name} outside its own running handler (${reason})`);
    }
    throw new NodeHalted(slot.index, incarnation, reason);
  }

  /** After a handler threw: the node's own halt takes it down (a crash); anything else propagates. */
  private haltedOrRethrow(slot: NodeSlot<P>, err: unknown): void {
    if (!(err instanceof NodeHalted) || err.nodeIndex !== slot.index || err.incarnation !== slot.incarnation) throw err;
    this.takeDown(slot, 'halt', err.reason);
  }

  // --- internals -----------------------------------------------------------------------

  private takeDown(slot: NodeSlot<P>, transition: NodeTransition, reason?: string): void {
    this.assertNotRunning(slot, transition);
    if (!slot.up) throw new Error(`${transition}: node ${slot.name} is already down`);
    slot.up = false;
    slot.actor = undefined;
    slot.ctx = undefined;
    slot.paused = false;
    for (const ev of slot.deferred) {
      if (ev.kind === KIND_DISCONNECT && ev.link >= 0) this.network.refusalDone(ev.link);
      this.release(ev);
    }
    slot.deferred = [];
    this.dropTimersOf(slot.index);
    if (transition !== 'power-loss') {
      // The dead process's OS resets its connections (RST): each peer hears of it.
      const network = this.network;
      for (const peer of network.peersSeeingReset(slot.index)) {
        const target = this.slots[peer];
        if (target.up) this.notifyDisconnect(target, slot, network.notifyDelay(network.link(slot.index, peer)), -1);
      }
    }
    this.network.resetNode(slot.index);
    slot.stopping = false;
    if (slot.stopTimeout >= 0) this.cancel(slot.stopTimeout);
    slot.stopTimeout = -1;
    this.noteTransition(slot, transition, reason);
    const whenDown = slot.whenDown;
    if (whenDown.length > 0) {
      slot.whenDown = [];
      for (const fn of whenDown) fn();
    }
  }

  /** Remove every queued timer of a node (it went down) and restore the heap: O(queue). */
  private dropTimersOf(index: number): void {
    const heap = this.heap;
    let kept = 0;
    for (let i = 0; i < heap.length; i++) {
      const ev = heap[i];
      if (ev.kind === KIND_TIMER && ev.target === index) {
        ev.heapIndex = -1;
        this.release(ev);
      } else {
        this.heapTimeUs[kept] = this.heapTimeUs[i];
        this.heapSeq[kept] = this.heapSeq[i];
        heap[kept++] = ev;
      }
    }
    if (kept === heap.length) return;
    heap.length = kept;
    for (let i = 0; i < kept; i++) heap[i].heapIndex = i;
    for (let i = (kept - 2) >> 2; i >= 0; i--) this.siftDown(heap[i], i);
  }

  private foldNodeCode(slot: NodeSlot<P>, code: number): void {
    this.hasher.int(this.nowUs);
    this.hasher.int(code);
    this.hasher.int(slot.id);
  }

  private noteTransition(slot: NodeSlot<P>, transition: NodeTransition, reason?: string): void {
    this.hasher.int(this.nowUs);
    this.hasher.int(HASH_CODE.node);
    this.hasher.int(slot.id);
    this.hasher.str(transition);
    if (this.recordEvents) {
      this.recorded.push({
        seq: this.recorded.length,
        timeUs: this.nowUs,
        kind: 'node',
        node: slot.id,
        from: -1,
        label: transition,
      });
    }
    for (const listener of this.transitionListeners) listener(slot.id, transition, reason);
  }

  private assertNotRunning(slot: NodeSlot<P>, what: string): void {
    if (this.runningIndex === slot.index) {
      throw new Error(`${what} of ${slot.name} from inside its own handler; schedule it with sim.at(sim.now(), ...)`);
    }
  }

  private slot(id: NodeId): NodeSlot<P> {
    // isUp and actor run on every probe the driver hears: the array first, as sendFrom does.
    const slot = id >= 0 && id < this.slotBySmallId.length ? this.slotBySmallId[id] : this.slotById.get(id);
    if (slot === undefined) throw new Error(`unknown node ${id}`);
    return slot;
  }

  /** The queued event a handle names, or undefined if it already ran or was cancelled. */
  private resolve(handle: number): SimEvent | undefined {
    if (!Number.isSafeInteger(handle) || handle < 0) return undefined;
    const ev = this.allEvents[handle % HANDLE_ID_SPACE];
    if (ev === undefined || ev.heapIndex < 0 || ev.gen !== Math.floor(handle / HANDLE_ID_SPACE)) return undefined;
    return ev;
  }

  private alloc(): SimEvent {
    let ev = this.pool.pop();
    if (ev === undefined) {
      const id = this.allEvents.length;
      if (id >= HANDLE_ID_SPACE) throw new Error(`kernel: more than ${HANDLE_ID_SPACE} events pending at once`);
      ev = new SimEvent(id);
      this.allEvents.push(ev);
    } else {
      ev.gen = ev.gen + 1 === HANDLE_GEN_SPACE ? 0 : ev.gen + 1;
    }
    ev.seq = this.nextSeq++;
    return ev;
  }

  private release(ev: SimEvent): void {
    ev.payload = undefined;
    ev.label = '';
    this.pool.push(ev);
  }

  /** Take a queued event out of the heap (cancellation) and return it to the pool. */
  private unqueue(ev: SimEvent): void {
    this.removeFromHeap(ev);
    this.release(ev);
  }

  /** Take a queued event out of the heap, keeping it. */
  private removeFromHeap(ev: SimEvent): void {
    const heap = this.heap;
    const i = ev.heapIndex;
    const last = heap.pop()!;
    ev.heapIndex = -1;
    if (last !== ev) {
      // Put the last event into the hole, then restore the order either way.
      const p = (i - 1) >> 2;
      const times = this.heapTimeUs;
      if (i > 0 && (last.timeUs < times[p] || (last.timeUs === times[p] && last.seq < this.heapSeq[p]))) {
        this.siftUp(last, i);
      } else this.siftDown(last, i);
    }
  }

  // A 4-ary min-heap on (timeUs, seq): the children of i are 4i+1..4i+4, so a pop walks half
  // the levels of a binary heap, and the four keys it compares per level are adjacent. Every
  // event knows its position. The keys of heap[i] are also kept at heapTimeUs[i] and
  // heapSeq[i], so comparisons read two flat arrays instead of following a pointer to each event.
  private push(ev: SimEvent): void {
    const i = this.heap.length;
    this.heap.push(ev);
    if (i >= this.heapTimeUs.length) this.growKeys();
    this.siftUp(ev, i);
  }

  private growKeys(): void {
    const times = new Float64Array(this.heapTimeUs.length * 2);
    const seqs = new Float64Array(this.heapSeq.length * 2);
    times.set(this.heapTimeUs);
    seqs.set(this.heapSeq);
    this.heapTimeUs = times;
    this.heapSeq = seqs;
  }

  private siftUp(ev: SimEvent, start: number): void {
    const heap = this.heap;
    const times = this.heapTimeUs;
    const seqs = this.heapSeq;
    const timeUs = ev.timeUs;
    const seq = ev.seq;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent];
      if (pt < timeUs || (pt === timeUs && seqs[parent] < seq)) break;
      const p = heap[parent];
      heap[i] = p;
      times[i] = pt;
      seqs[i] = seqs[parent];
      p.heapIndex = i;
      i = parent;
    }
    heap[i] = ev;
    times[i] = timeUs;
    seqs[i] = seq;
    ev.heapIndex = i;
  }

  /**
   * Remove heap[0] (the caller holds it). Bottom-up (Floyd): the hole at the root moves down
   * along the smallest children to a leaf, and the last event fills it from there, sifting up
   * (it came from the bottom, so it seldom climbs far). The pop order is the same as a
   * top-down sift's: keys (time, seq) are unique.
   */
  private popTop(): void {
    const heap = this.heap;
    heap[0].heapIndex = -1;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    const times = this.heapTimeUs;
    let i = 0;
    let c = 1;
    while (c < n) {
      c = this.smallestChild(c, n);
      const child = heap[c];
      heap[i] = child;
      times[i] = times[c];
      this.heapSeq[i] = this.heapSeq[c];
      child.heapIndex = i;
      i = c;
      c = 4 * i + 1;
    }
    this.siftUp(last, i);
  }

  /** The position of the smallest key among the children first..first+3 that exist (< n). */
  private smallestChild(first: number, n: number): number {
    const times = this.heapTimeUs;
    const seqs = this.heapSeq;
    const end = first + 4 < n ? first + 4 : n;
    let c = first;
    let ct = times[first];
    for (let k = first + 1; k < end; k++) {
      const kt = times[k];
      if (kt < ct || (kt === ct && seqs[k] < seqs[c])) {
        c = k;
        ct = kt;
      }
    }
    return c;
  }

  private siftDown(ev: SimEvent, start: number): void {
    const heap = this.heap;
    const times = this.heapTimeUs;
    const seqs = this.heapSeq;
    const timeUs = ev.timeUs;
    const seq = ev.seq;
    const n = heap.length;
    let i = start;
    while (true) {
      let c = 4 * i + 1;
      if (c >= n) break;
      c = this.smallestChild(c, n);
      const ct = times[c];
      if (timeUs < ct || (timeUs === ct && seq < seqs[c])) break;
      const child = heap[c];
      heap[i] = child;
      times[i] = ct;
      seqs[i] = seqs[c];
      child.heapIndex = i;
      i = c;
    }
    heap[i] = ev;
    times[i] = timeUs;
    seqs[i] = seq;
    ev.heapIndex = i;
  }
}

const KIND_NAME: KernelEventKind[] = [];
for (const [name, code] of Object.entries(HASH_CODE)) KIND_NAME[code] = name as KernelEventKind;

/**
 * The label memo's slot: length and first and last character, mixed so that the model's
 * frequent labels (its message types and timer tags) fall in different slots. '' gives NaN → 0.
 */
function labelMemoSlot(label: string): number {
  return (label.length * 5 + label.charCodeAt(0) * 4 + label.charCodeAt(label.length - 1) * 3) & (LABEL_MEMO_SLOTS - 1);
}

function handleOf(ev: SimEvent): number {
  return ev.gen * HANDLE_ID_SPACE + ev.id;
}

/** The handle a node's handlers use; bound to one incarnation. */
class Context<P extends ProbeEvent> implements NodeContext<Message, P> {
  readonly id: NodeId;
  readonly name: string;
  readonly incarnation: number;
  readonly disk: Disk;

  constructor(
    private readonly sim: Simulation<P>,
    private readonly slot: NodeSlot<P>,
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
    this.sim.cancelTimerFor(this.slot, this.incarnation, handle);
  }

  emit(event: P): void {
    this.sim.emitFrom(this.slot, this.incarnation, event);
  }

  readyToStop(): void {
    this.sim.readyToStopFrom(this.slot, this.incarnation);
  }

  halt(reason: string): never {
    return this.sim.haltFrom(this.slot, this.incarnation, reason);
  }
}

/** Thrown by NodeContext.halt through the halting node's handler; the kernel catches it. */
class NodeHalted extends Error {
  constructor(
    readonly nodeIndex: number,
    readonly incarnation: number,
    readonly reason: string,
  ) {
    super(`node halted: ${reason}`);
  }
}

function timerLabel(tag: unknown): string {
  if (typeof tag === 'string') return tag;
  if (typeof tag === 'object' && tag !== null && typeof (tag as { type?: unknown }).type === 'string') {
    return (tag as { type: string }).type;
  }
  return typeof tag;
}
