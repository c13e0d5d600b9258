// Linearizability: the models' semantics, unknown outcomes, counterexamples, the budget, and
// the log fast path's own cases (gaps, fillers, cycles).

import { describe, expect, it } from 'vitest';
import { checkLinearizable, HistoryInputError, type History } from '../../checkers/index.ts';
import { HistoryBuilder } from './helpers.ts';

const lin = (h: History, model: Parameters<typeof checkLinearizable>[1]['model'], extra: object = {}) =>
  checkLinearizable(h, { model, ...extra });
const both = (h: History, model: 'log' | 'log-strict') => {
  const fast = lin(h, model);
  const search = lin(h, model, { fastPath: 'off' });
  expect(fast.valid).toBe(search.valid);
  return fast;
};

describe('register and cas-register', () => {
  it('a read sees the last write; a stale read is not linearizable', () => {
    expect(lin(new HistoryBuilder().write(1, 1).read(2, 1).events, 'register').valid).toBe(true);
    expect(lin(new HistoryBuilder().write(1, 1).write(1, 2).read(2, 1).events, 'register').valid).toBe(false);
  });
  it('starts at nil, or at --initial', () => {
    expect(lin(new HistoryBuilder().read(1, null).events, 'register').valid).toBe(true);
    expect(lin(new HistoryBuilder().read(1, 5).events, 'register').valid).toBe(false);
    expect(lin(new HistoryBuilder().read(1, 5).events, 'register', { initial: 5 }).valid).toBe(true);
  });
  it('concurrent operations may linearize in either order', () => {
    const h = new HistoryBuilder()
      .invoke(1, 'write', 1)
      .invoke(2, 'read', null)
      .ok(2, 'read', 1)
      .ok(1, 'write', 1)
      .read(3, 1);
    expect(lin(h.events, 'register').valid).toBe(true);
  });
  it('the register model has no cas', () => {
    const h = new HistoryBuilder().invoke(1, 'cas', [1, 2]).ok(1, 'cas', [1, 2]);
    expect(() => lin(h.events, 'register')).toThrow(HistoryInputError);
  });
  it('an ok cas swapped; a failed cas did not happen; a compare-failed cas returned false', () => {
    const base = () => new HistoryBuilder().write(1, 1);
    expect(lin(base().invoke(2, 'cas', [1, 2]).ok(2, 'cas', [1, 2]).read(3, 2).events, 'cas-register').valid).toBe(
      true,
    );
    expect(lin(base().invoke(2, 'cas', [3, 2]).ok(2, 'cas', [3, 2]).events, 'cas-register').valid).toBe(false);
    // plain fail: did not happen, no constraint
    expect(lin(base().invoke(2, 'cas', [1, 2]).fail(2, 'cas', [1, 2]).read(3, 1).events, 'cas-register').valid).toBe(
      true,
    );
    // etcd's compare-failed: the register did not hold 1 at that instant, but it held 1 throughout
    const cf = base().invoke(2, 'cas', [1, 2]).fail(2, 'cas', [1, 2], { error: 'compare-failed' }).read(3, 1);
    expect(lin(cf.events, 'cas-register').valid).toBe(false);
  });
});

describe('unknown outcomes', () => {
  it('an info write may take effect at any time after its invoke', () => {
    const h = new HistoryBuilder().invoke(1, 'write', 3).info(1, 'write', 3).read(2, null).read(2, 3);
    expect(lin(h.events, 'register').valid).toBe(true);
  });
  it('or never', () => {
    const h = new HistoryBuilder().invoke(1, 'write', 3).info(1, 'write', 3).read(2, null).read(2, null);
    expect(lin(h.events, 'register').valid).toBe(true);
  });
  it('but not before its invoke', () => {
    const h = new HistoryBuilder().read(2, 3).invoke(1, 'write', 3).info(1, 'write', 3);
    expect(lin(h.events, 'register').valid).toBe(false);
  });
  it('an invoke without a completion is an unknown outcome too', () => {
    const h = new HistoryBuilder().invoke(1, 'write', 3).read(2, null).read(2, 3);
    expect(lin(h.events, 'register').valid).toBe(true);
  });
  it('once it took effect it cannot be undone', () => {
    const h = new HistoryBuilder().invoke(1, 'write', 3).read(2, 3).read(2, null);
    expect(lin(h.events, 'register').valid).toBe(false);
  });
});

