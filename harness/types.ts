// The kernel's public contract: what a simulated node (actor) sees, and what drivers use to
// build, fault and run a simulation. It knows nothing of Kafka.
//
// Assumptions (DESIGN §2–3):
// - Time is virtual, in integer microseconds. Nothing simulated reads the real clock.
// - Every handler is synchronous; no promises, no async, no real timers in simulated code.
// - All randomness comes from named seeded streams (`Rng`), one per purpose.
// - Messages are plain data objects with a string `type` discriminant. The kernel never
//   mutates them; senders must not mutate a message after sending it.

export type TimeUs = number;
export type NodeId = number;

/** A deterministic random stream. Values come from seedrandom; never from Math.random. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hiInclusive]. */
  intBetween(lo: number, hiInclusive: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A uniformly chosen element; throws on an empty array. */
  pick<T>(items: readonly T[]): T;
}

/** Anything sent over the simulated network. */
export interface Message {
  readonly type: string;
}

/**
 * A protocol event a node announces (e.g. "broker 2 acknowledged offset 7", "follower
 * truncated"). The kernel only forwards it to listeners: event-triggered faults, the trace
 * timeline. `kind` names it; the other fields are plain data.
 */
export interface ProbeEvent {
  readonly kind: string;
  readonly [field: string]: unknown;
}

export type TimerHandle = number;

/**
 * What a node's handlers may touch. Valid only while the node's incarnation lives. `P`: the
 * probe events it may emit (a model's own union; the open ProbeEvent by default).
 */
export interface NodeContext<M extends Message = Message, P extends ProbeEvent = ProbeEvent> {
  readonly id: NodeId;
  readonly name: string;
  /** Increases on every (re)start of this node; 1 on first boot. */
  readonly incarnation: number;
  /** Virtual now, µs. */
  now(): TimeUs;
  /** Send over the simulated network (per-connection FIFO, may be delayed, cut, dropped). */
  send(to: NodeId, msg: M): void;
  /** Fire `onTimer(tag)` after `delayUs` (≥ 0) unless cancelled or the node goes down. */
  setTimer(delayUs: TimeUs, tag: unknown): TimerHandle;
  cancelTimer(handle: TimerHandle): void;
  /** This node's disk; survives process crashes, loses unflushed data on power loss. */
  readonly disk: Disk;
  /** This node's own random stream (stable across restarts: continues, never reseeded). */
  readonly rng: Rng;
  /** Announce a protocol event to the driver's listeners. */
  emit(event: P): void;
  /**
   * After `onStopRequested`: this node has finished what it does before stopping; the kernel
   * shuts it down (onShutdown, then down) in an event of its own, at the current time.
   */
  readyToStop(): void;
  /**
   * The process halts itself at this instant (Java's Exit.halt, as Kafka's
   * ProcessTerminatingFaultHandler calls it): down as by `crash` (kill -9: memory, timers and
   * connections gone, the page cache kept), and this call never returns: the handler unwinds
   * through a NodeHalted the kernel catches. Nothing restarts the node but the driver.
   */
  halt(reason: string): never;
}

/** A simulated process. Its memory is the object itself; a crash discards it. */
export interface Actor<M extends Message = Message> {
  onMessage(from: NodeId, msg: M): void;
  onTimer(tag: unknown): void;
  /** Clean shutdown: flush what must survive. Called before the node goes down. */
  onShutdown?(): void;
  /**
   * Asked to stop (SimulationApi.requestStop): begin an orderly stop and call
   * `ctx.readyToStop()` when done. Without this handler a stop request shuts down at once.
   */
  onStopRequested?(): void;
  /**
   * The connection to `peer` was reset (its process died) or refused (it is down): what was
   * in flight to it is lost. Never called for a power loss, a cut or a paused peer.
   */
  onDisconnect?(peer: NodeId): void;
}

/** Builds a fresh process for a (re)start; recovery reads `ctx.disk`. */
export type ActorFactory<M extends Message = Message, P extends ProbeEvent = ProbeEvent> = (
  ctx: NodeContext<M, P>,
) => Actor<M>;

// ---------------------------------------------------------------------------------------
// Disk

/** Marks a torn (partially written) entry left at a file's tail by a power loss. */
export interface TornEntry {
  readonly torn: true;
  /** The entry that was being written; its bytes are not trustworthy. */
  readonly partial: unknown;
  /**
   * What the file holds from the torn entry to its (new) end, entry by entry, as the page
   * cache had them: whether the page of the entry's first byte reached the disk, and whether
   * all its pages did (the bytes of a page that did not read back as zeros). A reader that
   * checks nothing (no CRC) would find these bytes; a careful one stops at `partial`.
   */
  readonly tail: readonly TornTailEntry[];
}

/** One entry of a torn file's tail (TornEntry.tail). */
export interface TornTailEntry {
  readonly entry: unknown;
  readonly headWritten: boolean;
  readonly allWritten: boolean;
}

