// The producer against scripted fake brokers: delivery, keys, retries with and without
// idempotence, the fail/info rule, in-flight limits, producer-id recovery, determinism.

import { describe, expect, it } from 'vitest';
import type { SendValue } from '../../../checkers/history.ts';
import type { ClientResponse } from '../../../model/client-protocol.ts';
import { partitionForKey } from '../../../model/partitioner.ts';
import type { ProducerActor } from '../../../model/producer.ts';
import type { ProduceHook } from './fake-broker.ts';
import { FAST_CONFIG, addProducer, assertWellFormed, completions, fakeRig, sendValues } from './helpers.ts';

const P = 200;

function valuesIn(log: Array<{ value: string }>): string[] {
  return log.map((r) => r.value);
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const v of values) {
    if (seen.has(v)) dups.push(v);
    seen.add(v);
  }
  return dups;
}

/** The first ProduceRequest gets `first`; everything else is appended and answered. */
function firstRequest(first: ReturnType<ProduceHook>): ProduceHook {
  let n = 0;
  return () => (n++ === 0 ? first : 'append');
}

describe('producer delivery', () => {
  it('acknowledges every send exactly once, at consecutive offsets', () => {
    const rig = fakeRig(1);
    addProducer(rig, P, { sends: 50 });
    rig.sim.run({ untilUs: 5_000_000 });
    const producer = rig.sim.actor<ProducerActor>(P)!;
    expect(producer.done()).toBe(true);
    const ok = sendValues(rig.recorder.events, 'ok');
    expect(ok).toHaveLength(50);
    expect(ok.map((v) => v.offset).sort((a, b) => a! - b!)).toEqual([...Array(50).keys()]);
    const log = rig.broker(1).log('t', 0);
    expect(valuesIn(log).sort()).toEqual(ok.map((v) => v.value).sort());
    for (const v of ok) expect(log[v.offset!].value).toBe(v.value);
    expect(completions(rig.recorder.events, 'send', 'fail')).toHaveLength(0);
    assertWellFormed(rig.recorder.events);
  });

  it('sends keyed records to the murmur2 partition of their key', () => {
    const topics = [{ name: 'k', partitions: 3, replicationFactor: 1 }];
    const rig = fakeRig(2, { topics });
    addProducer(rig, P, { sends: 60, keys: 7, topics });
    rig.sim.run({ untilUs: 5_000_000 });
    const ok = completions(rig.recorder.events, 'send', 'ok').map((e) => e.value as SendValue);
    expect(ok).toHaveLength(60);
    const partitionsUsed = new Set<number>();
    for (const v of ok) {
      expect(v.key).toMatch(/^k[0-6]$/);
      expect(v.partition).toBe(partitionForKey(v.key!, 3));
      partitionsUsed.add(v.partition);
      expect(rig.broker(1).log('k', v.partition)[v.offset!].value).toBe(v.value);
    }
    expect(partitionsUsed.size).toBeGreaterThan(1);
  });

  it('keeps at most max.in.flight.requests.per.connection requests outstanding per broker', () => {
    const rig = fakeRig(3, { hook: () => 'silence' });
    addProducer(rig, P, {
      sends: 10,
      sendIntervalMs: 1,
      config: { ...FAST_CONFIG, 'max.in.flight.requests.per.connection': 2 },
    });
    rig.sim.run({ untilUs: 900_000 }); // before the first request timeout (1 s)
    expect(rig.broker(1).received.filter((m) => m.type === 'ProduceRequest')).toHaveLength(2);
  });

  it('follows a leader change signalled by NOT_LEADER_OR_FOLLOWER', () => {
    const rig = fakeRig(4, { brokers: [1, 2] });
    rig.sim.at(1_000, 'move leader', () =>
      rig.world.partitions.set('t/0', { leader: 2, leaderEpoch: 1, replicas: [1, 2] }),
    );
    addProducer(rig, P, { sends: 5, sendIntervalMs: 20 });
    rig.sim.run({ untilUs: 3_000_000 });
    expect(sendValues(rig.recorder.events, 'ok')).toHaveLength(5);
    expect(rig.broker(2).log('t', 0)).toHaveLength(5);
    expect(rig.broker(1).received.some((m) => m.type === 'ProduceRequest')).toBe(true);
  });
});

