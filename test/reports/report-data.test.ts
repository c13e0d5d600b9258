// What the report derives from a trace: operations, replica logs rebuilt from the timeline,
// the compact columnar encoding the page decodes, and the lost record's story.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Trace, TimelineEvent } from '../../checkers/trace.ts';
import { pairOperations } from '../../reports/operations.ts';
import { buildReplicaLogs, copiesAt, isLiveAt, sortTimeline } from '../../reports/replica-logs.ts';
import { buildViolationData, type ReportData } from '../../reports/report-data.ts';
import { acks1LossTrace } from '../fixtures/traces/acks1-loss.ts';

const S = 1_000_000;

/** Decodes a delta-encoded column as the page does. */
function undelta(column: number[]): number[] {
  let acc = 0;
  return column.map((d) => (acc += d));
}

describe('pairOperations', () => {
  it('pairs each invoke with the next completion of its process; the rest stay pending or orphaned', () => {
    const paired = pairOperations([
      { index: 0, time: 1, process: 1, type: 'invoke', f: 'write', value: 1 },
      { index: 1, time: 2, process: 'a', type: 'invoke', f: 'read', value: null },
      { index: 2, time: 3, process: 1, type: 'ok', f: 'write', value: 1 },
      { index: 3, time: 4, process: 2, type: 'info', f: 'write', value: 5 },
      { index: 4, time: 5, process: 1, type: 'invoke', f: 'write', value: 2 },
      { index: 5, time: 6, process: 1, type: 'fail', f: 'write', value: 2, error: 'timeout' },
    ]);
    expect(paired.ops.map((o) => [o.process, o.status, o.startUs, o.endUs])).toEqual([
      [1, 'ok', 1, 3],
      ['a', 'pending', 2, undefined],
      [1, 'fail', 5, 6],
    ]);
    expect(paired.orphanCompletions).toBe(1);
    expect(paired.opOfEvent.get(2)).toBe(0);
    expect(paired.opOfEvent.get(5)).toBe(2);
    expect(paired.opOfEvent.has(3)).toBe(false);
  });
});

describe('buildReplicaLogs', () => {
  const tp = { topic: 't', partition: 0 };
  const timeline: TimelineEvent[] = [
    { t: 10, kind: 'append', broker: 1, ...tp, firstOffset: 0, epoch: 0, values: ['a', 'b', 'c'] },
    { t: 20, kind: 'truncate', broker: 1, ...tp, toOffset: 1, reason: 'diverging-epoch' },
    { t: 30, kind: 'append', broker: 1, ...tp, firstOffset: 1, epoch: 1, values: ['x'] },
    { t: 40, kind: 'append', broker: 1, ...tp, firstOffset: 1, epoch: 2, values: ['y'] }, // over a live offset
  ];
  const logs = buildReplicaLogs(sortTimeline(timeline));

  it('keeps every copy with its append and truncation times', () => {
    expect(
      logs.versions.map((v) => [v.offset, v.value, v.epoch, v.appendedAtUs, v.truncatedAtUs, v.truncateReason]),
    ).toEqual([
      [0, 'a', 0, 10, undefined, undefined],
      [1, 'b', 0, 10, 20, 'diverging-epoch'],
      [2, 'c', 0, 10, 20, 'diverging-epoch'],
      [1, 'x', 1, 30, 40, 'overwritten'],
      [1, 'y', 2, 40, undefined, undefined],
    ]);
    expect(copiesAt(logs, 't-0', 1, 1).map((v) => v.value)).toEqual(['b', 'x', 'y']);
  });

  it('answers which copies are live at an instant', () => {
    const liveAt = (t: number) => logs.versions.filter((v) => isLiveAt(v, t)).map((v) => v.value);
    expect(liveAt(15)).toEqual(['a', 'b', 'c']);
    expect(liveAt(25)).toEqual(['a']);
    expect(liveAt(35)).toEqual(['a', 'x']);
    expect(liveAt(45)).toEqual(['a', 'y']);
    expect(liveAt(5)).toEqual([]);
  });
});