describe('kv', () => {
  it('keys are independent; nil reads as empty; append concatenates', () => {
    const h = new HistoryBuilder()
      .invoke(1, 'get', null, { key: 'a' })
      .ok(1, 'get', null, { key: 'a' })
      .invoke(1, 'append', 'x', { key: 'a' })
      .ok(1, 'append', 'x', { key: 'a' })
      .invoke(2, 'put', 'q', { key: 'b' })
      .ok(2, 'put', 'q', { key: 'b' })
      .invoke(1, 'append', 'y', { key: 'a' })
      .ok(1, 'append', 'y', { key: 'a' })
      .invoke(3, 'get', null, { key: 'a' })
      .ok(3, 'get', 'xy', { key: 'a' })
      .invoke(3, 'get', null, { key: 'b' })
      .ok(3, 'get', 'q', { key: 'b' });
    expect(lin(h.events, 'kv').valid).toBe(true);
    const bad = new HistoryBuilder()
      .invoke(1, 'append', 'x', { key: 'a' })
      .ok(1, 'append', 'x', { key: 'a' })
      .invoke(3, 'get', null, { key: 'a' })
      .ok(3, 'get', '', { key: 'a' });
    const v = lin(bad.events, 'kv');
    expect(v.valid).toBe(false);
    expect(v.counterexample?.partitionKey).toBe('a');
    expect(v.counterexample?.reason).toMatch(/key "a"/);
  });
});

describe('counterexamples', () => {
  it('give the longest linearizable prefix, the op that cannot be placed, and why', () => {
    const h = new HistoryBuilder().write(1, 1).read(2, 1).write(1, 2).read(2, 1).events;
    const v = lin(h, 'register');
    expect(v.valid).toBe(false);
    const ce = v.counterexample!;
    expect(ce.longestPrefix).toEqual([0, 2, 4]);
    expect(ce.failedOp).toBe(6);
    expect(ce.reason).toContain(
      'after linearizing 3 operation(s) of the register, process 2: read → 1 (history index 6) ' +
        'cannot be linearized: ' +
        'it read 1 but the register held 2',
    );
    expect(v.anomalies[0]).toMatchObject({ kind: 'nonlinearizable', ops: [6] });
  });
});

describe('the search budget', () => {
  it('ends in "unknown", never a hang', () => {
    const h = new HistoryBuilder();
    for (let p = 0; p < 12; p++) h.invoke(p, 'write', p);
    for (let p = 0; p < 12; p++) h.ok(p, 'write', p);
    h.read(20, 99);
    const v = lin(h.events, 'register', { maxSteps: 50 });
    expect(v.valid).toBe('unknown');
    expect(v.anomalies[0]).toMatchObject({ kind: 'unknown', informational: true });
    expect(lin(h.events, 'register').valid).toBe(false);
  });
});