describe('retries and idempotence', () => {
  for (const how of ['lost answer', 'one-way cut', 'slow link'] as const) {
    const run = (idempotent: boolean) => {
      const config = { ...FAST_CONFIG, 'enable.idempotence': idempotent };
      const rig = fakeRig(10, { hook: how === 'lost answer' ? firstRequest('append-silently') : null });
      if (how === 'one-way cut') {
        // The broker's answers to the producer are lost for 1.5 s; its requests still arrive.
        rig.sim.at(5_000, 'cut', () => {
          const cut = rig.sim.network.cut({ kind: 'one-way', from: [1], to: [P] });
          rig.sim.at(rig.sim.now() + 1_500_000, 'heal', () => rig.sim.network.heal(cut));
        });
      }
      if (how === 'slow link') {
        // Answers take 1.2 s, longer than request.timeout.ms = 1 s, for a while.
        rig.sim.at(5_000, 'slow', () => {
          const slow = rig.sim.network.slow(1, P, 1_200_000);
          rig.sim.at(rig.sim.now() + 300_000, 'unslow', () => rig.sim.network.unslow(slow));
        });
      }
      addProducer(rig, P, { sends: 20, sendIntervalMs: 20, config });
      rig.sim.run({ untilUs: 15_000_000 }); // past delivery.timeout.ms: every send completed
      assertWellFormed(rig.recorder.events);
      return { rig, log: valuesIn(rig.broker(1).log('t', 0)), producer: rig.sim.actor<ProducerActor>(P)! };
    };

    it(`idempotent retries after a timeout (${how}) append each value once`, () => {
      const { rig, log, producer } = run(true);
      expect(producer.done()).toBe(true);
      expect(producer.sender!.stats.retries).toBeGreaterThan(0);
      expect(duplicates(log)).toEqual([]);
      const ok = sendValues(rig.recorder.events, 'ok');
      // A retry whose sequence fell out of the broker's five cached batches is answered
      // OUT_OF_ORDER_SEQUENCE_NUMBER until it expires: Kafka reports it as a timeout (info).
      expect(ok.length).toBeGreaterThanOrEqual(19);
      expect(completions(rig.recorder.events, 'send', 'fail')).toEqual([]);
      for (const v of ok) expect(log[v.offset!]).toBe(v.value);
      expect(log).toHaveLength(20);
    });

    it(`non-idempotent retries after a timeout (${how}) can append a value twice`, () => {
      const { rig, log, producer } = run(false);
      expect(producer.done()).toBe(true);
      expect(producer.sender!.stats.retries).toBeGreaterThan(0);
      expect(duplicates(log).length).toBeGreaterThan(0);
      // The acknowledged offset is the retry's; the log holds the value there too.
      for (const v of sendValues(rig.recorder.events, 'ok')) expect(log[v.offset!]).toBe(v.value);
    });
  }

  it('bumps the epoch of the same producer id after OUT_OF_ORDER_SEQUENCE_NUMBER on the next batch (KIP-360)', () => {
    const rig = fakeRig(11, { hook: firstRequest({ error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }) });
    addProducer(rig, P, { sends: 10 });
    rig.sim.run({ untilUs: 5_000_000 });
    const producer = rig.sim.actor<ProducerActor>(P)!;
    expect(producer.sender!.stats.pidBumps).toBe(0);
    expect(producer.sender!.stats.epochBumps).toBe(1);
    expect(rig.broker(1).received.filter((m) => m.type === 'InitProducerIdRequest')).toHaveLength(1);
    const produces = rig.broker(1).received.filter((m) => m.type === 'ProduceRequest');
    expect(new Set(produces.map((m) => m.producerId)).size).toBe(1);
    // The first request under epoch 0 was refused; the rewrite starts again at sequence 0 under epoch 1.
    expect(produces.map((m) => [m.producerEpoch, m.baseSequence]).slice(0, 2)).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(sendValues(rig.recorder.events, 'ok')).toHaveLength(10);
    expect(duplicates(valuesIn(rig.broker(1).log('t', 0)))).toEqual([]);
  });

  it('resolves an expired in-flight batch with an epoch bump and goes on without duplicates', () => {
    // The broker is silent for 12 s (longer than delivery.timeout.ms = 10 s), then healthy.
    const rig = fakeRig(12, { hook: (_req, b) => (b.ctx.now() < 12_000_000 ? 'silence' : 'append') });
    addProducer(rig, P, { sends: 40, sendIntervalMs: 400 });
    rig.sim.run({ untilUs: 60_000_000 });
    const producer = rig.sim.actor<ProducerActor>(P)!;
    expect(producer.done()).toBe(true);
    const events = rig.recorder.events;
    const info = completions(events, 'send', 'info');
    expect(info.length).toBeGreaterThan(0);
    for (const e of info) expect(e.error).toMatch(/delivery-timeout/);
    expect(sendValues(events, 'ok').length).toBeGreaterThan(0);
    expect(producer.sender!.stats.epochBumps).toBeGreaterThan(0);
    expect(producer.sender!.stats.pidBumps).toBe(0);
    expect(duplicates(valuesIn(rig.broker(1).log('t', 0)))).toEqual([]);
    assertWellFormed(events);
  });
});

