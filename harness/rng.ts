// Named seeded random streams (DESIGN §2). One root seed derives an independent stream per
// purpose ("net", "workload", "faults", "node:3"...), so an extra draw in one place never
// shifts the others. Streams come from seedrandom's Alea generator, seeded with
// "<root seed>/<name>"; nothing here touches Math.random.

import seedrandom from 'seedrandom';
import type { Rng } from './types.ts';

export class SeededRng implements Rng {
  private readonly prng: () => number;

  constructor(seedText: string) {
    this.prng = seedrandom.alea(seedText);
  }

  next(): number {
    return this.prng();
  }

  intBetween(lo: number, hiInclusive: number): number {
    if (hiInclusive < lo) throw new Error(`intBetween: empty range [${lo}, ${hiInclusive}]`);
    return lo + Math.floor(this.prng() * (hiInclusive - lo + 1));
  }

  chance(p: number): boolean {
    return this.prng() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick: empty array');
    return items[Math.floor(this.prng() * items.length)];
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
