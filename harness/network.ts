// The simulated network: directed links between nodes, each a TCP-like connection.
//
// Fault model (what must and must not hold):
// - Per-connection FIFO: a message never overtakes an earlier one on the same directed link
//   (delivery time = max(send time + latency, previous delivery time on the link); ties are
//   broken by the kernel's sequence number, which follows send order).
// - Latency is drawn from the link's distribution (or the default) on the "net" stream, plus
//   any slow-link extra.
// - A cut blocks links: what is in flight on a newly blocked link is dropped (its connection
//   resets: the link's epoch moves on), and what is sent while the cut lasts is dropped.
//   Nothing is delivered twice, nothing is corrupted; a requester learns of a loss only by
//   its own timeout: a cut sends no reset.
// - A node going down resets every connection touching it, both directions: what is in flight
//   to and from it is dropped. A reset connection owes no order to the messages it dropped:
//   the next one starts afresh.
// - Connection resets are seen (the OS answers for a dead process): when a process dies
//   (crash, kill, clean stop) on a powered machine, each live peer with an open connection to
//   it (a message sent either way since the link's last reset) gets a disconnect
//   notification one network latency later, unless the link from the dead node to the peer
//   is blocked by a cut. The notice comes even if the node restarted meanwhile and the peer
//   already reached the new incarnation (in reality those sends went on the dead connection;
//   the peer cannot know their fate either way). A send to a node whose process is down on a powered machine is
//   refused: the message is dropped and the sender gets a disconnect notification one round
//   trip later (at most one pending per link), unless a cut blocks either direction.
// - Nothing is seen of a power loss (a machine without power sends nothing), of a cut, or of
//   a paused (hung) process, whose kernel still accepts and queues messages: there a peer
//   learns only by its own timeout.
// Cuts compose: a link is blocked while any active cut blocks it.

import type { CutId, CutShape, LatencyDistribution, NetworkApi, NodeId, SlowId, TimeUs } from './types.ts';
import type { SeededRng } from './rng.ts';

const DEFAULT_LATENCY: LatencyDistribution = { kind: 'exponential', minUs: 100, meanExtraUs: 400 };

export class SimNetwork implements NetworkApi {
  /** Node id → dense index. */
  private readonly indexOf = new Map<NodeId, number>();
  private readonly ids: NodeId[] = [];
  private capacity = 0;
  private blockedCount = new Int32Array(0);
  private linkEpoch = new Int32Array(0);
  /** A message went either way on the link since its last reset (a TCP connection is open). */
  private linkOpen = new Uint8Array(0);
  /** A refused connect on the link awaits its disconnect notification. */
  private linkRefusing = new Uint8Array(0);
  private lastDeliveryUs = new Float64Array(0);
  private extraUs = new Float64Array(0);
  private linkLatency: (LatencyDistribution | undefined)[] = [];
  private defaultLatency: LatencyDistribution;
  private readonly cuts = new Map<CutId, Array<number>>();
  private readonly slows = new Map<SlowId, Array<[number, TimeUs]>>();
  private nextCutId = 1;
  private nextSlowId = 1;
  droppedCount = 0;
  deliveredCount = 0;

  constructor(
    private readonly rng: SeededRng,
    defaultLatency: LatencyDistribution | undefined,
  ) {
    this.defaultLatency = defaultLatency ?? DEFAULT_LATENCY;
    validateLatency(this.defaultLatency);
  }

  addNode(id: NodeId): number {
    const existing = this.indexOf.get(id);
    if (existing !== undefined) return existing;
    const index = this.ids.length;
    this.ids.push(id);
    this.indexOf.set(id, index);
    if (this.ids.length > this.capacity) this.grow(Math.max(8, this.capacity * 2));
    return index;
  }

  index(id: NodeId): number {
    const index = this.indexOf.get(id);
    if (index === undefined) throw new Error(`network: unknown node ${id}`);
    return index;
  }

  /** Link slot of a directed (from, to) pair of dense indices. */
  link(fromIndex: number, toIndex: number): number {
    return fromIndex * this.capacity + toIndex;
  }

  isBlocked(link: number): boolean {
    return this.blockedCount[link] > 0;
  }

  epochOf(link: number): number {
    return this.linkEpoch[link];
  }