/**
 * A node's files. A file is a sequence of opaque entries (records, checkpoint lines) with a
 * byte size each. Reads see the page cache (everything written). See harness/disk.ts
 * for the fault model.
 */
export interface Disk {
  exists(path: string): boolean;
  /** Entries as the running process sees them (page cache). Do not mutate. */
  read(path: string): readonly unknown[];
  /** Number of entries. */
  length(path: string): number;
  /** Append to the page cache; creates the file. Entries must be treated as immutable. */
  append(path: string, entry: unknown, sizeBytes?: number): void;
  /** Keep the first `entryCount` entries (metadata: durable at the next journal commit). */
  truncate(path: string, entryCount: number): void;
  /** Replace the whole content (unflushed until fsync). */
  writeFile(path: string, entries: readonly unknown[], sizeBytes?: number): void;
  /** Write this file's dirty pages and commit the metadata journal (ext4's fsync). */
  fsync(path: string): void;
  /** fsync of a directory: commit the metadata journal (creations, renames, deletions, truncations). */
  fsyncDir(dir: string): void;
  /** Atomically replace `to` with `from` (metadata: durable at the next journal commit). */
  rename(from: string, to: string): void;
  delete(path: string): void;
  /** Paths, sorted, optionally under a prefix. */
  list(prefix?: string): string[];
  /** Bytes written but not yet fsynced, over all files. */
  unflushedBytes(): number;
  /**
   * Leading entries of the file that are in its durable image as the process sees them (written
   * back or fsynced, unchanged since); the rest is dirty in the page cache. 0 for no file.
   */
  durableLength(path: string): number;
  /** Bytes currently durable, over all files. */
  durableBytes(): number;
}

// ---------------------------------------------------------------------------------------
// Network

export type LatencyDistribution =
  | { readonly kind: 'constant'; readonly us: TimeUs }
  | { readonly kind: 'uniform'; readonly minUs: TimeUs; readonly maxUs: TimeUs }
  /** minUs plus an exponential tail with the given mean (a long-tailed LAN). */
  | { readonly kind: 'exponential'; readonly minUs: TimeUs; readonly meanExtraUs: TimeUs };

/** Shapes of network cuts (DESIGN §3). Nodes a shape does not name are unaffected. */
export type CutShape =
  /** The node can neither send to nor receive from anyone. */
  | { readonly kind: 'isolate'; readonly node: NodeId }
  /** Two sides that cannot talk to each other (majority/minority, or any bipartition). */
  | { readonly kind: 'split'; readonly sideA: readonly NodeId[]; readonly sideB: readonly NodeId[] }
  /** `left` and `right` cannot talk to each other; `bridge` still talks to both. */
  | {
      readonly kind: 'bridge';
      readonly left: readonly NodeId[];
      readonly bridge: NodeId;
      readonly right: readonly NodeId[];
    }
  /** Messages from any of `from` to any of `to` are dropped; the reverse direction works. */
  | { readonly kind: 'one-way'; readonly from: readonly NodeId[]; readonly to: readonly NodeId[] }
  /** The single link between a and b, both directions. */
  | { readonly kind: 'link'; readonly a: NodeId; readonly b: NodeId };

export type CutId = number;
export type SlowId = number;

// ---------------------------------------------------------------------------------------
// Trace

export type KernelEventKind =
  | 'deliver' // a message reached a live node
  | 'drop' // a message was lost (cut, node down, connection reset)
  | 'timer' // a node's timer fired
  | 'external' // a driver callback (fault, workload step)
  | 'node' // a node changed state (start, crash, power loss, restart, shutdown)
  | 'disconnect'; // a node was told its connection to a peer reset or was refused

/** One kernel event, as recorded when tracing is on. */
export interface KernelTraceEvent {
  /** Position in the recorded list (0, 1, 2, ...): names the event in determinism reports. */
  readonly seq: number;
  readonly timeUs: TimeUs;
  readonly kind: KernelEventKind;
  /** Receiving / acting node, -1 for external events. */
  readonly node: NodeId;
  /** Sender for deliver/drop, the peer for disconnect, -1 otherwise. */
  readonly from: NodeId;
  /** Message type, timer tag, external label or node transition. */
  readonly label: string;
  /** Canonical JSON of the message or timer tag when deep tracing is on. */
  readonly detail?: string;
}

// ---------------------------------------------------------------------------------------
// The simulation, as drivers and the model's cluster builder use it.

export interface SimulationOptions {
  /** Root seed; every named stream derives from it. */
  seed: number;
  /** Keep every kernel event (for --check-determinism and reports). Off for speed. */
  recordEvents?: boolean;
  /** Fold message contents (canonical JSON) into the hash, not just headers. */
  deepHash?: boolean;
  /** Default one-way latency of every link. Default: exponential, min 100 µs, mean extra 400 µs. */
  defaultLatency?: LatencyDistribution;
}

