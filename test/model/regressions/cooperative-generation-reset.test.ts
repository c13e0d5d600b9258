// Regression (model: a cooperative member whose generation was reset during a rebalance).
// A member of the cooperative-sticky protocol (KIP-429) keeps its partitions, and its stream
// positions, through a rebalance. Cut off from its coordinator for a moment, it had been
// removed from the group; its commit failed UNKNOWN_MEMBER_ID while it was rejoining, and its
// JoinGroup too. The model kept the member's generation and partitions and joined again as a
// new member claiming them: the leader kept them with it (the claim was the only one), and the
// member went on from its old position, below what the group had committed meanwhile.
//
// In Kafka an UNKNOWN_MEMBER_ID answer resets the member id and the generation
// (AbstractCoordinator.resetStateOnResponseError → resetStateAndGeneration, needsJoinPrepare),
// and the next onJoinPrepare, with no generation, gives every owned partition away as lost
// (ConsumerCoordinator.onJoinPrepare: invokePartitionsLost, assignFromSubscribed(empty)); a
// partition handed back starts at the committed offset. The model now does the same.
//
// Fuzzer report: consumer-group, correct model, seed 18001143 of base seed 18000000 (a group
// of 2 with the cooperative-sticky assignor and manual commits, churn): "excess-duplicate:
// group g1: t-0 offset 12 was returned again to member-0-1-8 in generation 16, though the group
// had committed offset 13 (event 884) before that assignment and nothing reset it."

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a cooperative member whose generation is reset while it rejoins', () => {
  it('seed 18001143: it loses its partitions before joining again and starts them at the committed offsets', () => {
    const { result, failing } = rerun(18001143, fixtureInput(18001143), 'correct');
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.codeProbes).toContain('group-cooperative-partitions-lost-before-join');
  });
});