  /** Delivery time for a message sent at `nowUs` on `link` (not blocked), honouring FIFO. */
  deliveryTime(link: number, nowUs: TimeUs): TimeUs {
    const dist = this.linkLatency[link] ?? this.defaultLatency;
    const at = nowUs + this.sample(dist) + this.extraUs[link];
    const earliest = this.lastDeliveryUs[link];
    const deliverAt = at > earliest ? at : earliest;
    this.lastDeliveryUs[link] = deliverAt;
    return deliverAt;
  }

  /** Note that a message was queued on `link`: its connection is open until the next reset. */
  markOpen(link: number): void {
    this.linkOpen[link] = 1;
  }

  /**
   * Dense indices of the peers that see `nodeIndex`'s connections reset when its process dies:
   * an open connection either way, and the link from the node to the peer not blocked.
   * Call before resetNode (which closes the connections).
   */
  peersSeeingReset(nodeIndex: number): number[] {
    const peers: number[] = [];
    for (let other = 0; other < this.ids.length; other++) {
      if (other === nodeIndex) continue;
      const out = this.link(nodeIndex, other);
      const open = this.linkOpen[out] === 1 || this.linkOpen[this.link(other, nodeIndex)] === 1;
      if (open && !this.isBlocked(out)) peers.push(other);
    }
    return peers;
  }

  /**
   * A connect from `fromIndex` to a node whose process is down: the delay until the sender
   * sees it refused (a round trip), or -1 when it goes unseen (a cut either way, or a
   * refusal on this link already pending).
   */
  refusalDelay(fromIndex: number, toIndex: number): TimeUs {
    const out = this.link(fromIndex, toIndex);
    const back = this.link(toIndex, fromIndex);
    if (this.isBlocked(out) || this.isBlocked(back) || this.linkRefusing[out] === 1) return -1;
    this.linkRefusing[out] = 1;
    return this.notifyDelay(out) + this.notifyDelay(back);
  }

  /** The refusal notification on `link` was dispatched (or dropped). */
  refusalDone(link: number): void {
    this.linkRefusing[link] = 0;
  }

  /** One latency on `link` for a notification (no FIFO slot: it is no message). */
  notifyDelay(link: number): TimeUs {
    return this.sample(this.linkLatency[link] ?? this.defaultLatency) + this.extraUs[link];
  }

  /** Reset every connection touching a node (it went down). */
  resetNode(nodeIndex: number): void {
    for (let other = 0; other < this.ids.length; other++) {
      this.resetLink(this.link(nodeIndex, other));
      if (other !== nodeIndex) this.resetLink(this.link(other, nodeIndex));
    }
  }

  /**
   * Reset one connection: what is in flight on it will be dropped (its epoch moves on), and
   * the next connection owes no FIFO order to the dropped messages.
   */
  private resetLink(link: number): void {
    this.linkEpoch[link]++;
    this.lastDeliveryUs[link] = 0;
    this.linkOpen[link] = 0;
  }

  setDefaultLatency(dist: LatencyDistribution): void {
    validateLatency(dist);
    this.defaultLatency = dist;
  }

  setLinkLatency(from: NodeId, to: NodeId, dist: LatencyDistribution): void {
    validateLatency(dist);
    this.linkLatency[this.link(this.index(from), this.index(to))] = dist;
  }

  cut(shape: CutShape): CutId {
    const links = this.linksOf(shape);
    const id = this.nextCutId++;
    this.cuts.set(id, links);
    for (const link of links) {
      if (this.blockedCount[link]++ === 0) this.resetLink(link);
    }
    return id;
  }

  heal(id: CutId): void {
    const links = this.cuts.get(id);
    if (links === undefined) return;
    this.cuts.delete(id);
    for (const link of links) {
      this.blockedCount[link]--;
    }
  }

  healAll(): void {
    for (const id of [...this.cuts.keys()]) this.heal(id);
  }

  activeCuts(): number {
    return this.cuts.size;
  }

  slow(from: NodeId, to: NodeId, extraUs: TimeUs, bothWays = false): SlowId {
    const a = this.index(from);
    const b = this.index(to);
    const changes: Array<[number, TimeUs]> = [[this.link(a, b), extraUs]];
    if (bothWays) changes.push([this.link(b, a), extraUs]);
    return this.applySlow(changes);
  }

  slowNode(node: NodeId, extraUs: TimeUs): SlowId {
    const a = this.index(node);
    const changes: Array<[number, TimeUs]> = [];
    for (let other = 0; other < this.ids.length; other++) {
      if (other === a) continue;
      changes.push([this.link(a, other), extraUs], [this.link(other, a), extraUs]);
    }
    return this.applySlow(changes);
  }