export interface RunLimits {
  /** Stop when the next event is later than this virtual time. */
  untilUs?: TimeUs;
  /** Stop after this many events in this call. */
  maxEvents?: number;
  /** Checked after every event; stop when it returns true. */
  stopWhen?: () => boolean;
}

export type RunStop = 'idle' | 'time' | 'events' | 'stopped';

export interface NodeSpec<M extends Message = Message, P extends ProbeEvent = ProbeEvent> {
  id: NodeId;
  name: string;
  factory: ActorFactory<M, P>;
}

/** 'halt': the node's own process halted (NodeContext.halt), down as by a crash. */
export type NodeTransition = 'start' | 'crash' | 'power-loss' | 'shutdown' | 'restart' | 'halt';

/** The kernel's API to drivers; `P`: the probe events its nodes emit (see NodeContext). */
export interface SimulationApi<P extends ProbeEvent = ProbeEvent> {
  readonly seed: number;
  /** Virtual now, µs. */
  now(): TimeUs;
  /** A named stream derived from the root seed (same name, same stream object). */
  rng(name: string): Rng;

  addNode<M extends Message>(spec: NodeSpec<M, P>): void;
  nodeIds(): NodeId[];
  /** The node whose handler is running right now, or undefined (a driver callback, or between events). */
  runningNode(): NodeId | undefined;
  nodeName(id: NodeId): string;
  isUp(id: NodeId): boolean;
  /** The live actor of a running node (for white-box inspection), or undefined when down. */
  actor<A>(id: NodeId): A | undefined;
  disk(id: NodeId): Disk;

  /** Boot a node for the first time, or restart a down node (recovery reads its disk). */
  start(id: NodeId): void;
  /** kill -9: memory, timers and connections gone; the page cache survives. */
  crash(id: NodeId): void;
  /**
   * Machine crash: like crash, and the disk keeps only what was written back or fsynced and
   * the committed metadata; with `tornTail` the loss struck mid-writeback (see disk.ts).
   */
  powerLoss(id: NodeId, opts?: { tornTail?: boolean }): void;
  /** Clean shutdown: onShutdown() runs (flushes), then the node is down. */
  shutdown(id: NodeId): void;
  /**
   * Asynchronous clean stop: the node is asked (Actor.onStopRequested) and stays up until it
   * calls ctx.readyToStop() or `timeoutUs` passes; then it shuts down as `shutdown` does.
   * `whenDown` (a driver callback) runs once this incarnation is down, however it went down
   * (also by a crash or power loss meanwhile). A second request while stopping only adds
   * its callback.
   */
  requestStop(id: NodeId, timeoutUs: TimeUs, whenDown?: () => void): void;
  /** The node was asked to stop and is still up. */
  isStopping(id: NodeId): boolean;
  /** Hang a running node (SIGSTOP): its messages, timers and notifications wait, in order. */
  pause(id: NodeId): void;
  /** Resume a paused node (SIGCONT): what waited runs now, timers late. */
  resume(id: NodeId): void;
  isPaused(id: NodeId): boolean;

  readonly network: NetworkApi;

  /** Run a driver callback at a virtual time (≥ now). Returns a handle to cancel it. */
  at(timeUs: TimeUs, label: string, fn: () => void): number;
  cancel(handle: number): void;

  /** Listen to nodes' probe events (synchronously, inside the emitting handler's event). */
  onProbe(listener: (node: NodeId, event: P) => void): void;
  /** Listen to node transitions (`reason`: a halt's, as the node gave it; else undefined). */
  onNodeTransition(listener: (node: NodeId, transition: NodeTransition, reason: string | undefined) => void): void;

  run(limits?: RunLimits): RunStop;
  /** Events waiting in the queue (cancelled timers leave it at once and are not counted). */
  pending(): number;
  /** Events processed so far. */
  readonly eventCount: number;
  /** Running 64-bit hash, 16 hex digits. */
  hash(): string;
  /** Recorded events (empty unless recordEvents). */
  readonly events: readonly KernelTraceEvent[];
}

export interface NetworkApi {
  setDefaultLatency(dist: LatencyDistribution): void;
  setLinkLatency(from: NodeId, to: NodeId, dist: LatencyDistribution): void;
  /** Apply a cut: drops in-flight messages on the links it blocks, and what is sent while it lasts. */
  cut(shape: CutShape): CutId;
  heal(id: CutId): void;
  healAll(): void;
  /** Add latency to every message from `from` to `to` (both directions if `bothWays`). */
  slow(from: NodeId, to: NodeId, extraUs: TimeUs, bothWays?: boolean): SlowId;
  /** Add latency to every link touching `node` (the slow follower). */
  slowNode(node: NodeId, extraUs: TimeUs): SlowId;
  unslow(id: SlowId): void;
  connected(from: NodeId, to: NodeId): boolean;
  /** Messages dropped so far (cuts, resets, down nodes). */
  readonly droppedCount: number;
  readonly deliveredCount: number;
}