describe('log and log-strict', () => {
  it('a short or empty poll is legal under log, not under log-strict', () => {
    const h = new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).pollValues(2, 0, ['a']).events;
    expect(both(h, 'log').valid).toBe(true);
    expect(both(h, 'log-strict').valid).toBe(false);
  });
  it('log-strict accepts a poll capped by its maxRecords', () => {
    const h = new HistoryBuilder()
      .send(1, 'a', 0)
      .send(1, 'b', 1)
      .pollInvoke(2, 0)
      .pollOk(2, 0, [[0, 'a']], 0, { maxRecords: 1 }).events;
    expect(both(h, 'log-strict').valid).toBe(true);
  });
  it('a poll concurrent with a send may or may not see it (strict too)', () => {
    const h = new HistoryBuilder()
      .send(1, 'a', 0)
      .sendInvoke(1, 'b')
      .pollValues(2, 0, ['a'])
      .sendOk(1, 'b', 1)
      .pollValues(3, 0, ['a', 'b']);
    expect(both(h.events, 'log-strict').valid).toBe(true);
  });
  it('a record must be the one at its offset', () => {
    const h = new HistoryBuilder()
      .send(1, 'a', 0)
      .send(1, 'b', 1)
      .poll(2, 0, [[0, 'b']]).events;
    expect(both(h, 'log').valid).toBe(false);
  });
  it('two sends cannot get one offset', () => {
    expect(both(new HistoryBuilder().send(1, 'a', 0).send(2, 'b', 0).events, 'log').valid).toBe(false);
  });
  it('records must be consecutive from the poll offset', () => {
    const h = new HistoryBuilder()
      .send(1, 'a', 0)
      .send(1, 'b', 1)
      .poll(2, 0, [[1, 'b']]).events;
    expect(both(h, 'log').valid).toBe(false);
  });
  it('a read from the future is a cycle, explained', () => {
    const h = new HistoryBuilder().send(1, 'a', 0).pollValues(2, 0, ['a', 'b']).send(1, 'b', 1).events;
    const v = both(h, 'log');
    expect(v.valid).toBe(false);
    expect(v.counterexample!.reason).toMatch(/cycle of ordering constraints/);
    expect(v.counterexample!.reason).toMatch(/read the record of/);
    expect(v.counterexample!.reason).toMatch(/completed before .* was invoked/);
  });
  it('a gap is filled by a send of unknown outcome invoked early enough', () => {
    const h = new HistoryBuilder().sendInvoke(3, 'x').send(1, 'a', 0).send(1, 'c', 2).pollValues(2, 2, ['c']).events;
    const v = both(h, 'log');
    expect(v.valid).toBe(true);
    expect(v.stats?.fastPathPartitions).toBe(1);
  });
  it('a gap with no candidate, or only one invoked too late, is a violation', () => {
    const none = new HistoryBuilder().send(1, 'a', 0).send(1, 'c', 2).events;
    const v = both(none, 'log');
    expect(v.valid).toBe(false);
    expect(v.counterexample!.reason).toMatch(/offset 1 was never acknowledged or read/);
    const late = new HistoryBuilder().send(1, 'a', 0).send(1, 'c', 2).sendInvoke(3, 'x').sendInfo(3, 'x').events;
    expect(both(late, 'log').valid).toBe(false);
  });
  it('handles a value acknowledged twice, and falls back when two unknown-outcome sends share one', () => {
    const acked = new HistoryBuilder().send(1, 'a', 0).send(1, 'a', 1).pollValues(2, 0, ['a', 'a']).events;
    const v = both(acked, 'log');
    expect(v.valid).toBe(true);
    expect(v.stats?.fastPathPartitions).toBe(1);
    const unknown = new HistoryBuilder()
      .sendInvoke(1, 'a')
      .sendInfo(1, 'a')
      .sendInvoke(2, 'a')
      .sendInfo(2, 'a')
      .pollValues(3, 0, ['a', 'a']).events;
    const u = both(unknown, 'log');
    expect(u.valid).toBe(true);
    expect(u.stats?.fastPathPartitions).toBe(0);
  });
  it('topic-partitions are checked on their own', () => {
    const h = new HistoryBuilder().send(1, 'a', 0, 0).send(1, 'b', 0, 1).pollValues(2, 0, ['b'], 1).events;
    const v = both(h, 'log');
    expect(v.valid).toBe(true);
    expect(v.stats?.partitions).toBe(2);
  });
});