  unslow(id: SlowId): void {
    const changes = this.slows.get(id);
    if (changes === undefined) return;
    this.slows.delete(id);
    for (const [link, extra] of changes) this.extraUs[link] -= extra;
  }

  connected(from: NodeId, to: NodeId): boolean {
    return !this.isBlocked(this.link(this.index(from), this.index(to)));
  }

  private applySlow(changes: Array<[number, TimeUs]>): SlowId {
    for (const [link, extra] of changes) {
      if (!Number.isInteger(extra) || extra < 0)
        throw new Error(`slow: extra latency must be a non-negative integer µs, got ${extra}`);
      this.extraUs[link] += extra;
    }
    const id = this.nextSlowId++;
    this.slows.set(id, changes);
    return id;
  }

  private sample(dist: LatencyDistribution): TimeUs {
    switch (dist.kind) {
      case 'constant':
        return dist.us;
      case 'uniform':
        return dist.minUs + Math.floor(this.rng.next() * (dist.maxUs - dist.minUs + 1));
      case 'exponential':
        return dist.minUs + Math.floor(-Math.log(1 - this.rng.next()) * dist.meanExtraUs);
    }
  }

  private linksOf(shape: CutShape): number[] {
    const links: number[] = [];
    const between = (xs: readonly NodeId[], ys: readonly NodeId[], bothWays: boolean) => {
      for (const x of xs) {
        for (const y of ys) {
          if (x === y) continue;
          links.push(this.link(this.index(x), this.index(y)));
          if (bothWays) links.push(this.link(this.index(y), this.index(x)));
        }
      }
    };
    switch (shape.kind) {
      case 'isolate': {
        const others = this.ids.filter((id) => id !== shape.node);
        between([shape.node], others, true);
        break;
      }
      case 'split':
        assertDisjoint(shape.sideA, shape.sideB, 'split');
        between(shape.sideA, shape.sideB, true);
        break;
      case 'bridge':
        assertDisjoint(shape.left, shape.right, 'bridge');
        if (shape.left.includes(shape.bridge) || shape.right.includes(shape.bridge)) {
          throw new Error('bridge: the bridge node must be on neither side');
        }
        between(shape.left, shape.right, true);
        break;
      case 'one-way':
        between(shape.from, shape.to, false);
        break;
      case 'link':
        between([shape.a], [shape.b], true);
        break;
    }
    return links;
  }

  private grow(newCapacity: number): void {
    if (this.cuts.size > 0 || this.slows.size > 0)
      throw new Error('network: add every node before cutting or slowing links');
    const old = this.capacity;
    const copy = <T extends Int32Array | Float64Array | Uint8Array>(src: T, make: (n: number) => T): T => {
      const dst = make(newCapacity * newCapacity);
      for (let i = 0; i < old; i++) for (let j = 0; j < old; j++) dst[i * newCapacity + j] = src[i * old + j];
      return dst;
    };
    this.blockedCount = copy(this.blockedCount, (n) => new Int32Array(n));
    this.linkEpoch = copy(this.linkEpoch, (n) => new Int32Array(n));
    this.linkOpen = copy(this.linkOpen, (n) => new Uint8Array(n));
    this.linkRefusing = copy(this.linkRefusing, (n) => new Uint8Array(n));
    this.lastDeliveryUs = copy(this.lastDeliveryUs, (n) => new Float64Array(n));
    this.extraUs = copy(this.extraUs, (n) => new Float64Array(n));
    const latency: (LatencyDistribution | undefined)[] = new Array(newCapacity * newCapacity);
    for (let i = 0; i < old; i++)
      for (let j = 0; j < old; j++) latency[i * newCapacity + j] = this.linkLatency[i * old + j];
    this.linkLatency = latency;
    this.capacity = newCapacity;
  }
}

function assertDisjoint(a: readonly NodeId[], b: readonly NodeId[], what: string): void {
  for (const x of a) if (b.includes(x)) throw new Error(`${what}: node ${x} is on both sides`);
}

function validateLatency(dist: LatencyDistribution): void {
  const values =
    dist.kind === 'constant'
      ? [dist.us]
      : dist.kind === 'uniform'
        ? [dist.minUs, dist.maxUs]
        : [dist.minUs, dist.meanExtraUs];
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`latency: ${JSON.stringify(dist)} must use non-negative integer µs`);
  }
  if (dist.kind === 'uniform' && dist.maxUs < dist.minUs) throw new Error(`latency: uniform max < min`);
}