describe('fail versus info', () => {
  const outcomeOf = (hook: ProduceHook | null, configPatch: object = {}, leaderless = false) => {
    const rig = fakeRig(20, { hook });
    if (leaderless) rig.world.partitions.set('t/0', { leader: -1, leaderEpoch: 0, replicas: [1] });
    addProducer(rig, P, { sends: 1, config: { ...FAST_CONFIG, ...configPatch } });
    rig.sim.run({ untilUs: 20_000_000 });
    const done = completions(rig.recorder.events, 'send');
    expect(done).toHaveLength(1);
    assertWellFormed(rig.recorder.events);
    return { event: done[0], log: rig.broker(1).log('t', 0) };
  };

  it('fail: every attempt answered NOT_ENOUGH_REPLICAS (rejected before append)', () => {
    const { event, log } = outcomeOf(() => ({ error: 'NOT_ENOUGH_REPLICAS' }));
    expect(event.type).toBe('fail');
    expect(event.error).toMatch(/NOT_ENOUGH_REPLICAS/);
    expect(log).toHaveLength(0);
  });

  it('fail: never sent (no leader until the delivery timeout)', () => {
    const { event } = outcomeOf(null, {}, true);
    expect(event.type).toBe('fail');
    expect(event.error).toMatch(/never sent/);
  });

  it('fail: every attempt answered NOT_LEADER_OR_FOLLOWER', () => {
    const { event } = outcomeOf(() => ({ error: 'NOT_LEADER_OR_FOLLOWER' }));
    expect(event.type).toBe('fail');
  });

  it('info: NOT_ENOUGH_REPLICAS_AFTER_APPEND once, NOT_ENOUGH_REPLICAS afterwards', () => {
    let n = 0;
    const { event, log } = outcomeOf(() =>
      n++ === 0 ? { error: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', append: true } : { error: 'NOT_ENOUGH_REPLICAS' },
    );
    expect(event.type).toBe('info');
    expect(log).toHaveLength(1); // it was appended, and may well be committed later
  });

  it('info: NOT_LEADER_OR_FOLLOWER after the append (leadership lost while waiting), rejections afterwards', () => {
    let n = 0;
    const { event, log } = outcomeOf(() =>
      n++ === 0 ? { error: 'NOT_LEADER_OR_FOLLOWER', append: true } : { error: 'NOT_ENOUGH_REPLICAS' },
    );
    expect(event.type).toBe('info');
    expect(log).toHaveLength(1);
  });

  it('info: the broker never answers', () => {
    const { event } = outcomeOf(() => 'silence');
    expect(event.type).toBe('info');
  });

  it('info: a timed-out attempt, then rejections before append', () => {
    let n = 0;
    const { event } = outcomeOf(() => (n++ === 0 ? 'silence' : { error: 'NOT_ENOUGH_REPLICAS' }));
    expect(event.type).toBe('info');
  });

  it('ok: a timed-out attempt whose retry is acknowledged (idempotent dedupe gives the first offset)', () => {
    const { event, log } = outcomeOf(firstRequest('append-silently'));
    expect(event.type).toBe('ok');
    expect((event.value as SendValue).offset).toBe(0);
    expect(log).toHaveLength(1);
  });

  it('info: acks=0 (the client is never told)', () => {
    const { event, log } = outcomeOf(null, { acks: 0 });
    expect(event.type).toBe('info');
    expect((event.value as SendValue).offset).toBeUndefined();
    expect(log).toHaveLength(1);
  });
});

describe('client restarts', () => {
  it('a restarted producer goes on with fresh values on fresh processes; cut-off sends stay open', () => {
    const rig = fakeRig(40, { hook: (_req, b) => (b.ctx.now() < 300_000 ? 'silence' : 'append') });
    addProducer(rig, P, { sends: 30, sendIntervalMs: 20 });
    rig.sim.at(250_000, 'crash producer', () => rig.sim.crash(P));
    rig.sim.at(400_000, 'restart producer', () => rig.sim.start(P));
    rig.sim.run({ untilUs: 20_000_000 });
    const events = rig.recorder.events;
    assertWellFormed(events);
    const invokes = events.filter((e) => e.f === 'send' && e.type === 'invoke');
    const values = invokes.map((e) => (e.value as SendValue).value);
    expect(new Set(values).size).toBe(values.length); // unique across incarnations
    expect(values).toHaveLength(30);
    const open = invokes.filter(
      (inv) => !events.some((e) => e.process === inv.process && e.index > inv.index && e.type !== 'invoke'),
    );
    expect(open.length).toBeGreaterThan(0); // cut off by the crash: unknown outcome
    const before = new Set(events.filter((e) => e.time < 250_000).map((e) => e.process));
    const after = new Set(events.filter((e) => e.time >= 400_000).map((e) => e.process));
    for (const p of after) expect(before.has(p)).toBe(false);
    expect(rig.sim.actor<ProducerActor>(P)!.done()).toBe(true);
  });
});

describe('client incarnations and late answers', () => {
  // Issue 18: a broker's late answer to a produce of a killed producer must not be taken as the
  // answer to the new incarnation's request with the same correlation id (seed 529984 of an
  // earlier swarm with client crashes acknowledged a record at an offset holding another one).
  it("a late answer to the dead incarnation's produce is not the new incarnation's answer", () => {
    const answeredLate: Array<{ correlationId: number; topic: string; partition: number; value: string }> = [];
    const rig = fakeRig(41, {
      // Before the crash: appended, answer held back; after the restart: nothing until 600 ms.
      hook: (req, b) => {
        if (b.ctx.now() < 250_000) {
          answeredLate.push({ ...req, value: req.records[0].value });
          return 'append-silently';
        }
        return b.ctx.now() < 600_000 ? 'silence' : 'append';
      },
    });
    addProducer(rig, P, { sends: 20, sendIntervalMs: 20 });
    rig.sim.at(250_000, 'crash producer', () => rig.sim.crash(P));
    rig.sim.at(260_000, 'restart producer', () => rig.sim.start(P));
    // The broker answers the old incarnation's produces now, over what is a new connection in the model.
    rig.sim.at(450_000, 'late answers', () => {
      const broker = rig.broker(1);
      const log = broker.log('t', 0);
      for (const r of answeredLate) {
        const baseOffset = log.findIndex((x) => x.value === r.value);
        const answer: ClientResponse = {
          type: 'ProduceResponse',
          correlationId: r.correlationId,
          topic: r.topic,
          partition: r.partition,
          error: 'NONE',
          baseOffset,
        };
        broker.ctx.send(P, answer);
      }
    });
    rig.sim.run({ untilUs: 20_000_000 });
    expect(answeredLate.length).toBeGreaterThan(0);
    const events = rig.recorder.events;
    assertWellFormed(events);
    const log = rig.broker(1).log('t', 0);
    const ok = sendValues(events, 'ok');
    expect(ok.length).toBeGreaterThan(0);
    // Every acknowledged send is in the log at the offset it was acknowledged at.
    for (const v of ok) expect(log[v.offset!]?.value).toBe(v.value);
  });
});

describe('determinism', () => {
  it('the same seed gives the same history and event hash', () => {
    const once = () => {
      const rig = fakeRig(30, { hook: (req) => (req.baseSequence % 7 === 3 ? 'append-silently' : 'append') });
      addProducer(rig, P, { sends: 30, keys: 3, sendIntervalMs: 5 });
      rig.sim.run({ untilUs: 10_000_000 });
      return { history: JSON.stringify(rig.recorder.events), hash: rig.sim.hash() };
    };
    const a = once();
    const b = once();
    expect(b.history).toBe(a.history);
    expect(b.hash).toBe(a.hash);
  });

  it('pads values to the drawn size and closes a batch at batch.size bytes (MemoryRecordsBuilder.hasRoomFor)', () => {
    // The first request is never answered: while it times out (1 s) the other sends queue up.
    const rig = fakeRig(31, { hook: firstRequest('silence') });
    const config = { ...FAST_CONFIG, 'max.in.flight.requests.per.connection': 1 };
    addProducer(rig, P, { sends: 10, sendIntervalMs: 1, config, valueBytes: { min: 4_000, max: 4_000 } });
    rig.sim.run({ untilUs: 5_000_000 });
    const requests = rig.broker(1).received.filter((m) => m.type === 'ProduceRequest');
    // 61 bytes of batch header + 4 records of 4,009 bytes = 16,097 ≤ 16,384; a fifth does not fit.
    const counts = requests.map((r) => r.records.length);
    expect(Math.max(...counts)).toBe(4);
    for (const r of requests) for (const rec of r.records) expect(rec.value.length + (rec.padBytes ?? 0)).toBe(4_000);
    const ok = sendValues(rig.recorder.events, 'ok');
    expect(ok).toHaveLength(10);
    // The history keeps the labels; the log's records carry the padding.
    for (const v of ok) expect(v.value).toMatch(/^v200-\d+$/);
    const sizes = rig
      .broker(1)
      .log('t', 0)
      .map((r) => r.value.length + (r.padBytes ?? 0));
    expect(sizes).toEqual(Array(10).fill(4_000));
  });
});
