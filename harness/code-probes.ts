// Code probes, after FoundationDB's CODE_PROBE: a one-line `codeProbe(name)` marks a rare or
// dangerous situation in simulated code, and a run records which of them it reached, so a
// campaign can say which situations its seeds exercise and which they never reach. This is
// the mechanism only; it knows nothing of Kafka (the model's catalog is model/code-probes.ts).
//
// What must hold:
// - Free when off, cheap when on: with no recorder installed a probe is one call and one null
//   check; with one, a map lookup and a bit set. Nothing allocates on a hit.
// - Probes only observe: they never touch the simulation, its clock, its queue, its random
//   streams or its hash, so a run's events and hash are the same with recording on or off.
// - A driver may also listen to every hit (`listenCodeProbes`, for fault triggers that wait
//   for a probe, and for the Kafka findings' witnesses, which read the hit's context and the
//   model's state at that moment). That listener is installed independently of recording, so
//   what it makes the driver do does not depend on whether probes are being recorded either.
// - A probe may carry a context (plain data its site builds: which broker, partition, offsets),
//   passed only by probes that a Kafka finding's witness reads (driver/kafka-findings.ts). The
//   recorder keeps, of each probe, the first MAX_CONTEXTS of them, in hit order (a frequent
//   probe cannot crowd out a rare one's); a context is data, never a reference into the
//   simulation, and building it reads the model without changing it.
// - One recorder at a time per thread (a run is synchronous; each worker thread has its own
//   module instance). `startCodeProbes` installs one and returns the handle that removes it
//   again and restores whatever was installed before (runs may nest, e.g. while shrinking).

/** A probe hit that carried a context, as recorded. */
export interface CodeProbeContextHit {
  readonly name: string;
  readonly context: unknown;
}

/** At most this many contexts of one probe are kept per run (the rest are dropped; the bitset still counts the hit). */
const MAX_CONTEXTS = 256;

/** Which probes of a catalog one run reached: a bitset in catalog order, and the contexts passed. */
class CodeProbeRecorder {
  private readonly indexOf: ReadonlyMap<string, number>;
  private readonly bits: Uint32Array;
  readonly contexts: CodeProbeContextHit[] = [];
  /** Contexts kept so far, per probe name. */
  private readonly kept = new Map<string, number>();

  constructor(readonly names: readonly string[]) {
    this.indexOf = catalogIndex(names);
    this.bits = new Uint32Array(Math.ceil(names.length / 32));
  }

  hit(name: string, context: unknown): void {
    const i = this.indexOf.get(name);
    if (i === undefined) throw new Error(`code probe '${name}' is not in the catalog`);
    this.bits[i >>> 5] |= 1 << (i & 31);
    if (context === undefined) return;
    const n = this.kept.get(name) ?? 0;
    if (n >= MAX_CONTEXTS) return;
    this.kept.set(name, n + 1);
    this.contexts.push({ name, context });
  }

  /** The probes hit, in catalog order. */
  hitNames(): string[] {
    return this.names.filter((_, i) => (this.bits[i >>> 5] & (1 << (i & 31))) !== 0);
  }
}

/**
 * Each catalog's name → position map, made once per catalog array (a run's recorder used to
 * build the model's ~1,000-entry map again for every seed).
 */
const catalogIndexes = new WeakMap<readonly string[], ReadonlyMap<string, number>>();

function catalogIndex(names: readonly string[]): ReadonlyMap<string, number> {
  let index = catalogIndexes.get(names);
  if (index !== undefined) return index;
  const built = new Map<string, number>();
  names.forEach((name, i) => {
    if (built.has(name)) throw new Error(`code probe '${name}' is listed twice`);
    built.set(name, i);
  });
  index = built;
  catalogIndexes.set(names, index);
  return index;
}

let active: CodeProbeRecorder | null = null;
let listener: ((name: string, context?: unknown) => void) | null = null;

/**
 * Marks a probe as reached by the current run, if one is recording, with the context its site
 * passed (if any); tells the listener, if any.
 */
export function hitCodeProbe(name: string, context?: unknown): void {
  if (active !== null) active.hit(name, context);
  if (listener !== null) listener(name, context);
}

/**
 * Calls `fn` on every probe hit, with the context its site passed (synchronously, inside the
 * handler that hit it; `fn` must only read the model) until the returned function is called,
 * which restores the listener installed before (runs may nest).
 */
export function listenCodeProbes(fn: (name: string, context?: unknown) => void): () => void {
  const previous = listener;
  listener = fn;
  let removed = false;
  return () => {
    if (!removed && listener === fn) listener = previous;
    removed = true;
  };
}

/** A recording in progress; `stop()` ends it and returns the probes hit, in catalog order. */
export interface CodeProbeRecording {
  stop(): string[];
  /** The contexts recorded so far, in hit order (also after stop). */
  contexts(): readonly CodeProbeContextHit[];
}

/** Starts recording the probes of `catalog` for the run about to happen on this thread. */
export function startCodeProbes(catalog: readonly string[]): CodeProbeRecording {
  const previous = active;
  const recorder = new CodeProbeRecorder(catalog);
  active = recorder;
  let stopped = false;
  return {
    stop(): string[] {
      if (!stopped && active === recorder) active = previous;
      stopped = true;
      return recorder.hitNames();
    },
    contexts: () => recorder.contexts,
  };
}

/** Encodes a set of hit probes as a hex bitset over `catalog` (compact, for per-seed files). */
export function encodeProbeSet(catalog: readonly string[], hit: readonly string[]): string {
  const set = new Set(hit);
  let hex = '';
  for (let i = 0; i < catalog.length; i += 4) {
    let nibble = 0;
    for (let j = 0; j < 4 && i + j < catalog.length; j++) if (set.has(catalog[i + j])) nibble |= 1 << j;
    hex += nibble.toString(16);
  }
  return hex;
}

/** Decodes encodeProbeSet's bitset back to probe names (unknown positions are ignored). */
export function decodeProbeSet(catalog: readonly string[], hex: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < catalog.length; i++) {
    const nibble = Number.parseInt(hex.charAt(i >>> 2) || '0', 16);
    if (Number.isFinite(nibble) && (nibble & (1 << (i & 3))) !== 0) out.push(catalog[i]);
  }
  return out;
}
