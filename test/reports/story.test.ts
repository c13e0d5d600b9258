// The story and the opening of the report: a white-box violation gets the cluster's steps
// on its partition and opens there; an expected loss carries the rule that excuses it; the
// story names when a fault begins, not only when it ends.
import { describe, expect, it } from 'vitest';
import { buildViolationData } from '../../reports/report-data.ts';
import { acks1LossTrace } from '../fixtures/traces/acks1-loss.ts';
import { BREACH, WHITE_BOX_AT_US, expectedTrace, whiteBoxTrace } from './violation-traces.ts';

const S = 1_000_000;

describe('a white-box violation on the second partition', () => {
  const { data, story } = buildViolationData(whiteBoxTrace());

  it("opens on the violation's partition at the moment it was seen", () => {
    expect(data.tps[data.open.tp]).toBe('t-1');
    expect(data.open.atUs).toBe(WHITE_BOX_AT_US);
    expect(story.where).toEqual({ topic: 't', partition: 1 });
  });

  it("tells the cluster's steps on that partition up to the violation, and ends with it", () => {
    expect(story.focus).toBeNull();
    const texts = story.steps.map((s) => s.text);
    expect(texts).toContain('broker 3 appends 1 record of leader epoch 0 at offset 0.');
    expect(texts.some((t) => t.startsWith('broker 1 crashes') && t.includes('[fault 1 begins]'))).toBe(true);
    expect(texts).toContain("The controller changes t-1's ISR (partition epoch 1): ISR [3,2].");
    expect(texts.some((t) => t.includes('t-0'))).toBe(false);
    const last = story.steps[story.steps.length - 1];
    expect(last).toMatchObject({ tone: 'loss', key: true, timeUs: WHITE_BOX_AT_US });
    expect(last.text).toMatch(/^candidate-complete: Broker 2 is in the ISR of t-1/);
    expect(story.steps.every((s) => s.timeUs <= WHITE_BOX_AT_US)).toBe(true);
    expect(data.story.length).toBe(story.steps.length);
    expect(data.summary).toContain('Broker 2 is in the ISR of t-1');
  });

  it('lists a broker with no replica among the brokers', () => {
    expect(data.brokers.map((b) => b.id)).toEqual([1, 2, 3, 4]);
  });
});

describe('an expected loss', () => {
  const { data } = buildViolationData(expectedTrace());

  it("carries the breach of Kafka's promise that makes it expected", () => {
    expect(data.headline.status).toBe('expected');
    expect(data.expected).toEqual({ ...BREACH, partition: 't-0' });
  });

  it('has no breach when the anomaly is a real violation', () => {
    expect(buildViolationData(acks1LossTrace()).data.expected).toBeNull();
  });
});

describe("faults in the lost record's story", () => {
  it('names when a fault begins, and when one that began before the story ends', () => {
    const trace = acks1LossTrace();
    // A network fault that begins before the send and ends after it.
    trace.timeline.push(
      { t: 1 * S, kind: 'fault', phase: 'start', id: 2, description: 'isolate broker 3' },
      { t: 6 * S, kind: 'fault', phase: 'end', id: 2, description: 'isolate broker 3' },
    );
    const { story } = buildViolationData(trace);
    const texts = story.steps.map((s) => s.text);
    expect(texts[0]).toContain('fault 2 (isolate broker 3) under way since 1.000000 s');
    expect(texts).toContain('Fault 2 ends (it began at 1.000000 s): isolate broker 3.');
    expect(texts.some((t) => t.includes('[fault 1 begins]'))).toBe(true);
    expect(texts.some((t) => t.includes('[fault 1 ends]'))).toBe(true);
  });
});
