// The code probes fault triggers draw from (scenarios/arbitraries.ts TRIGGER_CODE_PROBES) are part of
// every swarm seed's scenario: a probe that joins the list shifts the draw of every seed that waits
// for a code probe, in every mode. A probe added later must carry notATrigger (model/code-probes.ts
// ADDED_AFTER_TRIGGER_DRAWS). Seed 520046712's fix added one without it and moved 4 of 2,000 KRaft
// seeds (base 480,000,000) and about one ZooKeeper-mode seed in ten, although its rule touched
// ZooKeeper mode alone. This pins the list: changing it is a decision that re-bases every campaign.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TRIGGER_CODE_PROBES } from '../../scenarios/arbitraries.ts';

describe('the code probes fault triggers draw from', () => {
  it('are the 196 the swarm has drawn from since they were last re-based (new probes carry notATrigger)', () => {
    const digest = createHash('sha256').update(TRIGGER_CODE_PROBES.join('\n')).digest('hex').slice(0, 16);
    expect(TRIGGER_CODE_PROBES.length).toBe(196);
    expect(digest).toBe('57c5c67bbcc128d0');
  });
});
