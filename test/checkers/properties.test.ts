// Property tests: histories from a correct sequential log under random concurrent timing,
// with unknown outcomes, are always valid; one planted lost or overwritten acknowledged record
// is always caught; the log fast path agrees with the general search on small random
// (and randomly corrupted) histories.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory, checkLinearizable, type History, type HistoryEvent } from '../../checkers/index.ts';
import { generateLogHistory, mulberry32 } from '../../checkers/synthetic.ts';
import { checkLogGraph, logOpsOf, sweepLog } from '../../checkers/linear/log-fast.ts';
import { prepareModel } from '../../checkers/linear/models.ts';
import { pairOperations } from '../../checkers/ops.ts';

const NUM_RUNS = 150;

describe('generated correct histories', () => {
  it('are always valid (Kafka checks + log, fast path)', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          ops: fc.integer({ min: 1, max: 300 }),
          clients: fc.integer({ min: 1, max: 10 }),
          partitions: fc.integer({ min: 1, max: 3 }),
          unknownRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          failRate: fc.double({ min: 0, max: 0.1, noNaN: true }),
          maxRecords: fc.integer({ min: 1, max: 10 }),
          finalRead: fc.boolean(),
        }),
        (o) => {
          const { history } = generateLogHistory(o);
          const v = checkHistory(history);
          expect(v.anomalies.filter((a) => !a.informational)).toEqual([]);
          expect(v.valid).toBe(true);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('with polls to the end are valid under log-strict too', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 8 }),
        (seed, ops, clients) => {
          const { history } = generateLogHistory({
            seed,
            ops,
            clients,
            strict: true,
            recordLimit: true,
            maxRecords: 4,
            unknownRate: 0.1,
          });
          expect(checkHistory(history, { model: 'log-strict' }).valid).toBe(true);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('a planted lost or overwritten acknowledged record', () => {
  it('is always caught', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          ops: fc.integer({ min: 4, max: 300 }),
          clients: fc.integer({ min: 1, max: 10 }),
          partitions: fc.integer({ min: 1, max: 2 }),
          unknownRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          plant: fc.constantFrom('overwrite' as const, 'lose-tail' as const),
        }),
        (o) => {
          const { history, planted } = generateLogHistory(o);
          fc.pre(planted !== undefined); // some record was acknowledged before the plant
          // the generator's final read reads everything, as the simulator's does when live
          const v = checkHistory(history, { finalReadComplete: true });
          expect(v.valid, JSON.stringify(planted)).toBe(false);
          const kinds = new Set(v.anomalies.map((a) => a.kind));
          expect(kinds.has('lost-write') || kinds.has('inconsistent-offsets') || kinds.has('nonlinearizable')).toBe(
            true,
          );
          // without that promise, a loss at the tail nobody read past is still named, as unseen
          const unsure = checkHistory(history);
          const named = new Set(unsure.anomalies.flatMap((a) => a.values ?? []));
          expect(unsure.valid === false || planted!.lostValues.some((x) => named.has(x))).toBe(true);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

// --- fast path against the general search ---------------------------------------------------

type Mutation = (h: History, rand: () => number) => History | undefined;

const pick = <T>(xs: T[], rand: () => number): T | undefined =>
  xs.length === 0 ? undefined : xs[Math.floor(rand() * xs.length)];
const clone = (h: History): History => h.map((e) => ({ ...e, value: structuredClone(e.value) }));
const reindex = (h: History): History => h.map((e, i) => ({ ...e, index: i, time: i * 10 }));
const sentValues = (h: History) =>
  h.filter((e) => e.f === 'send' && e.type === 'invoke').map((e) => (e.value as { value: string }).value);
const okPolls = (h: History) => h.filter((e) => e.f === 'poll' && e.type === 'ok');

const MUTATIONS: Mutation[] = [
  // a poll returns another sent value at one of its offsets
  (h, rand) => {
    const p = pick(
      okPolls(h).filter((e) => ((e.value as { records: unknown[] }).records ?? []).length > 0),
      rand,
    );
    const v = pick(sentValues(h), rand);
    if (p === undefined || v === undefined) return undefined;
    const recs = (p.value as { records: Array<[number, string]> }).records;
    recs[Math.floor(rand() * recs.length)][1] = v;
    return h;
  },
  // an acknowledged offset moves by one
  (h, rand) => {
    const s = pick(
      h.filter((e) => e.f === 'send' && e.type === 'ok'),
      rand,
    );
    if (s === undefined) return undefined;
    const v = s.value as { offset: number };
    v.offset = Math.max(0, v.offset + (rand() < 0.5 ? -1 : 1));
    return h;
  },
  // a poll loses its last record, or gains one (another sent value)
  (h, rand) => {
    const p = pick(okPolls(h), rand);
    if (p === undefined) return undefined;
    const pv = p.value as { offset: number; records: Array<[number, string]> };
    if (pv.records.length > 0 && rand() < 0.5) pv.records.pop();
    else {
      const v = pick(sentValues(h), rand);
      if (v === undefined) return undefined;
      pv.records.push([pv.offset + pv.records.length, v]);
    }
    return h;
  },
  // two adjacent events of different processes swap (real-time order changes)
  (h, rand) => {
    if (h.length < 2) return undefined;
    const i = Math.floor(rand() * (h.length - 1));
    if (h[i].process === h[i + 1].process) return undefined;
    [h[i], h[i + 1]] = [h[i + 1], h[i]];
    return h;
  },
  // two sends carry the same value (the fast path must cope or fall back)
  (h, rand) => {
    const a = pick(
      h.filter((e) => e.f === 'send' && e.type === 'invoke'),
      rand,
    );
    const b = pick(
      h.filter((e) => e.f === 'send' && e.type === 'invoke'),
      rand,
    );
    if (a === undefined || b === undefined || a === b) return undefined;
    const from = (b.value as { value: string }).value;
    const to = (a.value as { value: string }).value;
    for (const e of h)
      if (e.f === 'send' && e.process === b.process && (e.value as { value: string }).value === from)
        (e.value as { value: string }).value = to;
    return h;
  },
  // an acknowledgement is lost: the send becomes of unknown outcome
  (h, rand) => {
    const s = pick(
      h.filter((e) => e.f === 'send' && e.type === 'ok'),
      rand,
    );
    if (s === undefined) return undefined;
    s.type = 'info';
    delete (s.value as { offset?: number }).offset;
    return h;
  },
];

function randomSmallHistory(seed: number, mutations: number): History {
  const rand = mulberry32(seed ^ 0x5bd1e995);
  const { history } = generateLogHistory({
    seed,
    ops: 1 + Math.floor(rand() * 9),
    clients: 1 + Math.floor(rand() * 4),
    unknownRate: rand() * 0.4,
    failRate: 0.05,
    maxRecords: 1 + Math.floor(rand() * 4),
    strict: rand() < 0.3,
    finalRead: rand() < 0.3,
  });
  let h = clone(history);
  for (let k = 0; k < mutations; k++) {
    const m = MUTATIONS[Math.floor(rand() * MUTATIONS.length)];
    h = m(h, rand) ?? h;
  }
  return reindex(h);
}

describe('the log fast path', () => {
  it('agrees with the general search on small random histories (log and log-strict)', () => {
    let invalid = 0;
    let total = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom('log' as const, 'log-strict' as const),
        (seed, mutations, model) => {
          const h = randomSmallHistory(seed, mutations);
          const fast = checkLinearizable(h, { model });
          const search = checkLinearizable(h, { model, fastPath: 'off', maxSteps: 2_000_000 });
          fc.pre(search.valid !== 'unknown');
          total++;
          if (search.valid === false) invalid++;
          expect(fast.valid, JSON.stringify(h.map((e: HistoryEvent) => [e.process, e.type, e.f, e.value]))).toBe(
            search.valid,
          );
          if (fast.valid === false) {
            // the fast path's counterexample names an operation of the history
            expect(h[fast.counterexample!.failedOp].type).toBe('invoke');
          }
          // its two halves agree with each other part by part: the sweep (valid histories)
          // and the graph (explanations), whenever both apply
          for (const part of prepareModel(model, pairOperations(h)).partitions) {
            const ops = logOpsOf(part);
            const sweep = sweepLog(ops, model === 'log-strict');
            const graph = checkLogGraph(ops, model === 'log-strict');
            if (typeof sweep === 'string' && graph.kind === 'verdict') expect(sweep === 'valid').toBe(graph.valid);
          }
        },
      ),
      { numRuns: 600 },
    );
    // the generator and mutations give both answers often enough to mean something
    expect(invalid).toBeGreaterThan(total / 10);
    expect(total - invalid).toBeGreaterThan(total / 10);
  });
});