describe('buildViolationData on the acks=1 trace', () => {
  const trace = acks1LossTrace();
  const { data, story } = buildViolationData(trace);

  it('leads with the lost-write and its explanation', () => {
    expect(data.headline.status).toBe('violation');
    expect(data.headline.kind).toBe('lost-write');
    expect(data.headline.sentence).toContain('"v3" was acknowledged at offset 3');
  });

  it('encodes operations compactly and losslessly', () => {
    expect(data.counts.ops).toBe(12);
    const t0 = undelta(data.ops.t0);
    expect(t0).toEqual([...t0].sort((a, b) => a - b));
    const v3 = data.strings.indexOf('v3');
    const op = data.ops.val.indexOf(v3);
    expect(data.lanes[data.ops.lane[op]].name).toBe('producer-2');
    expect([t0[op], t0[op] + data.ops.dur[op], data.ops.st[op], data.ops.off[op]]).toEqual([4 * S, 4.04 * S, 0, 3]);
    expect(data.marked).toContain(op);
    // the info send and the failed poll keep their status and error
    const v5 = data.ops.val.indexOf(data.strings.indexOf('v5'));
    expect([data.ops.st[v5], data.strings[data.ops.err[v5]]]).toEqual([2, 'delivery timeout']);
    expect(data.ops.st.filter((s) => s === 1)).toHaveLength(1);
  });

  it('encodes replica states with per-replica HW/LEO deltas that decode to the timeline', () => {
    const times = undelta(data.rep.t);
    const last = new Map<number, [number, number]>();
    const decoded = data.rep.b.map((b, i) => {
      const [hw, leo] = last.get(b) ?? [0, 0];
      const now: [number, number] = [hw + data.rep.hw[i], leo + data.rep.leo[i]];
      last.set(b, now);
      return { t: times[i], b, hw: now[0], leo: now[1] };
    });
    const expected = sortTimeline(trace.timeline)
      .filter((e): e is Extract<TimelineEvent, { kind: 'replica' }> => e.kind === 'replica')
      .map((e) => ({ t: e.t, b: e.broker, hw: e.hw, leo: e.leo }));
    expect(decoded).toEqual(expected);
  });

  it('encodes record copies by batch, with the lost copy cut by the diverging-epoch truncation', () => {
    const copies: Array<{ b: number; off: number; value: string; tt?: number; why?: string }> = [];
    data.batches.n.forEach((n, k) => {
      for (let i = 0; i < n; i++)
        copies.push({
          b: data.batches.b[k],
          off: data.batches.first[k] + i,
          value: data.strings[data.verVal[copies.length]],
        });
    });
    data.cut.v.forEach((v, i) => Object.assign(copies[v], { tt: data.cut.t[i], why: data.strings[data.cut.why[i]] }));
    expect(copies.filter((c) => c.value === 'v3')).toEqual([
      { b: 1, off: 3, value: 'v3', tt: 20.35 * S, why: 'diverging-epoch' },
    ]);
    expect(copies.filter((c) => c.off === 3 && c.tt === undefined).map((c) => [c.b, c.value])).toEqual([
      [2, 'v4'],
      [3, 'v4'],
      [1, 'v4'],
    ]);
  });

  it('tells the story from the send to the loss, with the facts that explain it', () => {
    const tones = story.steps.map((s) => s.tone);
    const order = ['send', 'append', 'ack', 'fault', 'leader', 'overwrite', 'heal', 'loss'];
    let at = -1;
    for (const tone of order) {
      const next = tones.indexOf(tone as never, at + 1);
      expect(next, `${tone} after step ${at}`).toBeGreaterThan(at);
      at = next;
    }
    const text = (tone: string) => story.steps.find((s) => s.tone === tone)!.text;
    expect(text('ack')).toContain('1 of 3 replicas held it');
    expect(text('ack')).toContain("leader's HW was 3: not committed yet");
    expect(text('fault')).toContain('it holds the only copy of "v3"');
    expect(text('leader')).toContain('broker 2 leader in epoch 1');
    expect(text('leader')).toContain('does not have "v3"');
    expect(text('loss')).toContain('truncates its log to offset 3 (diverging-epoch)');
    expect(text('loss')).toContain('That was the last copy.');
    expect(story.steps[story.steps.length - 1].text).toBe('At the end, no replica holds "v3"; offset 3 holds "v4".');
    expect(story.steps.some((s) => s.tone === 'commit')).toBe(false);
    expect(story.focus).toMatchObject({
      ackedAtUs: 4.04 * S,
      lostAtUs: 20.35 * S,
      copiesAtAck: 1,
      replicationFactor: 3,
      leaderHwAtAck: 3,
      isrAtAck: [1, 2, 3],
    });
    expect(story.summary).toBe(
      '"v3" (t-0 offset 3) was acknowledged at 4.040000 s with 1 of 3 copies (acks=1, HW 3, not committed) and lost ' +
        'at 20.350000 s when broker 1 truncated its last copy (diverging-epoch).',
    );
    const times = story.steps.map((s) => s.timeUs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('says "committed" when the HW passed the record before the acknowledgement', () => {
    const committed = acks1LossTrace();
    // Followers fetch v3 and the leader's HW reaches 4 before the producer hears back.
    const ack = committed.history.find((e) => e.type === 'ok' && (e.value as { value?: string }).value === 'v3')!;
    committed.timeline.push(
      {
        t: ack.time - 5000,
        kind: 'append',
        broker: 2,
        topic: 't',
        partition: 0,
        firstOffset: 3,
        epoch: 0,
        values: ['v3'],
      },
      {
        t: ack.time - 4000,
        kind: 'replica',
        broker: 1,
        topic: 't',
        partition: 0,
        role: 'leader',
        leaderEpoch: 0,
        hw: 4,
        leo: 4,
      },
    );
    const { story: s } = buildViolationData(committed);
    expect(s.steps.find((x) => x.tone === 'commit')?.text).toContain('advances its HW to 4: offset 3 is committed');
    expect(s.steps.find((x) => x.tone === 'ack')?.text).toContain('2 of 3 replicas held it');
    expect(s.steps.find((x) => x.tone === 'ack')?.text).toContain(': committed.');
  });

  it('has no story when the anomaly names no record, and still reports the anomaly', () => {
    const trace2 = acks1LossTrace();
    trace2.verdict = {
      valid: false,
      checker: 'kafka',
      anomalies: [{ kind: 'nonmonotonic-poll', explanation: 'consumer-1 polled offset 2 after offset 4.' }],
    };
    const { data: d, story: s } = buildViolationData(trace2);
    expect(s.focus).toBeNull();
    expect(d.focus).toBeNull();
    expect(d.headline).toMatchObject({
      label: 'Violation: nonmonotonic-poll',
      sentence: 'consumer-1 polled offset 2 after offset 4.',
    });
  });

  it('labels an expected loss and a valid run differently from a violation', () => {
    const expected = acks1LossTrace();
    expected.verdict.anomalies[0].expected = true;
    expected.verdict.anomalies[1].expected = true;
    expect(buildViolationData(expected).data.headline.status).toBe('expected');
    const valid = acks1LossTrace();
    valid.verdict = { valid: true, checker: 'all', anomalies: [] };
    const d: ReportData = buildViolationData(valid).data;
    expect(d.headline).toMatchObject({ status: 'valid', label: 'No violation' });
  });
});

describe('a trace with two partitions', () => {
  const { data, story } = buildViolationData(acks1LossTrace({ extraPartition: true }));
  it('keeps the focus partition first and follows the lost record only there', () => {
    expect(data.tps).toEqual(['t-0', 't-1']);
    expect(data.focus?.tp).toBe(0);
    expect(story.steps.some((s) => s.text.includes('w0'))).toBe(false);
    expect(story.focus?.lostAtUs).toBe(20.35 * S);
  });
  it('tags replica states and copies with their partition', () => {
    const t1 = data.tps.indexOf('t-1');
    expect(data.batches.tp.filter((tp) => tp === t1)).toHaveLength(2);
    expect(data.part.tp.filter((tp) => tp === t1)).toHaveLength(2);
    const w0 = data.ops.val.indexOf(data.strings.indexOf('w0'));
    expect(data.ops.tp[w0]).toBe(t1);
  });
});

describe('client process names', () => {
  it("names the simulator's client lanes (node id × 1000 + lane) after their node", () => {
    const trace = acks1LossTrace();
    // Renumber producer-2's process (11) as lane 1 of client node 11: 11001.
    trace.history = trace.history.map((e) => (e.process === 11 ? { ...e, process: 11_001 } : e));
    const { data, story } = buildViolationData(trace);
    expect(data.lanes.map((l) => [l.name, l.kind])).toEqual([
      ['producer-1', 'producer'],
      ['consumer-1', 'consumer'],
      ['producer-2 lane 1', 'producer'],
    ]);
    expect(story.focus?.producer).toBe('producer-2 lane 1');
  });
});

describe('a trace written by the simulator (leader-failover, acks-1, frozen copy)', () => {
  const trace = JSON.parse(
    readFileSync(new URL('../fixtures/traces/sim-leader-failover-acks-1.json', import.meta.url), 'utf8'),
  ) as Trace;
  const { data, story } = buildViolationData(trace);

  it('follows the record the primary anomaly names to the truncation of its last copy', () => {
    expect(data.headline.kind).toBe('inconsistent-offsets');
    expect(story.focus).toMatchObject({
      value: 'p200-1',
      offset: 1,
      copiesAtAck: 1,
      replicationFactor: 3,
      copiesAtEnd: 0,
      lostReason: 'diverging-epoch',
      finalValueAtOffset: 'probe-400-0',
    });
    expect(story.steps.filter((s) => s.tone === 'truncate' || s.tone === 'loss').map((s) => s.broker)).toContain(3);
    expect(story.summary).toContain('with 1 of 3 copies (acks=1');
  });

  it('names the simulator\u2019s client lanes after their nodes', () => {
    expect(data.lanes.map((l) => l.name)).toContain('producer-200 lane 0');
    expect(data.lanes.every((l) => !l.name.startsWith('process '))).toBe(true);
  });
});
