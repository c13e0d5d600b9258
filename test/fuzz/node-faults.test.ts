// Faults on every node kind and triggers on code probes (issue 18, driver/injector.ts): a kill -9
// and a power loss of a client or of any controller voter, a fault that fires right after the
// model reaches a code probe (on the node the probe ran on), and one that fires while a
// deposed leader still holds produces waiting for acks=all. All on the real model.

import { describe, expect, it } from 'vitest';
import { runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import type { EventPattern, Fault, ScenarioInput } from '../../scenarios/index.ts';

function input(faults: Fault[], controllers: 1 | 3 = 3): ScenarioInput {
  return {
    shape: { brokers: 3, replicationFactor: 3, minInsync: 2, partitions: 1, timing: {}, controllers },
    workload: { producers: 1, consumers: 1, sends: 40, keys: 0, sendIntervalMs: 500, pollIntervalMs: 100 },
    faults,
    healAtMs: 90_000,
  };
}

const at = (atMs: number) => ({ kind: 'at' as const, atMs });
const on = (event: Partial<EventPattern> & Pick<EventPattern, 'probe'>) => ({
  kind: 'on' as const,
  event: { broker: null, partition: null, change: 'any' as const, appendedOnly: false, ...event },
  nth: 1,
  afterMs: 0,
  delayUs: 0,
});
const run = (faults: Fault[], controllers: 1 | 3 = 3) =>
  runScenario(deps, { seed: 7, scenario: 'test', variant: 'correct', trace: true, input: input(faults, controllers) });

describe('faults on clients and on any controller voter', () => {
  it('a kill -9 of the producer: a new incarnation finishes the workload; the run is correct', () => {
    const r = run([
      { trigger: at(3_000), action: { kind: 'crash', target: { kind: 'producer', index: 0 }, downMs: 2_000 } },
    ]);
    expect(r.trace!.faults[0].description).toBe('crash (kill -9) producer-200, restart after 2000 ms');
    expect(r.outcome).toBe('ok');
    const sends = r.trace!.history.filter((e) => e.f === 'send' && e.type === 'invoke');
    const before = new Set(sends.filter((e) => e.time < 3_000_000).map((e) => e.process));
    const after = sends.filter((e) => e.time >= 5_000_000);
    expect(before.size).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    // The new incarnation never reuses a history process of the old one.
    for (const e of after) expect(before.has(e.process)).toBe(false);
  });

  it('a power loss of the consumer and of controller voter #2 (whatever its role); the run is correct', () => {
    const r = run([
      {
        trigger: at(3_000),
        action: { kind: 'power-loss', targets: [{ kind: 'consumer', index: 0 }], downMs: 2_000, tornTail: false },
      },
      {
        trigger: at(6_000),
        action: { kind: 'power-loss', targets: [{ kind: 'voter', index: 2 }], downMs: 5_000, tornTail: true },
      },
    ]);
    expect(r.trace!.faults.map((f) => f.description)).toEqual([
      'power loss of consumer-300, restart after 2000 ms',
      expect.stringMatching(/^power loss of controller-\d+ \(torn tail\), restart after 5000 ms$/),
    ]);
    expect(r.outcome).toBe('ok');
    expect(r.beyondPromise).toBe(false);
  });

  it('a clean shutdown of a voter or a client is skipped: its graceful path is not modelled', () => {
    const r = run([
      { trigger: at(3_000), action: { kind: 'restart', target: { kind: 'voter', index: 1 }, downMs: 1_000 } },
      { trigger: at(4_000), action: { kind: 'restart', target: { kind: 'producer', index: 0 }, downMs: 1_000 } },
    ]);
    expect(r.trace!.faults.map((f) => f.description)).toEqual([
      expect.stringMatching(/\(skipped: a clean shutdown of controller-\d+ is not modelled\)$/),
      expect.stringMatching(/\(skipped: a clean shutdown of producer-200 is not modelled\)$/),
    ]);
    expect(r.outcome).toBe('ok');
  });
});

describe('triggers on code probes', () => {
  // A killed broker restarts fenced, and its partition's leader will not take it back into the
  // ISR until the controller unfences it: isr-ineligible-fenced-broker runs on that leader broker.
  const kill2: Fault = {
    trigger: at(3_000),
    action: { kind: 'crash', target: { kind: 'broker', id: 2 }, downMs: 1_000 },
  };
  const pauseSubject = (event: Parameters<typeof on>[0]): Fault => ({
    trigger: on(event),
    action: { kind: 'pause', target: { kind: 'subject', index: 0 }, durationMs: 500 },
  });

  it('fires right after the probe, on the broker it ran on; a broker filter selects that broker only', () => {
    const first = run([kill2, pauseSubject({ probe: 'code', codeProbe: 'isr-ineligible-fenced-broker' })]);
    const fired = first.trace!.faults[1];
    const m = /^pause \(SIGSTOP\) broker (\d) for 500 ms, then resume it$/.exec(fired.description);
    expect(m, fired.description).not.toBeNull();
    expect(first.codeProbes).toContain('isr-ineligible-fenced-broker');
    const broker = Number(m![1]);
    const same = run([kill2, pauseSubject({ probe: 'code', codeProbe: 'isr-ineligible-fenced-broker', broker })]);
    const again = same.trace!.faults[1];
    expect([again.description, again.startUs]).toEqual([fired.description, fired.startUs]);
    const other = (broker % 3) + 1;
    const none = run([
      kill2,
      pauseSubject({ probe: 'code', codeProbe: 'isr-ineligible-fenced-broker', broker: other }),
    ]);
    expect(none.trace!.faults[1].description).toMatch(/never fired/);
  });

  it('a probe the run never reaches never fires its fault', () => {
    const r = run([kill2, pauseSubject({ probe: 'code', codeProbe: 'election-from-elr' })]);
    expect(r.codeProbes).not.toContain('election-from-elr');
    expect(r.trace!.faults[1].description).toMatch(/never fired/);
  });
});

describe('a fault while a produce is in flight to a leader being deposed', () => {
  it('fires when the controller moves leadership away from a leader that holds waiting produces', () => {
    // Broker 1 leads (the first replica); cut from the controller it is fenced after its session
    // times out, while slow links to its followers keep its produces waiting for acks=all.
    const b1 = { kind: 'broker' as const, id: 1 };
    const r = run(
      [
        {
          trigger: at(2_000),
          action: { kind: 'cut', cut: { shape: 'link', a: b1, b: { kind: 'controller' } }, durationMs: 30_000 },
        },
        {
          trigger: at(2_000),
          action: { kind: 'slow', target: b1, peer: { kind: 'broker', id: 2 }, extraMs: 1_500, durationMs: 30_000 },
        },
        {
          trigger: at(2_000),
          action: { kind: 'slow', target: b1, peer: { kind: 'broker', id: 3 }, extraMs: 1_500, durationMs: 30_000 },
        },
        {
          trigger: on({ probe: 'deposed-with-produce-in-flight' }),
          action: { kind: 'crash', target: { kind: 'subject', index: 0 }, downMs: 1_000 },
        },
      ],
      1,
    );
    const f = r.trace!.faults[3];
    expect(f.description).toBe('crash (kill -9) broker 1, restart after 1000 ms');
    expect(f.trigger).toBe('right after a broker is deposed while produces wait on it, the first time after 0 ms');
    expect(f.startUs).toBeGreaterThan(2_000_000);
    expect(r.outcome).toBe('ok');
  });
});
