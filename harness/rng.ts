// Named seeded random streams (DESIGN §2). One root seed derives an independent stream per
// purpose ("net", "workload", "faults", "node:3"...), so an extra draw in one place never
// shifts the others. Streams come from seedrandom's Alea generator, seeded with
// "<root seed>/<name>"; nothing here touches Math.random. seedrandom seeds the generator (its
// Mash over the seed text); the draws run here, on the state it hands over, with the same
// arithmetic as its `next` (seedrandom/lib/alea.js), so every stream draws the same numbers,
// without a closure call and its object's property loads per draw (the kernel draws one per message).

import seedrandom from 'seedrandom';
import type { Rng } from './types.ts';

/** 2^-32. */
const ALEA_NORM = 2.3283064365386963e-10;

export class SeededRng implements Rng {
  /** Alea's state: the carry and the three lags. */
  private c: number;
  private s0: number;
  private s1: number;
  private s2: number;

  constructor(seedText: string) {
    const seeded = seedrandom.alea(seedText, { state: true }).state();
    this.c = seeded.c;
    this.s0 = seeded.s0;
    this.s1 = seeded.s1;
    this.s2 = seeded.s2;
  }

  /** Alea's next draw in [0, 1), exactly as seedrandom's. */
  next(): number {
    const t = 2091639 * this.s0 + this.c * ALEA_NORM;
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    this.s2 = t - this.c;
    return this.s2;
  }

  intBetween(lo: number, hiInclusive: number): number {
    if (hiInclusive < lo) throw new Error(`intBetween: empty range [${lo}, ${hiInclusive}]`);
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick: empty array');
    return items[Math.floor(this.next() * items.length)];
  }
}

/** Derives named streams from one root seed; the same name always gives the same object. */
export class RngStreams {
  private readonly streams = new Map<string, SeededRng>();

  constructor(readonly rootSeed: number) {}

  get(name: string): SeededRng {
    let stream = this.streams.get(name);
    if (stream === undefined) {
      stream = new SeededRng(`${this.rootSeed}/${name}`);
      this.streams.set(name, stream);
    }
    return stream;
  }
}
