// Bug zoo: controlled-shutdown-isr (undoes KIP-841: KAFKA-13916 with KAFKA-13858). A broker
// in controlled shutdown stays ISR-eligible: the leader proposes it and the controller accepts
// it, and the broker keeps fetching for partitions it was taken out of.
// Schedule (3 brokers, topic t with 3 partitions, RF 3, min.insync.replicas 2): the first
// broker to unfence leads every partition, so it is killed and restarted to spread the
// leaderships (replica order). Records commit on t/0 and t/2; S, the leader of t/2 and an ISR
// member of t/0, is asked to stop. The controller moves t/2 away and removes S from every
// ISR (handleBrokerInControlledShutdown).
// On the variant S keeps fetching t/0 and its leader proposes it again: the controller adds a
// stopping broker to the ISR. On the correct model S stops fetching, the leader does not
// propose it (not ISR-eligible), and S is let go, fenced, and goes down within seconds.
// Caught by: isr-eligible.

import { describe, expect, it } from 'vitest';
import { runSchedule, type Schedule } from './harness.ts';

const opts = { topics: [{ name: 't', partitions: 3, replicationFactor: 3 }] };
/** Kafka's broker shutdown timeout (KafkaBroker.shutdown: 5 minutes). */
const STOP_TIMEOUT_US = 300_000_000;

let downAtUs = -1;
let askedAtUs = -1;

const settledAll = (c: Parameters<Schedule>[0]): boolean => [0, 1, 2].every((p) => c.settled('t', p));

const schedule: Schedule = (c) => {
  c.runUntil(() => settledAll(c), 30_000_000);
  const first = c.state('t', 0).leader;
  c.sim.crash(first);
  c.runUntil(() => [0, 1, 2].every((p) => c.state('t', p).leader > 0 && c.state('t', p).leader !== first), 30_000_000);
  c.sim.start(first);
  c.runUntil(() => settledAll(c) && [0, 1, 2].every((p) => c.state('t', p).isr.length === 3), 60_000_000);
  const s = c.state('t', 2).leader;
  const l0 = c.state('t', 0).leader;
  for (let i = 0; i < 3; i++) {
    c.produceAndWait(l0, [`a${i}`]);
    c.produceAndWait(s, [`b${i}`], { partition: 2 });
  }
  if (s === l0 || !c.state('t', 0).isr.includes(s)) {
    throw new Error('schedule: S must lead t/2 and follow t/0 in its ISR');
  }
  askedAtUs = c.sim.now();
  downAtUs = -1;
  c.sim.requestStop(s, STOP_TIMEOUT_US, () => {
    downAtUs = c.sim.now();
  });
  // A trickle of records on t/0 while S is stopping.
  for (let i = 0; i < 4 && downAtUs < 0; i++) {
    c.produce(l0, [`late${i}`]);
    c.runFor(500_000);
  }
  c.runUntil(() => downAtUs >= 0, 20_000_000);
  c.runFor(1_000_000);
};

describe('zoo: controlled-shutdown-isr', () => {
  it('the variant adds the stopping broker back to an ISR', () => {
    const out = runSchedule('controlled-shutdown-isr', opts, schedule);
    expect(out.kinds).toContain('isr-eligible');
  });

  it('the correct model keeps it out, lets it go within seconds and fences it', () => {
    const out = runSchedule('correct', opts, schedule);
    expect(out.anomalies).toEqual([]);
    const c = out.cluster;
    expect(c.probesOf('controlled-shutdown')).toHaveLength(1);
    expect(downAtUs).toBeGreaterThan(askedAtUs);
    // Granted once every active broker has the removal: well before a session timeout.
    expect(downAtUs - askedAtUs).toBeLessThan(c.config['broker.session.timeout.ms'] * 1000);
    const s = c.probesOf('controlled-shutdown')[0].e.broker as number;
    expect(c.controller().registration(s)?.fenced).toBe(true);
    for (const p of [0, 1, 2]) expect(c.state('t', p).isr).not.toContain(s);
  });
});
