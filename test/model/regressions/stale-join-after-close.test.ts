// A closed group member is not brought back by the failure of a join or sync it sent before
// (model/group-consumer.ts staleRequest; ClassicKafkaConsumer.close closes the consumer's
// NetworkClient, so nothing a closed consumer sent reaches its successor).
//
// Swarm seed 60007870 (base 60000000, the correct model, combined mode, manual commits and
// stalls), reported as excess-duplicate: member-2-4-0 closed (churn leave, LeaveGroup answered)
// while a SyncGroup of an earlier membership was still in flight; its timeout set the closed
// member back to `unjoined`, so it joined again on its old process (member-2-4-1, generation
// 11) and fetched t-0 from 42. The rejoin timer of the close then subscribed its successor
// (member-2-4-3) on a fresh process, leaving the old stream running; when member-2-4-3 was
// assigned t-0 in generation 13, it restarted that stream, recorded on the old process, from
// the committed offset 42: "offset 42 returned twice to member-2-4-1 in generation 11".

import { describe, expect, it } from 'vitest';
import { clientOfProcess } from '../../../model/client-process.ts';
import { fixtureInput, rerun } from './helpers.ts';

describe('a join or sync of a closed membership', () => {
  it('seed 60007870: a member closed during a stale sync does not join again on its old process', () => {
    const { result, failing } = rerun(60007870, fixtureInput(60007870), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.verdict.stats?.['groups.commits']).toBeGreaterThan(0);
    // once a client subscribes on a new process (a new KafkaConsumer), its earlier processes
    // (the closed consumers) record no assignment, seek or poll any more
    const history = result.trace!.history;
    const current = new Map<number, number>();
    let successions = 0;
    for (const e of history) {
      const process = Number(e.process);
      const client = clientOfProcess(process);
      if (client === undefined) continue;
      if (e.f === 'subscribe' && e.type === 'ok') {
        if (current.has(client) && current.get(client) !== process) successions++;
        current.set(client, process);
      } else if (e.f === 'assignment' || e.f === 'assign' || e.f === 'poll') {
        const live = current.get(client);
        if (live !== undefined) expect(process, `${e.f} at ${e.time} µs on a closed consumer`).toBe(live);
      }
    }
    expect(successions).toBeGreaterThan(0);
  });
});
