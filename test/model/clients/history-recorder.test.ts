// The shared history recorder and the well-formedness check every client test relies on.

import { describe, expect, it } from 'vitest';
import { createHistoryRecorder, historyProblems } from '../../../model/history-recorder.ts';
import { clientOfProcess, LaneAllocator, processId } from '../../../model/client-process.ts';

describe('history recorder', () => {
  it('numbers events densely in append order and keeps the fields', () => {
    const r = createHistoryRecorder();
    r.record({ time: 5, process: 1, type: 'invoke', f: 'send', value: { v: 1 } });
    const e = r.record({ time: 5, process: 1, type: 'info', f: 'send', value: { v: 1 }, error: 'timeout' });
    expect(r.events.map((x) => x.index)).toEqual([0, 1]);
    expect(e).toEqual({ index: 1, time: 5, process: 1, type: 'info', f: 'send', value: { v: 1 }, error: 'timeout' });
    expect('error' in r.events[0]).toBe(false);
  });

  it('refuses time going backwards or non-integer times', () => {
    const r = createHistoryRecorder();
    r.record({ time: 10, process: 1, type: 'invoke', f: 'poll', value: {} });
    expect(() => r.record({ time: 9, process: 1, type: 'ok', f: 'poll', value: {} })).toThrow(/earlier/);
    expect(() => r.record({ time: 10.5, process: 1, type: 'ok', f: 'poll', value: {} })).toThrow(/integer/);
    expect(r.events).toHaveLength(1);
  });
});

describe('historyProblems', () => {
  const ev = (index: number, process: number, type: 'invoke' | 'ok' | 'fail' | 'info', f = 'send') => ({
    index,
    time: index,
    process,
    type,
    f,
    value: null,
  });

  it('accepts interleaved processes each with one op in flight', () => {
    expect(
      historyProblems([ev(0, 1, 'invoke'), ev(1, 2, 'invoke'), ev(2, 1, 'ok'), ev(3, 2, 'info'), ev(4, 1, 'invoke')]),
    ).toEqual([]);
  });

  it('reports two ops in flight on one process, orphan completions, mismatched f and broken indices', () => {
    expect(historyProblems([ev(0, 1, 'invoke'), ev(1, 1, 'invoke')])[0]).toMatch(/in flight/);
    expect(historyProblems([ev(0, 1, 'ok')])[0]).toMatch(/completes nothing/);
    expect(historyProblems([ev(0, 1, 'invoke', 'send'), ev(1, 1, 'ok', 'poll')])[0]).toMatch(/completes a send/);
    expect(historyProblems([ev(1, 1, 'invoke')])[0]).toMatch(/index/);
  });
});

describe('process ids', () => {
  it('give every lane of every client its own process, and map back to the client', () => {
    expect(processId(200, 3)).toBe(200_003);
    expect(clientOfProcess(200_003)).toBe(200);
    expect(clientOfProcess('nemesis')).toBeUndefined();
    expect(() => processId(200, 1000)).toThrow();
  });

  it('reuse freed lanes within an incarnation, never across incarnations', () => {
    const lanes = new LaneAllocator(300);
    lanes.beginIncarnation(1);
    const a = lanes.take();
    const b = lanes.take();
    lanes.release(a);
    expect(lanes.take()).toBe(a);
    lanes.release(b);
    lanes.beginIncarnation(2);
    const c = lanes.take();
    expect([a, b]).not.toContain(c);
  });
});
