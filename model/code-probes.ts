// The Kafka model's code probes (FoundationDB's CODE_PROBE; the mechanism is
// harness/code-probes.ts): every rare or dangerous protocol situation the model can get into,
// each with a stable name, the Kafka class and method whose branch it marks, and one sentence
// saying what happened. The model marks them with `codeProbe('name')` on the branch itself;
// a misspelt name does not compile. Campaigns count, per probe, the seeds that reached it
// (campaign/summary.ts) and bench/coverage.ts lists those no seed reaches.
//
// Rules for adding one: a probe marks a situation worth knowing a campaign exercises (a
// truncation, a fence, an election from an unusual set, an error branch), never a routine
// step; it is one line on the branch, with no side effect; a probe only a bug-zoo variant can
// reach says so in `reachable`. Names are stable (reports and summaries key on them); new
// probes go at the end of their group. The per-seed bitset (seeds.jsonl) follows this order.

import { hitCodeProbe } from '../harness/code-probes.ts';
import type { ControllerErrorCode } from './internal-protocol.ts';

export interface CodeProbeInfo {
  /** The Kafka class and method (or KIP) whose branch the probe marks. */
  readonly kafka: string;
  /** What happened, in one sentence. */
  readonly description: string;
  /**
   * Set when bench/coverage.ts's swarm seeds of the correct model do not reach it: why ("no: …"
   * when nothing in the model can; "not in the correct model: …" when only a bug-zoo variant or a
   * setting the scenarios never use can; "rare: …" when larger campaigns reach it seldom or not).
   */
  readonly reachable?: string;
  /**
   * Set when fault triggers may not wait for it (scenarios/arbitraries.ts TRIGGER_CODE_PROBES),
   * saying why: a reachable probe added to that list would shift every swarm seed's trigger draw.
   */
  readonly notATrigger?: string;
  /**
   * Set on a probe given a `reachable` reason after the swarm drew its triggers from the list of probes without
   * one: it stays a trigger (scenarios/arbitraries.ts TRIGGER_CODE_PROBES), or every swarm seed that draws a
   * code-probe trigger would change its scenario.
   */
  readonly keptAsTrigger?: true;
}

/** Why a probe added after the trigger list was drawn from is not offered to fault triggers. */
const ADDED_AFTER_TRIGGER_DRAWS =
  'added after the swarm drew its triggers from this list: offering it would change the scenario of seeds ' +
  'that draw a code-probe trigger (new draws go last)';

/** A probe of the pre-2.7 paths (ISR writes, follower truncation): only with inter.broker.protocol.version 2.6. */
const IBP_26_ONLY =
  'not in the swarm: only in ZooKeeper mode with inter.broker.protocol.version 2.6 ' +
  '(`--controller zookeeper --inter-broker-protocol-version 2.6`, or the variant isr-write-ignores-zkversion)';

/**
 * A ZooKeeper-mode probe no ZooKeeper-mode seed of two large campaigns reached (the swarm draws that mode in
 * one seed of five, SWARM_DRAWS_ZOOKEEPER): rare, not unreachable; `needs` says what it takes.
 */
function zkRare(needs: string): string {
  return (
    'rare in ZooKeeper mode: none of the 19,892 ZooKeeper-mode seeds of 100,000 swarm seeds (base 220,000,000) ' +
    `nor 60,000 seeds of a \`--controller zookeeper\` campaign (base 230,000,000) reached it; it needs ${needs}`
  );
}

/** A ZooKeeper-mode admin election probe (the leader-election fault) 6,000 `--controller zookeeper` seeds missed. */
function zkAdminElectionRare(needs: string): string {
  return (
    'rare in ZooKeeper mode: none of 6,000 seeds of `--controller zookeeper` campaigns (bases 330,000,000 and ' +
    '331,000,000; the leader-election fault is a small-weight kind, unclean one time in five) reached it; ' +
    `it needs ${needs}`
  );
}

/**
 * A probe the 100,000 swarm seeds of base 220,000,000 reached `seeds` times and the 10,000 of
 * bench/coverage.ts (base 1) not at all: rare, not unreachable; `needs` says what it takes.
 */
function rare(seeds: number, needs: string): string {
  return (
    `rare: ${seeds} of 100,000 swarm seeds (base 220,000,000) reached it, none of the 10,000 of ` +
    `bench/coverage.ts (base 1); it needs ${needs}`
  );
}

/**
 * An acks=all append reported NOT_ENOUGH_REPLICAS_AFTER_APPEND: the HW must pass it while the maximal ISR is
 * below min.insync.replicas.
 */
const HW_HELD_BELOW_MIN_ISR =
  'not from Kafka 3.7 on (every scenario but `@3.6`): since KAFKA-15583 Partition.maybeIncrementLeaderHW ' +
  'holds the HW while the ISR is below min.insync.replicas (isUnderMinIsr, with or without ELR), the maximal ISR ' +
  'holds the ISR, and the model completes a waiting append in the event the HW passes it; reached on 3.6 ' +
  '(`--scenario swarm@3.6`)';

const CODE_PROBES = {
  // --- the replica log and its recovery (replica-log.ts)
  'log-recovery-torn-entry': {
    kafka: 'LogSegment.recover',
    description: 'Recovery after an unclean shutdown found a torn entry (bad CRC) and cut the log there.',
  },
  'log-recovery-partial-batch': {
    kafka: 'LogSegment.recover',
    description:
      'Recovery discarded the start of a batch whose last record never reached the disk (partial writeback).',
  },
  'log-recovery-dropped-tail': {
    kafka: 'LogLoader.recoverLog',
    description: 'Recovery after an unclean shutdown dropped the tail of a log (records lost with the page cache).',
  },
  'log-recovery-hw-above-log-end': {
    kafka: 'UnifiedLog.updateHighWatermark',
    description: 'The high watermark checkpoint was above the recovered log end and was clamped to it.',
  },
  'truncate-below-hw': {
    kafka: 'UnifiedLog.truncateTo',
    description: 'A replica truncated its log below its own high watermark (records it had counted committed).',
  },
  'truncate-to-empty-log': {
    kafka: 'UnifiedLog.truncateTo',
    description: 'A replica truncated its whole log away (to offset 0).',
  },
  'truncate-trims-empty-epoch': {
    kafka: 'UnifiedLog.truncateTo',
    description:
      'A truncation with nothing to cut dropped an epoch-cache entry past the log end (an epoch never ' +
      'written in).',
  },
  'clean-start-torn-log': {
    kafka: 'LogLoader.load (hadCleanShutdown skips recovery); LogManager deletes the marker unflushed',
    description:
      'A clean start found a torn entry in a log: the clean-shutdown marker came back from a power loss ' +
      'that struck mid-writeback before its deletion was committed.',
    reachable:
      'rarely if ever: it needs a torn power loss within the 5 s before the journal commits the ' +
      "marker's deletion, with the log's new pages already being written back",
  },
  'segment-rolled-by-time': {
    kafka: 'LogSegment.shouldRoll (log.roll.ms)',
    description:
      'The active segment rolled because its first batch was older than log.roll.ms, not because it was full.',
  },
  'truncate-inside-batch': {
    kafka: 'LocalLog.truncateTo (LogSegment.truncateTo at translateOffset(target); updateLogEndOffset(target))',
    description:
      'A truncation target fell inside a batch: the whole batch was cut and its offsets below the target ' +
      'left as a gap (ZooKeeper mode: a leader that lost its log wrote other batches in the same epoch; ' +
      "either mode: a divergence answered with the leader's log start, inside a batch of the follower's " +
      'divergent tail).',
    // KRaft seed 220003841 (4.1): leader 2 of epoch 2 had its log start, and so its cache's first entry
    // (truncateFromStart), at 28; follower 1, back with its divergent epoch-1 tail 0–31, got
    // DivergingEpoch(1, 28) (LeaderEpochFileCache.endOffsetFor: an epoch older than every entry gets the
    // first entry's start) and cut at min(32, 28) = 28, inside its batch 20–29.
    reachable: rare(
      9,
      'a truncation target inside a batch: a leader that lost a batch wrote others in the same epoch ' +
        "(ZooKeeper mode), or a divergence answered with the leader's log start inside a batch of the " +
        "follower's divergent tail (either mode; test/model/truncate-inside-batch.test.ts)",
    ),
  },
  'follower-appended-past-gap': {
    kafka: 'UnifiedLog.append (only a first offset below the log end is refused)',
    description: "A follower appended fetched records past its log end or across the leader's gap, leaving a gap.",
    reachable: zkRare(
      'a follower truncated inside a batch (truncate-inside-batch) to fetch across the gap; a schedule shifted ' +
        "from seed 137007625's does (test/model/regressions/zk-truncate-inside-batch.test.ts)",
    ),
  },
  'truncate-deletes-segment': {
    kafka: 'LocalLog.truncateTo (segments with baseOffset > target deleted)',
    description: 'A truncation (or recovery) deleted a whole segment file above the truncation point.',
  },
  'log-recovery-segment-gap': {
    kafka: 'LogLoader.recoverLog',
    description:
      'Recovery found a segment starting past the end of the one before it (that one lost its tail) and cut there.',
  },
  'log-recovery-trusted-torn-batch': {
    kafka: 'LogSegment.recover (without batch.ensureValid)',
    description: 'Recovery kept a torn batch without checking its CRC: records whose pages never reached the disk.',
    reachable: 'not in the correct model: only with the zoo variant recovery-trusts-tail',
  },
  // --- the leader-epoch cache (epoch-cache.ts)
  'epoch-cache-non-monotonic-dropped': {
    kafka: 'LeaderEpochFileCache.assign (maybeTruncateNonMonotonicEntries)',
    description: 'Assigning an epoch dropped cache entries that would have broken monotonicity.',
  },
  'epoch-checkpoint-tmp-discarded': {
    kafka: 'CheckpointFile.write (temporary file, fsync, atomic rename)',
    description: 'Loading the epoch checkpoint found a half-written temporary file from a crash and discarded it.',
    reachable: 'no: a checkpoint is written, fsynced and renamed within one event, and crashes fall between events',
  },
  'epoch-lookup-below-oldest': {
    kafka: 'LeaderEpochFileCache.endOffsetFor',
    description: 'An epoch lookup asked for an epoch older than every cached one and got the first start offset.',
  },
  'epoch-lookup-above-latest': {
    kafka: 'LeaderEpochFileCache.endOffsetFor',
    description: 'An epoch lookup asked for an epoch newer than the latest cached one (the asker saw a later leader).',
    // Reached in the correct model (14 of 100,000 swarm seeds, base 220,000,000, e.g. 220007257) only through a
    // divergence since fixed: a group member started at a committed offset whose leader epoch (2) was newer than
    // its metadata's (1) and validated against the deposed leader. Kafka's consumer does not, nor the model now
    // (client-metadata.ts: ConsumerUtils.refreshCommittedOffsets → Metadata.updateLastSeenEpochIfNewer, then
    // currentLeader has no leader until metadata of that epoch arrives; test/model/regressions/
    // committed-epoch-ahead-of-metadata). 0 of 1,500 consumer-group (base 243,000,000) and 1,500 swarm seeds
    // (base 243,100,000) reached it after the fix.
    reachable:
      "rarely if ever since a fix: the epoch asked for is at most the asker's current leader epoch, which " +
      'Partition.lastOffsetForLeaderEpoch checks first (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH), and a leader ' +
      'caches its own epoch on becoming leader (Partition.makeLeader → maybeAssignEpochStartOffset); 14 of 100,000 ' +
      'swarm seeds (base 220,000,000) reached it through a consumer divergence since fixed, none of 100,000 (base ' +
      '280,000,000) nor 100,000 `--controller zookeeper` seeds (base 270,000,000) after it',
    keptAsTrigger: true,
  },
  'epoch-checkpoint-unsynced-write': {
    kafka: 'LeaderEpochFileCache.truncateFromEnd (3.7, KAFKA-15046: writeToFile(false))',
    description: 'A truncation rewrote the epoch checkpoint without fsync or directory flush (Kafka 3.7; KAFKA-16541).',
    reachable:
      'not on the newest version: only with kafka.version 3.7 (e.g. --scenario swarm@3.7) or the zoo variant ' +
      'epoch-checkpoint-unsynced',
  },
  // --- idempotent produce on the leader (partition.ts, producer-state.ts)
  'produce-duplicate-batch': {
    kafka: 'ProducerStateEntry.findDuplicateBatch',
    description: 'A retried batch was recognised as a duplicate and answered with its original offsets.',
  },
  'produce-out-of-order-sequence': {
    kafka: 'ProducerAppendInfo.checkSequence',
    description: 'A produce was refused with OUT_OF_ORDER_SEQUENCE_NUMBER (a gap after the last sequence).',
  },
  'produce-unknown-producer-mid-sequence': {
    kafka: 'ProducerAppendInfo.checkSequence',
    description: 'A producer with no state on the leader (truncated away) continued mid-sequence and was accepted.',
  },
  'produce-rejected-below-min-isr': {
    kafka: 'Partition.appendRecordsToLeader',
    description:
      'An acks=all produce was refused with NOT_ENOUGH_REPLICAS before append (ISR below min.insync.replicas).',
  },
  'produce-not-enough-replicas-after-append': {
    kafka: 'Partition.checkEnoughReplicasReachOffset',
    description: 'An appended acks=all produce completed with NOT_ENOUGH_REPLICAS_AFTER_APPEND.',
    reachable: HW_HELD_BELOW_MIN_ISR,
  },
  'delayed-produce-timed-out': {
    kafka: 'DelayedProduce.onExpiration',
    description: 'A produce waiting for replication expired with REQUEST_TIMED_OUT.',
  },
  'delayed-produce-failed-on-leadership-loss': {
    kafka: 'Partition.makeFollower (delayed operations completed)',
    description: 'Produces waiting for replication failed with NOT_LEADER_OR_FOLLOWER as the leader lost leadership.',
  },
  // --- leader: HW and ISR (partition.ts)
  'leader-reelected-new-epoch': {
    kafka: 'Partition.makeLeader',
    description: 'A leader was made leader again in a newer leader epoch without having followed in between.',
  },
  'pending-isr-expansion-reset': {
    kafka: 'Partition.makeLeader',
    description: 'New metadata replaced the partition state while an ISR expansion was in flight (maximal ISR reset).',
  },
  'pending-isr-shrink-reset': {
    kafka: 'Partition.makeLeader',
    description: 'New metadata replaced the partition state while an ISR shrink was in flight.',
  },
  'leader-demoted-with-pending-isr-change': {
    kafka: 'Partition.makeFollower',
    description: 'A leader became a follower while its AlterPartition was in flight.',
  },
  'hw-frozen-isr-below-min': {
    kafka: 'Partition.maybeIncrementLeaderHW (KIP-966)',
    description: 'With ELR, the leader held its HW because the ISR was below min.insync.replicas.',
  },
  'isr-shrink-below-min-isr': {
    kafka: 'Partition.maybeShrinkIsr',
    description: 'The leader proposed an ISR smaller than min.insync.replicas.',
  },
  'isr-expansion-waits-for-epoch-start': {
    kafka: 'Partition.isFollowerInSync (KAFKA-7128)',
    description:
      'A follower at the HW was kept out of the ISR because it had not reached the leader epoch start offset.',
  },
  'isr-ineligible-fenced-broker': {
    kafka: 'Partition.isReplicaIsrEligible (KIP-903)',
    description:
      'A caught-up replica was not ISR-eligible because the metadata shows its broker fenced or unregistered.',
  },
  'isr-ineligible-stale-broker-epoch': {
    kafka: 'Partition.isReplicaIsrEligible (KIP-903)',
    description: "A replica's fetches carried a broker epoch other than its current registration's.",
  },
  'alter-partition-resent-after-timeout': {
    kafka: 'AlterPartitionManager',
    description: 'An AlterPartition got no answer in time and was sent again.',
  },
  'alter-partition-answer-stale': {
    kafka: 'Partition.handleAlterPartitionUpdate',
    description: 'An accepted AlterPartition answer was ignored: the leader had moved to a newer epoch meanwhile.',
    reachable:
      'no: new metadata drops the pending change (makeLeader), so a late answer finds no pending change to match',
  },
  'alter-partition-rolled-back': {
    kafka: 'Partition.handleAlterPartitionError',
    description:
      'The controller did not apply an ISR change (OPERATION_NOT_ATTEMPTED, INELIGIBLE_REPLICA): back to ' +
      'the committed ISR.',
  },
  'alter-partition-awaits-metadata': {
    kafka: 'Partition.handleAlterPartitionError',
    description:
      'An AlterPartition was fenced (stale epoch, not leader): the leader waits for the metadata to move it on.',
  },
  'alter-partition-retry-backoff': {
    kafka: 'AlterPartitionManager',
    description:
      'An AlterPartition got a retriable error (NOT_CONTROLLER from a voter that is not the active ' +
      'controller) and is resent after a backoff.',
  },
  // --- fetch served by the leader (partition.ts)
  'fetch-fenced-follower': {
    kafka: 'Partition.fetchRecords (KIP-320)',
    description: "A follower's fetch was refused with FENCED_LEADER_EPOCH: it still follows an older leader epoch.",
  },
  'fetch-fenced-consumer': {
    kafka: 'Partition.fetchRecords (KIP-320)',
    description: "A consumer's fetch was refused with FENCED_LEADER_EPOCH: its metadata is older than the leader's.",
  },
  'fetch-leader-epoch-ahead': {
    kafka: 'Partition.fetchRecords (KIP-320)',
    description: 'A fetch named a leader epoch newer than the broker knows (UNKNOWN_LEADER_EPOCH).',
  },
  'fetch-last-epoch-unknown-to-leader': {
    kafka: 'Partition.fetchRecords',
    description:
      "The leader's epoch cache has nothing at or below the fetch's last fetched epoch: " + 'OFFSET_OUT_OF_RANGE.',
    reachable:
      "not in the correct model: a leader's cache holds its own epoch, and KIP-320 fencing keeps the " +
      "asker's last epoch at most that; reached with no-epoch-fencing",
  },
  'fetch-diverging-follower': {
    kafka: 'Partition.fetchRecords (KIP-320, KAFKA-10554)',
    description: "The leader answered a follower's fetch with a DivergingEpoch: the follower's log forked.",
  },
  'fetch-diverging-consumer': {
    kafka: 'Partition.fetchRecords (KIP-320)',
    description: "The leader answered a consumer's fetch with a DivergingEpoch: what it read was truncated.",
    reachable:
      "no: Kafka's consumer sends no last fetched epoch (AbstractFetch.prepareFetchRequests), so a leader " +
      'never answers it with a DivergingEpoch; it finds truncation by validation (consumer-truncation-detected)',
  },
  'fetch-offset-beyond-log-end': {
    kafka: 'UnifiedLog.read',
    description: "A fetch asked for an offset past the leader's log end (OFFSET_OUT_OF_RANGE).",
  },
  'delayed-fetch-leadership-changed': {
    kafka: 'DelayedFetch.tryComplete',
    description: 'A fetch parked in purgatory was answered because the leader epoch or role changed under it.',
  },
  'fetch-epoch-below-leader-cache-no-divergence': {
    kafka: 'Partition.readRecords; LeaderEpochFileCache.endOffsetFor after truncateFromStart',
    description:
      "A follower's last fetched epoch is older than every epoch in the leader's cache, whose first start offset " +
      'is the fetch offset: no divergence, served (the shape of test/model/findings/no-divergence-below-log-start).',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'fetch-above-bound-answered-at-once': {
    kafka: 'DelayedFetch.tryComplete (Case F: fetchOffset.messageOffset > endOffset.messageOffset; KAFKA-16452, 3.8)',
    description:
      'A consumer fetch above its bound (read_committed: between the LSO and the HW) read nothing and was ' +
      'answered at once instead of waiting out fetch.max.wait.ms.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'fetch-past-log-end-gap': {
    kafka: 'LocalLog.read ("return the empty set with log end offset metadata"); Partition.fetchRecords',
    description:
      "A follower fetched inside a gap at the leader's log end: no batch at or past its offset, so the read's " +
      "offset metadata, which the leader records as the follower's log end, is the leader's log end.",
    reachable:
      'rare: 1 of 100,000 swarm seeds (base 300,000,000; 300014255, whose chain a shifted schedule now pins: ' +
      'test/model/regressions/zk-gap-at-leader-log-end.test.ts) and none of 100,000 `--controller zookeeper` ' +
      "seeds (base 290,000,000) reached it, none of bench/coverage.ts's 10,000; it needs a leader elected with a " +
      'gap at the end of its log: a truncation inside a batch in a ZooKeeper-mode reopened epoch (power losses)',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  // --- the follower's fetcher (partition.ts)
  'follower-fetch-answer-dropped': {
    kafka: 'AbstractFetcherThread.processFetchRequest',
    description: 'A follower dropped a fetch answer because its log end moved while the fetch was in flight.',
    reachable:
      "no: a follower's log changes only through its own fetch answers, one at a time, and a new leader " +
      'epoch restarts the fetcher',
  },
  'follower-fenced': {
    kafka: 'AbstractFetcherThread.onPartitionFenced',
    description: 'A follower was fenced (FENCED_LEADER_EPOCH) and stopped fetching until new metadata.',
  },
  'follower-offset-out-of-range': {
    kafka: 'AbstractFetcherThread.handleOutOfRangeError',
    description: 'A follower fetch got OFFSET_OUT_OF_RANGE and asked the leader for its log end.',
  },
  'follower-truncated-to-leader-log-end': {
    kafka: 'AbstractFetcherThread.fetchOffsetAndTruncate',
    description: "A follower ahead of its leader truncated to the leader's log end.",
    reachable: rare(
      3,
      "a follower ahead of its leader's log end told OFFSET_OUT_OF_RANGE (a fetch below the leader's " +
        'log start), in a run beyond the promise',
    ),
  },
  'follower-truncated-on-divergence': {
    kafka: 'AbstractFetcherThread.truncateOnFetchResponse',
    description: 'A follower truncated its log on a DivergingEpoch answer.',
  },
  'follower-kept-records-below-leader-log-start': {
    kafka: 'LeaderEpochFileCache.endOffsetFor after truncateFromStart; AbstractFetcherThread.getOffsetTruncationState',
    description:
      "A follower's divergence truncation stopped at or below the leader's log start: the records it keeps below " +
      'it, the leader can no longer confirm (the shape of test/model/findings/divergence-below-log-start.test.ts).',
  },
  'follower-diverged-unknown-leader-epoch': {
    kafka: 'AbstractFetcherThread.getOffsetTruncationState (KIP-279)',
    description:
      "The follower does not know the leader's diverging epoch: it cut to the end of its largest smaller " + 'epoch.',
  },
  'follower-diverged-no-own-epoch': {
    kafka: 'AbstractFetcherThread.getOffsetTruncationState',
    description: 'The follower has no epoch at or below the diverging one: it cut to the leader end offset.',
    reachable: "no: the diverging epoch is at most the follower's own last fetched epoch, which its cache holds",
  },
  'follower-hw-moved-back': {
    kafka: 'UnifiedLog.maybeUpdateHighWatermark',
    description: "A follower's high watermark moved backwards to its new leader's.",
  },
  'follower-no-epoch-truncated-to-hw': {
    kafka: 'ReplicaManager.initialFetchOffset, AbstractFetcherThread.truncateToHighWatermark',
    description: 'A follower with records but no leader-epoch cache entry cut its log to its high watermark.',
    // Seed 220049993 (4.1): t/0 on broker 2 took log start 13 from its leader right after fetching epoch-2
    // records from 13, so its cache became (2, 13), checkpointed; a power loss took the unflushed records
    // from 13, recovery dropped (2, 13) (truncateFromEnd(13)) and the stale log-start checkpoint (5) brought
    // records 5–12 back, with no epoch.
    reachable: rare(
      2,
      'a follower with records and an empty epoch cache after a power loss: the log start it took from its ' +
        'leader left one cache entry, starting there, checkpointed, the records from there were lost ' +
        'unflushed, and the log-start checkpoint, written only periodically, brought older records back ' +
        '(any version; test/model/follower-no-epoch.test.ts); in 3.7 also an emptied checkpoint (KAFKA-16541)',
    ),
  },
  'follower-truncated-by-offsets-for-leader-epoch': {
    kafka: 'AbstractFetcherThread.truncateToEpochEndOffsets → maybeTruncateToEpochEndOffsets (KIP-101)',
    description:
      "A truncating follower (IBP < 2.7) cut its log by the leader's OffsetsForLeaderEpoch answer before fetching.",
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'follower-epoch-unknown-walk-back': {
    kafka: 'AbstractFetcherThread.getOffsetTruncationState (KIP-279, truncationCompleted = false)',
    description:
      'A truncating follower (IBP < 2.7) did not know the epoch the leader answered: it cut to the end of its ' +
      'largest smaller epoch and asked OffsetsForLeaderEpoch again.',
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'follower-epoch-request-fenced': {
    kafka: 'AbstractFetcherThread.maybeTruncateToEpochEndOffsets (FENCED_LEADER_EPOCH → onPartitionFenced)',
    description:
      "A truncating follower's OffsetsForLeaderEpoch was fenced by a newer leader epoch: it waits for LeaderAndIsr.",
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'follower-epoch-request-retried': {
    kafka: 'AbstractFetcherThread.maybeTruncateToEpochEndOffsets (other errors → handlePartitionsWithErrors)',
    description:
      "A truncating follower's OffsetsForLeaderEpoch got NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH or " +
      'another error: it asks again after replica.fetch.backoff.ms.',
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  // --- the broker (broker.ts)
  'broker-reregisters-after-stale-epoch': {
    kafka: 'BrokerLifecycleManager (heartbeat STALE_BROKER_EPOCH)',
    description: 'The controller did not know the broker epoch of a heartbeat: the broker registered again.',
    reachable: 'no: follows controller-heartbeat-stale-broker-epoch',
  },
  'init-producer-id-before-registration': {
    kafka: 'TransactionCoordinator.handleInitProducerId',
    description: 'A producer asked a broker not yet registered for a producer id (BROKER_NOT_AVAILABLE).',
  },
  // --- the controller (controller.ts)
  'controller-recovery-dropped-tail': {
    kafka: 'KafkaRaftClient (log recovery)',
    description: 'The controller restarted and discarded a torn tail of the metadata log.',
    reachable:
      'no: every voter fsyncs its metadata log within the event that appends to it (the leader before it ' +
      'counts itself, a follower before its next fetch), so a power loss, which falls between events, finds ' +
      'nothing unflushed to tear',
  },
  'controller-duplicate-registration-refused': {
    kafka: 'ClusterControlManager.registerBroker',
    description: "A new broker incarnation was refused while the old one's session was alive.",
  },
  'controller-unclean-shutdown-registration': {
    kafka: 'ReplicationControlManager.handleBrokerUncleanShutdown (KIP-966)',
    description: 'A broker re-registered after an unclean shutdown and left every ISR and ELR.',
  },
  'controller-heartbeat-stale-broker-epoch': {
    kafka: 'ClusterControlManager.checkBrokerEpoch',
    description: 'The controller answered a heartbeat from an unknown or old registration with STALE_BROKER_EPOCH.',
    reachable:
      'no: a broker process registers once and the controller never forgets a registration (its log is ' +
      'durable), so heartbeats always carry the current epoch',
  },
  'controller-fenced-session-expired': {
    kafka: 'ReplicationControlManager.handleBrokerFenced',
    description: "A broker's session expired: the controller fenced it and moved its leaderships.",
  },
  'alter-partition-rejected-stale-broker-epoch': {
    kafka: 'ReplicationControlManager.alterPartition (checkBrokerEpoch)',
    description: "An AlterPartition came from a leader whose broker epoch is not its current registration's.",
    reachable:
      "no: same reason as controller-heartbeat-stale-broker-epoch (a live leader's registration is always " +
      'current)',
  },
  'alter-partition-rejected-not-controller': {
    kafka: 'ReplicationControlManager.validateAlterPartitionData',
    description: 'An AlterPartition named epochs newer than the controller knows (NOT_CONTROLLER).',
    reachable:
      'no: brokers learn only committed metadata and the controller never loses it, so no request names a ' +
      'newer epoch',
  },
  'alter-partition-rejected-invalid-request': {
    kafka: 'ReplicationControlManager.validateAlterPartitionData',
    description:
      'An AlterPartition came from a non-leader or proposed an ISR without the leader or with a non-replica.',
    reachable:
      'no: none of its three reasons can happen (alter-partition-invalid-not-leader, ' +
      'alter-partition-invalid-isr-member, alter-partition-invalid-isr-without-leader say why)',
  },
  'alter-partition-rejected-fenced-leader-epoch': {
    kafka: 'ReplicationControlManager.validateAlterPartitionData',
    description: 'An AlterPartition carried an old leader epoch (FENCED_LEADER_EPOCH).',
  },
  'alter-partition-rejected-stale-partition-epoch': {
    kafka: 'ReplicationControlManager.validateAlterPartitionData (KIP-497)',
    description: 'An AlterPartition was computed from an old partition epoch (INVALID_UPDATE_VERSION).',
  },
  'alter-partition-rejected-ineligible-replica': {
    kafka: 'ReplicationControlManager.validateAlterPartitionData (KIP-903)',
    description:
      'An AlterPartition proposed a fenced or unregistered replica, or a stale broker epoch (INELIGIBLE_REPLICA).',
  },
  'alter-partition-rejected-stale-replica-epoch': {
    kafka: 'ReplicationControlManager.validateAlterPartitionData (KIP-903)',
    description: "An AlterPartition named a replica's old broker epoch (a replica that restarted since it fetched).",
  },
  'alter-partition-leader-moved': {
    kafka: 'ReplicationControlManager.alterPartition',
    description: 'Applying an AlterPartition left the sender no longer leader (NOT_LEADER_OR_FOLLOWER).',
    reachable:
      'no: validation requires every proposed ISR member, the leader included, to be registered and ' +
      'unfenced, so the election keeps the leader',
  },
  'controller-fatal-fault-halt': {
    kafka:
      'QuorumController fatalFaultHandler (replay on the active controller or a standby; ' +
      'ClusterControlManager.replayRegistrationChange; ProcessTerminatingFaultHandler → Exit.halt)',
    description:
      'A controller voter could not apply a metadata record (a fencing record for a registration it does not ' +
      'hold) and halted its process.',
    reachable:
      "not in the correct model: every voter's committed log is the leader's, so a fencing record always " +
      'follows the registration it names; only a Raft bug-zoo variant (vote-without-log-check) loses one',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  // --- partition changes and elections (partition-change.ts)
  'elr-grown': {
    kafka: 'PartitionChangeBuilder.maybePopulateTargetElr (KIP-966)',
    description: 'Members leaving an ISR below min.insync.replicas joined the eligible leader replicas.',
  },
  'elr-excludes-unclean-shutdown': {
    kafka: 'PartitionChangeBuilder.maybePopulateTargetElr (KIP-966)',
    description: 'A broker that shut down uncleanly was kept out of the ELR.',
  },
  'elr-cleared': {
    kafka: 'PartitionChangeBuilder.maybePopulateTargetElr (KIP-966)',
    description: 'The ISR was back at min.insync.replicas and the ELR was cleared.',
  },
  'isr-emptied-last-leader-recorded': {
    kafka: 'PartitionChangeBuilder.maybeUpdateLastKnownLeader (KIP-966)',
    description: 'A change emptied the ISR and recorded the last known leader.',
  },
  'election-from-elr': {
    kafka: 'PartitionChangeBuilder.electLeader (KIP-966)',
    description: 'With the ISR empty, a leader was elected from the ELR and became the ISR.',
  },
  'election-of-last-known-leader': {
    kafka: 'PartitionChangeBuilder.canElectLastKnownLeader (KIP-966)',
    description: 'With ISR and ELR empty, the last known leader was elected again (an unclean election).',
  },
  'election-unclean': {
    kafka: 'PartitionChangeBuilder.electLeader (unclean.leader.election.enable, or Election.UNCLEAN of ElectLeaders)',
    description:
      'A replica outside the ISR and ELR was elected leader: by unclean.leader.election.enable (variant ' +
      "unclean-election), or in the correct model by an admin's kafka-leader-election.sh --election-type " +
      'UNCLEAN on a leaderless partition (the leader-election fault; beyond the promise).',
    reachable: rare(
      4,
      "the leader-election fault's unclean election to meet a leaderless partition (beyond the promise)",
    ),
  },
  'partition-went-offline': {
    kafka: 'PartitionChangeBuilder.build (NO_LEADER)',
    description: 'A change left the partition without a leader.',
  },
  // --- the producer client (client-sender.ts, client-net.ts)
  'producer-sequences-restarted': {
    kafka: 'TransactionManager.bumpIdempotentEpochAndResetIdIfNeeded (KIP-360)',
    description: "A producer took a new producer id and restarted a partition's sequences at 0.",
  },
  'producer-resent-maybe-appended-batch': {
    kafka: 'TransactionManager.startSequencesAtBeginning (KAFKA-14034)',
    description:
      'A batch that may already be in the log was re-sent under a new producer id (a duplicate Kafka allows).',
  },
  'producer-sequence-gap-detected': {
    kafka: 'TransactionManager.canRetry',
    description: 'OUT_OF_ORDER_SEQUENCE_NUMBER on the batch the broker should have taken next: a sequence gap.',
  },
  'producer-unresolved-sequence-restart': {
    kafka: 'TransactionManager.maybeResolveSequences',
    description: 'An expired batch left a sequence the acks never explained: the partition needs a new producer id.',
  },
  'producer-batch-expired-in-flight': {
    kafka: 'RecordAccumulator.expiredBatches (KIP-91)',
    description: 'A batch passed delivery.timeout.ms with a request on the wire (its outcome is unknown).',
  },
  'producer-late-answer-after-expiry': {
    kafka: 'Sender.completeBatch',
    description: 'A produce answer arrived for a batch already expired.',
  },
  'produce-error-after-append': {
    kafka: 'Sender.completeBatch',
    description: 'A produce error answer carried an offset: the records were appended and may still commit.',
  },
  'client-request-failed-by-disconnect': {
    kafka: 'NetworkClient.handleTimedOutRequests',
    description: "A request's connection was closed by another request's timeout (disconnect).",
  },
  // --- the consumer client (client-fetcher.ts)
  'consumer-truncation-detected': {
    kafka: 'SubscriptionState.maybeCompleteValidation (KIP-320)',
    description: 'A consumer found the log truncated under its position and moved back.',
  },
  'consumer-log-truncation-exception': {
    kafka: 'SubscriptionState.maybeCompleteValidation, OffsetFetcherUtils.onSuccessfulResponseForValidatingPositions',
    description:
      'With auto.offset.reset=none a consumer found the log truncated under its position: LogTruncationException ' +
      'to the application.',
  },
  'consumer-offset-reset': {
    kafka: 'FetchCollector.handleInitializeErrors (auto.offset.reset)',
    description: 'A consumer reset its position by auto.offset.reset after OFFSET_OUT_OF_RANGE.',
  },
  'consumer-validation-leader-knows-no-epoch': {
    kafka: 'SubscriptionState.maybeCompleteValidation (KIP-320)',
    description: 'Validating its position, a consumer learnt the leader knows no epoch up to its own: back to 0.',
    // Reached in the correct model only through the divergence epoch-lookup-above-latest describes, since fixed.
    reachable:
      'rare: 11 of 100,000 swarm seeds (base 220,000,000) reached it, all through a consumer divergence since ' +
      'fixed (a committed leader epoch validated against a deposed leader; see epoch-lookup-above-latest); none ' +
      'of 1,500 consumer-group (base 243,000,000) and 1,500 swarm seeds (base 243,100,000) after the fix. It ' +
      "would now need a leader whose epoch cache has no epoch up to the consumer's offset epoch (not confirmed)",
  },
  'consumer-answer-after-revocation-dropped': {
    kafka: 'SubscriptionState.maybeCompleteValidation / maybeSeekUnvalidated',
    description:
      "A group member's validation or reset answer came after its partition was revoked: dropped, nothing sought.",
  },
  'consumer-poll-abandoned-at-revocation': {
    kafka: 'FetchCollector.fetchRecords ("no longer assigned") / ConsumerCoordinator.onJoinPrepare',
    description:
      "A group member's partitions were revoked with a poll in flight: its records will never reach the application.",
  },
  'client-last-seen-epoch-raised': {
    kafka: 'Metadata.updateLastSeenEpochIfNewer (ConsumerUtils.refreshCommittedOffsets)',
    description:
      "A consumer's committed offset named a leader epoch newer than its metadata's: no leader until newer metadata.",
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  // --- controlled shutdown, connection resets, elections on request (issue 13)
  'controlled-shutdown-begun': {
    kafka: 'ReplicationControlManager.handleBrokerInControlledShutdown (KIP-841)',
    description:
      'The controller put a live broker in controlled shutdown and moved its leaderships and ISR places away.',
  },
  'controlled-shutdown-granted': {
    kafka: 'BrokerHeartbeatManager.calculateNextBrokerState (KIP-841)',
    description: 'The controller answered a stopping broker shouldShutDown: it leads nothing and everyone has seen it.',
  },
  'broker-stops-without-controlled-shutdown': {
    kafka: 'BrokerLifecycleManager.beginControlledShutdown',
    description: 'A broker asked to stop went down at once: not yet running, or controlled.shutdown.enable=false.',
  },
  'client-requests-failed-by-reset': {
    kafka: 'NetworkClient.processDisconnection',
    description: "A client's connection to a broker reset or was refused: its outstanding requests failed at once.",
  },
  'follower-fetch-reset-by-leader': {
    kafka: 'AbstractFetcherThread.handlePartitionsWithErrors (delayPartitions)',
    description: "A follower's connection to its leader reset while it fetched: it backs off and fetches again.",
  },
  'client-leader-from-error-answer': {
    kafka: 'Metadata.updatePartitionLeadership (KIP-951)',
    description: 'A client took the newer leader a NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH answer named.',
  },
  'admin-election-elected': {
    kafka: 'ReplicationControlManager.electLeader (kafka-leader-election.sh)',
    description: 'An administrator-requested preferred or unclean election elected a leader.',
  },
  'admin-election-refused': {
    kafka: 'ReplicationControlManager.electLeader',
    description: 'An administrator-requested election was refused (not needed, or no eligible leader).',
  },
  'auto-leader-rebalance-elected': {
    kafka: 'ReplicationControlManager.maybeBalancePartitionLeaders',
    description: 'The automatic leader rebalance moved a leadership back to the preferred replica.',
  },
  // --- the controller quorum (raft.ts, controller.ts)
  'raft-election-started': {
    kafka: 'KafkaRaftClient.transitionToCandidate',
    description: 'A controller voter stood for election: it bumped the epoch, voted for itself and asked the others.',
  },
  'raft-leader-elected': {
    kafka: 'KafkaRaftClient.onBecomeLeader',
    description: 'A candidate won a majority of votes and became the Raft leader of the metadata log.',
  },
  'raft-vote-rejected-log-behind': {
    kafka: 'KafkaRaftClient.handleVoteRequest (UnattachedState.canGrantVote)',
    description: "A voter refused its vote because the candidate's log (last epoch, end offset) is behind its own.",
  },
  'raft-fetch-timeout-election': {
    kafka: 'KafkaRaftClient.pollFollowerAsVoter',
    description:
      'A follower voter heard nothing from its leader within controller.quorum.fetch.timeout.ms and stood ' +
      '(from 4.0: asked for pre-votes).',
  },
  'raft-prospective-won': {
    kafka: 'KafkaRaftClient.handleVoteResponse (maybeTransitionToCandidate, KIP-996)',
    description:
      'A prospective voter had a majority of pre-votes granted and stood as candidate (kafka.version ≥ 4.0).',
  },
  'raft-prospective-lost': {
    kafka: 'KafkaRaftClient.maybeHandleElectionLoss (prospectiveTransitionAfterElectionLoss, KIP-996)',
    description:
      'A majority refused a prospective voter its pre-votes: it went back to its leader, or unattached, ' +
      'without bumping the epoch.',
  },
  'raft-prospective-timed-out': {
    kafka: 'KafkaRaftClient.pollProspective (KIP-996)',
    description: 'A prospective voter’s election timeout expired before a majority answered its pre-votes.',
  },
  'raft-prevote-rejected-leader-known': {
    kafka: 'FollowerState.canGrantVote (hasFetchedFromLeader, KIP-996)',
    description: 'A follower voter refused a pre-vote: it has fetched from its leader in this epoch.',
  },
  'raft-prevote-rejected-log-behind': {
    kafka: 'QuorumState.unattachedOrProspectiveCanGrantVote (KIP-996)',
    description: "A voter refused a pre-vote because the prospective's log is behind its own.",
  },
  'raft-check-quorum-resign': {
    kafka: 'LeaderState.timeUntilCheckQuorumExpires (pollLeader → transitionToResigned)',
    description: 'A Raft leader had no Fetch from a majority of voters within 1.5 × fetch timeout and resigned.',
  },
  'raft-divergence-truncation': {
    kafka: 'KafkaRaftClient.handleFetchResponse (divergingEpoch → truncateToEndOffset)',
    description: "A metadata log replica truncated uncommitted entries that diverged from the leader's log.",
  },
  'raft-truncation-below-hw': {
    kafka: 'KafkaMetadataLog.truncateToEndOffset',
    description: 'A metadata log replica truncated below its Raft high watermark (committed entries).',
    reachable: 'not in the correct model: only a voter elected without the log comparison truncates committed entries',
  },
  'raft-observer-fetch-timeout': {
    kafka: 'KafkaRaftClient.pollFollowerAsObserver',
    description: 'A broker’s metadata fetch got no answer in time: it asks another controller voter.',
  },
  'controller-claimed': {
    kafka: 'QuorumController.QuorumMetaLogListener.handleLeaderChange (claim)',
    description: 'A Raft leader that has applied every earlier record became the active controller.',
  },
  'controller-renounced': {
    kafka: 'QuorumController.renounce',
    description:
      'The active controller lost Raft leadership: uncommitted state reverted, waiting answers NOT_CONTROLLER.',
  },
  'controller-not-active-refused': {
    kafka: 'QuorumController.appendWriteEvent (NotControllerException)',
    description: 'A voter that is not the active controller answered a broker request NOT_CONTROLLER.',
  },
  'combined-broker-caught-up-from-voter-log': {
    kafka: 'KafkaRaftClient.pollListeners (a listener registered behind the HW is caught up; SharedServer)',
    description:
      'A combined node’s broker started after its voter had committed metadata and applied it from the shared log.',
  },
  // --- the ZooKeeper ensemble (zookeeper.ts, zk-tree.ts)
  'zk-leader-change': {
    kafka: 'Leader.lead (waitForNewLeaderAck)',
    description: 'A ZooKeeper server established leadership in an epoch after an earlier one (a leader change).',
  },
  'zk-leader-lost-quorum': {
    kafka: 'Leader.lead ("Not sufficient followers synced")',
    description: 'A ZooKeeper leader heard from fewer than a quorum within syncLimit ticks and went LOOKING.',
  },
  'zk-follower-lost-leader': {
    kafka: 'Follower.followLeader (socket read timeout)',
    description:
      'A ZooKeeper follower heard nothing from its leader within syncLimit (initLimit) ticks and went LOOKING.',
  },
  'zk-follower-truncated': {
    kafka: 'Learner.syncWithLeader (TRUNC)',
    description: 'A ZooKeeper follower dropped logged transactions its new leader does not have.',
  },
  'zk-session-expired': {
    kafka: 'SessionTrackerImpl.run → ZooKeeperServer.expire',
    description: 'The ZooKeeper leader expired a session that was not touched within its timeout.',
  },
  'zk-reconnect-expired': {
    kafka: 'ZooKeeperServer.finishSessionInit',
    description: 'A client reconnecting with an expired session was told so (timeout 0).',
  },
  'zk-session-moved': {
    kafka: 'LearnerHandler REVALIDATE (SessionTrackerImpl.setOwner)',
    description: 'A session reconnected through another ZooKeeper server, which became its owner.',
  },
  'zk-session-moved-write-refused': {
    kafka: 'SessionTrackerImpl.checkSession (SessionMovedException)',
    description: 'A write came through a server that no longer owns the session: SESSIONMOVED.',
  },
  'zk-connect-refused-client-ahead': {
    kafka: 'ZooKeeperServer.processConnectRequest',
    description: 'A server refused a client that has seen a newer zxid than the server has.',
    reachable: zkRare(
      'a client that saw a zxid to reconnect to a server still serving that has not processed it (a follower ' +
        'behind its leader in a 3-server ensemble)',
    ),
  },
  'zk-bad-version': {
    kafka: 'PrepRequestProcessor.checkAndIncVersion',
    description: 'A conditional ZooKeeper write named a stale version: BADVERSION.',
  },
  'zk-client-connection-resend': {
    kafka: 'NIOServerCnxn / ClientCnxn.SendThread over TCP (retransmission)',
    description: 'A cut dropped messages of a ZooKeeper client connection: they were sent again, as TCP would.',
  },
  'zk-client-other-connection-dropped': {
    kafka: 'ClientCnxnSocketNIO.connect / ClientCnxn.SendThread.cleanup (a new socket per attempt)',
    description:
      'An end of a ZooKeeper client connection dropped a message of another connection of that client (a late ' +
      'answer or request on a socket since closed), which TCP never delivers on the current one.',
  },
  'zk-stale-connect-closed-live-connection': {
    kafka: 'ZooKeeperServer.processConnectRequest (serverCnxnFactory.closeSession, CLIENT_RECONNECT)',
    description:
      "A client's ConnectRequest from a socket it had abandoned arrived late: the server closed the session's " +
      'live connection, as reopening the session on the abandoned socket does.',
    reachable: zkRare(
      'a ConnectRequest of an abandoned socket to arrive after a newer connection of its session opened (round ' +
        'trips longer than the client read timeout); docs/readme-zookeeper.md tells how swarm seed 190019679 met it',
    ),
  },
  'zk-watch-fired': {
    kafka: 'WatchManager.triggerWatch',
    description: 'A ZooKeeper server sent a watch event to a client.',
  },
  // --- clients killed and restarted (client-net.ts; issue 18)
  'client-answer-to-earlier-incarnation-dropped': {
    kafka:
      'NetworkClient.handleCompletedReceives (InFlightRequests.completeNext: answers come on their own connection)',
    description: "A client dropped a broker's answer to a request of its previous incarnation (killed meanwhile).",
  },
  // --- why an AlterPartition was INVALID_REQUEST (controller.ts validateAlterPartition; issue 18)
  'alter-partition-invalid-not-leader': {
    kafka: 'ReplicationControlManager.validateAlterPartitionData (brokerId != partition.leader)',
    description: 'An AlterPartition with the current leader epoch came from a broker that is not the leader.',
    reachable:
      'no: every change of leader bumps the leader epoch (PartitionChangeBuilder), so a request from a ' +
      'deposed leader fails FENCED_LEADER_EPOCH first',
  },
  'alter-partition-invalid-isr-member': {
    kafka: 'ReplicationControlManager.validateAlterPartitionData (Replicas.validateIsr)',
    description: 'An AlterPartition proposed an ISR with a broker outside the replica set, or one twice.',
    reachable:
      'no: the model never reassigns replicas, and a leader builds its ISR from the replica set without ' +
      'duplicates',
  },
  'alter-partition-invalid-isr-without-leader': {
    kafka: 'ReplicationControlManager.validateAlterPartitionData (Replicas.contains(newIsr, partition.leader))',
    description: 'An AlterPartition proposed an ISR without the leader.',
    reachable: 'no: a leader never proposes to remove itself (Partition.maybeShrinkIsr keeps the leader)',
  },
  'zk-controller-elected': {
    kafka: 'KafkaController.elect (registerControllerAndIncrementControllerEpoch)',
    description: 'A broker created /controller and bumped /controller_epoch: it is the controller.',
  },
  'zk-controller-moved': {
    kafka: 'KafkaZkClient.handleUnwrappedCheckOp (ControllerMovedException)',
    description: 'A controller write failed the /controller_epoch version check: a newer controller exists.',
    reachable: zkRare(
      'a controller replaced while cut from ZooKeeper to write with its old /controller_epoch version once back; ' +
        'test/model/zk-kafka.test.ts builds it',
    ),
  },
  'zk-broker-reregistered': {
    kafka: 'KafkaController.processRegisterBrokerAndReelect',
    description: 'After its session expired a broker registered again, with a new broker epoch (czxid).',
  },
  'zk-auto-leader-rebalance-elected': {
    kafka: 'KafkaController.checkAndTriggerAutoLeaderRebalance (Election.leaderForPreferredReplica)',
    description: 'The ZooKeeper-mode controller’s automatic rebalance elected a partition’s preferred replica.',
  },
  'zk-offline-partition-no-candidate': {
    kafka: 'PartitionLeaderElectionAlgorithms.offlinePartitionLeaderElection',
    description: 'No live ISR member could lead a partition: it stays offline (unclean election off).',
  },
  'zk-offline-replica-already-out-of-isr': {
    kafka: 'ReplicaStateMachine.doRemoveReplicasFromIsr (leaderAndIsrsWithoutReplica), OfflineReplica',
    description:
      'A failed replica was already out of the ISR read from ZooKeeper: the controller sends that state ' +
      'as LeaderAndIsr to the other replicas without writing it.',
  },
  // --- the ZooKeeper-mode controller and brokers in a cluster (zk-controller.ts, zk-broker.ts)
  // controlled shutdown in ZooKeeper mode (KafkaServer.controlledShutdown, KafkaController.doControlledShutdown)
  'zk-controlled-shutdown-begun': {
    kafka: 'KafkaController.doControlledShutdown (shuttingDownBrokerIds)',
    description: 'The ZooKeeper-mode controller took a stopping broker into controlled shutdown.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-controlled-shutdown-moved-leader': {
    kafka: 'Election.leaderForControlledShutdown (ControlledShutdownPartitionLeaderElectionStrategy)',
    description: 'The controller elected another leader for a partition the stopping broker led.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-controlled-shutdown-no-candidate': {
    kafka: 'PartitionLeaderElectionAlgorithms.controlledShutdownPartitionLeaderElection',
    description: 'No live ISR member outside controlled shutdown could take over a partition the stopping broker led.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-controlled-shutdown-stale-broker-epoch': {
    kafka: 'KafkaController.doControlledShutdown (StaleBrokerEpochException)',
    description: 'A ControlledShutdownRequest carried a broker epoch older than the controller’s: refused.',
    reachable:
      'rare in ZooKeeper mode: none of 3,000 seeds of a `--controller zookeeper` campaign (base 320,000,000) ' +
      'reached it; it needs a stopping broker whose request carries an epoch older than its registration the ' +
      'controller read (a delayed request across a session expiry); test/model/zk-controlled-shutdown.test.ts',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-controlled-shutdown-no-controller': {
    kafka: 'KafkaServer.controlledShutdown (doControlledShutdown: no controller alive in the metadata cache)',
    description: 'A stopping broker knew no live controller for an attempt: it waits the backoff and retries.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-controlled-shutdown-attempt-failed': {
    kafka: 'KafkaServer.controlledShutdown (IOException: disconnection or request timeout)',
    description: 'A controlled-shutdown attempt lost its connection or had no answer in time.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-controlled-shutdown-partitions-remaining': {
    kafka: 'KafkaServer.controlledShutdown (remainingPartitions non-empty)',
    description: 'The controller answered a stopping broker that it still leads partitions: it retries.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-controlled-shutdown-succeeded': {
    kafka: 'KafkaServer.controlledShutdown ("Controlled shutdown request returned successfully")',
    description: 'A stopping broker led nothing more: its controlled shutdown succeeded and it stops.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-controlled-shutdown-retries-exhausted': {
    kafka: 'KafkaServer.controlledShutdown ("Proceeding to do an unclean shutdown")',
    description: 'Every controlled-shutdown attempt failed (controlled.shutdown.max.retries): the broker stops anyway.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-stop-replica-stopped-fetcher': {
    kafka: 'ReplicaManager.stopReplicas → stopPartitions (removeFetcherForPartitions)',
    description: 'A StopReplica (deletePartition=false) stopped a broker’s fetcher for a partition.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-alter-partition-applied': {
    kafka: 'KafkaController.processAlterPartition (KafkaZkClient.updateLeaderAndIsr)',
    description: 'The ZooKeeper-mode controller wrote a leader’s ISR change to the partition state znode.',
  },
  'zk-alter-partition-resent-bad-version': {
    kafka:
      'KafkaZkClient.retryRequestsUntilConnected → updateLeaderAndIsr (BADVERSION) → ' +
      'KafkaController.tryProcessAlterPartition (INVALID_UPDATE_VERSION)',
    description:
      'The controller’s ISR write, sent again after a ZooKeeper connection loss, met BADVERSION (its own first ' +
      'send was applied): the leader is answered INVALID_UPDATE_VERSION and the cache keeps the old zkVersion.',
  },
  'zk-alter-partition-stale-broker-epoch': {
    kafka: 'KafkaController.tryProcessAlterPartition (STALE_BROKER_EPOCH)',
    description: 'An AlterPartition came from a broker not live with that epoch (its session expired or it bounced).',
  },
  'zk-alter-partition-stale-version': {
    kafka: 'KafkaController.tryProcessAlterPartition (INVALID_UPDATE_VERSION)',
    description: 'An AlterPartition named an older partition epoch (zkVersion) than the controller has.',
    reachable: zkRare(
      'a leader to propose an ISR other than the one applied against the zkVersion before it (an answer lost), ' +
        'with the same leader epoch',
    ),
  },
  'zk-request-stale-controller-epoch': {
    kafka: 'ReplicaManager.becomeLeaderOrFollower / maybeUpdateMetadataCache (STALE_CONTROLLER_EPOCH)',
    description: 'A broker rejected a LeaderAndIsr or UpdateMetadata of an older controller epoch.',
    reachable: rare(
      49,
      'a LeaderAndIsr or UpdateMetadata of a replaced ZooKeeper-mode controller to reach a broker ' +
        "after its successor's",
    ),
  },
  'zk-request-stale-controller-epoch-accepted': {
    kafka: 'ReplicaManager.becomeLeaderOrFollower / maybeUpdateMetadataCache without the check (KAFKA-532)',
    description: 'A broker acted on a LeaderAndIsr or UpdateMetadata of an older controller epoch (a zombie).',
    reachable: 'not in the correct model: only with the zombie-controller variant, in ZooKeeper mode',
  },
  'zk-request-stale-broker-epoch': {
    kafka: 'KafkaApis.handleLeaderAndIsrRequest (ZkSupport.isBrokerEpochStale, KIP-380)',
    description: 'A broker rejected a controller request addressed to an earlier registration of itself.',
    reachable: rare(
      8,
      "a controller request addressed to a broker's earlier registration to arrive after it registered again",
    ),
  },
  'zk-registration-failed': {
    kafka: 'KafkaZkClient.CheckedEphemeral.getAfterNodeExists (startup fails: another session owns /brokers/ids/N)',
    description: 'A restarted broker found its registration still held by its previous process’s session.',
  },
  'zk-chroot-startup-failed': {
    kafka: 'KafkaZkClient.apply (createChrootIfNecessary: an expired session throws) → KafkaServer.startup',
    description: 'A starting broker’s chroot client lost its session: startup failed, and the broker starts over.',
    reachable: zkRare(
      "a starting broker's chroot client to lose its session while it connects; swarm seed 99103063 of " +
        '`--controller zookeeper` did (test/model/regressions/zk-chroot-startup-expiry.test.ts)',
    ),
  },
  'zk-control-request-before-startup': {
    kafka: 'KafkaServer.startup (socketServer.enableRequestProcessing after the registration)',
    description: 'A controller request reached a broker process that had not registered yet: refused, sent again.',
  },
  'zk-controller-request-resent': {
    kafka: 'ControllerChannelManager.RequestSendThread.doWork (retry after a failed send)',
    description: 'The controller sent a request again to a broker after the connection failed or timed out.',
  },
  'zk-leader-isr-write-applied': {
    kafka: 'ZkAlterPartitionManager.submit → ReplicationUtils.updateLeaderAndIsr (KafkaZkClient.conditionalUpdatePath)',
    description: 'A leader wrote its own ISR change to the partition state znode at its zkVersion (IBP < 2.7).',
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-leader-isr-write-bad-version': {
    kafka: 'KafkaZkClient.conditionalUpdatePath (BADVERSION → ReplicationUtils.checkLeaderAndIsrZkData)',
    description: "A leader's own ISR write met BADVERSION: it reads the state znode to see whether it holds the write.",
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-leader-isr-write-found-written': {
    kafka: 'ReplicationUtils.checkLeaderAndIsrZkData (the state read equals the one written)',
    description:
      "A leader's ISR write met BADVERSION but the znode holds exactly its state (a resent write whose first " +
      'send was applied): a success at the version read.',
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-leader-isr-write-failed': {
    kafka: 'ZkAlterPartitionManager.submit (InvalidUpdateVersionException) → Partition.handleAlterPartitionError',
    description:
      "A leader's own ISR write failed (the znode moved on): INVALID_UPDATE_VERSION, the change stays pending " +
      'until a LeaderAndIsr.',
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-leader-isr-write-threw': {
    kafka: 'KafkaZkClient.conditionalUpdatePath (any other code throws: SESSIONEXPIRED)',
    description: "A leader's own ISR write threw (its session expired): the change stays pending.",
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-leader-isr-write-clobbered': {
    kafka: 'ReplicationUtils.updateLeaderAndIsr without the zkVersion (KAFKA-2729’s family)',
    description: "A leader's ISR write at any version overwrote a state newer than the one its change came from.",
    reachable: 'not in the correct model: only with the isr-write-ignores-zkversion variant, in ZooKeeper mode',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-isr-change-propagated': {
    kafka: 'ZkAlterPartitionManager.maybePropagateIsrChanges → KafkaZkClient.propagateIsrChanges',
    description: 'A broker wrote its recent ISR changes as an /isr_change_notification/isr_change_ znode.',
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-isr-change-notification-processed': {
    kafka: 'KafkaController.processIsrChangeNotification (updateLeaderAndIsrCache, sendUpdateMetadataRequest)',
    description:
      'The controller read ISR change notifications: the partitions’ states into its cache and to the brokers.',
    reachable: IBP_26_ONLY,
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-admin-election-not-needed': {
    kafka: 'KafkaController.processReplicaLeaderElection (alreadyValidLeader)',
    description:
      'An admin’s ZooKeeper-mode election was not needed: PREFERRED with the first replica leading, ' +
      'UNCLEAN with a live leader.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-admin-election-no-candidate': {
    kafka: 'PartitionStateMachine.doElectLeaderForPartitions (partitionsWithoutLeaders)',
    description: 'An admin’s ZooKeeper-mode election found no replica to elect (StateChangeFailedException).',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-admin-election-threw': {
    kafka: 'PartitionStateMachine.handleStateChanges (ZooKeeperClientExpiredException)',
    description: 'An admin’s ZooKeeper-mode election met the session’s expiry: answered UNKNOWN_SERVER_ERROR.',
    reachable: zkAdminElectionRare(
      'the controller cut from ZooKeeper while the election reads or writes, until its session expires ' +
        '(test/fuzz/zk-admin-election.test.ts builds it)',
    ),
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-admin-preferred-election': {
    kafka: 'KafkaController.onReplicaElection (PreferredReplicaPartitionLeaderElectionStrategy)',
    description: 'An admin’s PREFERRED election in ZooKeeper mode elected the first replica.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-admin-clean-election': {
    kafka: 'KafkaController.onReplicaElection (OfflinePartitionLeaderElectionStrategy(allowUnclean = true))',
    description: 'An admin’s UNCLEAN election in ZooKeeper mode elected a live ISR replica of a leaderless partition.',
    reachable: zkAdminElectionRare(
      'an UNCLEAN election of a partition whose cached leader is gone while an ISR replica is live: the ' +
        "admin's event queued ahead of the controller's own BrokerChange election",
    ),
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-admin-unclean-election': {
    kafka: 'PartitionLeaderElectionAlgorithms.offlinePartitionLeaderElection (uncleanLeaderElectionEnabled)',
    description: 'An admin’s UNCLEAN election in ZooKeeper mode elected a live replica outside the ISR.',
    reachable: zkAdminElectionRare(
      'an UNCLEAN election of a partition with no live ISR replica and a live replica outside it ' +
        '(test/fuzz/zk-admin-election.test.ts builds it)',
    ),
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },

  // --- retention and the log start offset (replica-log.ts, partition.ts, broker.ts; issue 12)
  'retention-deleted-segment': {
    kafka: 'UnifiedLog.deleteOldSegments → deleteSegments',
    description: 'Retention (or a log start above them) deleted whole segments below the HW; the log start moved up.',
  },
  'retention-rolled-active-segment': {
    kafka: 'UnifiedLog.deleteSegments (roll() before deleting every segment)',
    description: 'Retention found every segment deletable, so the log rolled a new empty active segment first.',
  },
  'log-start-above-hw-refused': {
    kafka: 'UnifiedLog.maybeIncrementLogStartOffset (OffsetOutOfRangeException above the HW)',
    description: 'A move of the log start past the HW was refused (a follower behind its leader’s log start).',
    reachable:
      "no: a follower takes its leader's log start from an answer served at or above it (else OFFSET_OUT_OF_RANGE), " +
      "after setting its HW to min(the leader's HW, its LEO), both at or above that log start",
  },
  'log-truncated-fully': {
    kafka: 'UnifiedLog.truncateFullyAndStartAt',
    description: 'A replica deleted its whole log and started again, empty, at a new offset.',
  },
  'truncate-below-log-start': {
    kafka: 'UnifiedLog.truncateTo (logStartOffset = min(targetOffset, logStartOffset))',
    description: 'A truncation cut below the log start offset (inside the first segment) and brought it down.',
    reachable: rare(
      1,
      'a follower whose log start followed its leader into a segment to truncate below its own HW, in ' +
        'a run beyond the promise (power losses, the last leader elected)',
    ),
  },
  'epoch-cache-truncated-from-start': {
    kafka: 'LeaderEpochFileCache.truncateFromStart',
    description: 'The log start moved up past epoch-cache entries: they went and the first now starts at it.',
  },
  'log-recovery-below-log-start': {
    kafka: 'LogLoader.recoverLog (deleteSegmentsIfLogStartGreaterThanLogEnd)',
    description: 'Recovery found the log ending below the checkpointed log start: deleted whole, restarted at it.',
    reachable: rare(
      4,
      'the log-start checkpoint durable while the segment at that offset is not (a power loss right ' +
        'after a roll, before the journal commits the new file)',
    ),
  },
  'fetch-below-log-start': {
    kafka: 'UnifiedLog.read (checkLogStartOffset)',
    description: "A fetch asked for an offset below the leader's log start offset (OFFSET_OUT_OF_RANGE).",
  },
  'follower-log-start-from-leader': {
    kafka: 'ReplicaFetcherThread.processPartitionData (maybeIncrementLogStartOffset, LeaderOffsetIncremented)',
    description: "A follower moved its log start up to the leader's, given in the fetch response.",
  },
  'follower-truncated-fully-to-leader-start': {
    kafka: 'AbstractFetcherThread.fetchOffsetAndTruncate (truncateFullyAndStartAt)',
    description: "A follower whose log ended below the leader's log start deleted its log and restarted at it.",
  },
  'hw-raised-to-log-start': {
    kafka: 'UnifiedLog.updateHighWatermark (a HW below the log start offset becomes the log start)',
    description: "A replica's new HW (a follower told a new leader's lagging HW) was below its log start: raised.",
  },
  'producer-state-from-snapshot': {
    kafka: 'UnifiedLog.rebuildProducerState → ProducerStateManager.truncateAndReload (loadFromSnapshot)',
    description: 'Recovery loaded the producer state from a snapshot and replayed the log after it.',
  },
  'producer-snapshot-corrupt': {
    kafka: 'ProducerStateManager.readSnapshot (CorruptSnapshotException: the file is deleted)',
    description: 'Recovery found a producer-state snapshot cut by a power loss, deleted it and tried an older one.',
    reachable:
      'rarely (no seed of 100,000 swarm seeds, base 220,000,000): the roll that writes a snapshot schedules its ' +
      'fsync at once, so it needs a torn power loss between a roll and its flush task',
  },
  'producer-ids-expired': {
    kafka: 'ProducerStateManager.removeExpiredProducers (producer.id.expiration.ms)',
    description: 'Producers idle for producer.id.expiration.ms left a replica’s idempotence state.',
    reachable:
      "not with the scenarios' settings: producer.id.expiration.ms stays Kafka's 1 day (checked every 10 min), " +
      'longer than any run; no scenario draws it shorter',
  },
  'log-start-checkpoint-written': {
    kafka: 'LogManager.checkpointLogStartOffsets',
    description: 'The broker wrote log-start-offset-checkpoint with a log start above its first segment.',
  },
  // --- transactions on the partition (producer-state.ts, replica-log.ts, partition.ts; issue 17 item 2)
  'txn-non-transactional-batch-in-open-txn': {
    kafka: 'ProducerAppendInfo.appendDataBatch (InvalidTxnStateException)',
    description: 'A non-transactional batch came from a producer with an open transaction: INVALID_TXN_STATE.',
    reachable:
      'no: no producer mixes transactional and plain batches under one producer id: a transactional producer ' +
      'marks every batch transactional (RecordAccumulator.drain: setProducerState(…, isTransactional)), and ' +
      'producer ids are unique cluster-wide (ProducerIdManager.generateProducerId)',
  },
  'txn-marker-old-producer-epoch': {
    kafka: 'ProducerAppendInfo.checkProducerEpoch (appendEndTxnMarker)',
    description:
      'A transaction marker carried an older producer epoch than the partition knows: INVALID_PRODUCER_EPOCH.',
    reachable: rare(8, 'a marker older than the producer epoch the partition knows'),
  },
  'txn-marker-coordinator-fenced': {
    kafka: 'ProducerAppendInfo.checkCoordinatorEpoch',
    description: 'A transaction marker came from an older coordinator epoch: TRANSACTION_COORDINATOR_FENCED.',
  },
  'txn-marker-without-open-txn': {
    kafka: 'ProducerAppendInfo.appendEndTxnMarker (currentTxnFirstOffset empty)',
    description: 'A marker closed no transaction on this partition (an empty one): no CompletedTxn, no index entry.',
  },
  'txn-aborted-indexed': {
    kafka: 'LogSegment.updateTxnIndex',
    description: 'An ABORT marker closed a non-empty transaction: an entry went into the aborted-transaction index.',
  },
  'txn-index-truncated': {
    kafka: 'TransactionIndex.truncateTo',
    description: 'A truncation removed entries of the aborted-transaction index.',
  },
  'txn-open-after-recovery': {
    kafka: 'UnifiedLog.rebuildProducerState (LogLoader)',
    description: 'Recovery rebuilt a producer state with a transaction still open.',
  },
  'txn-leader-with-open-txn': {
    kafka: 'Partition.makeLeader (the producer state carried by the follower)',
    description: 'A replica became leader with an open transaction in its producer state.',
  },
  'txn-fetch-bounded-by-lso': {
    kafka: 'UnifiedLog.read (FetchIsolation.TXN_COMMITTED)',
    description: 'A read_committed fetch was bounded below the HW by the last stable offset.',
  },
  'txn-fetch-aborted-transactions': {
    kafka: 'LocalLog.addAbortedTransactions',
    description: 'A read_committed fetch answer carried aborted transactions overlapping its records.',
  },
  'txn-consumer-skipped-aborted-batch': {
    kafka: 'CompletedFetch.nextFetchedRecord (isBatchAborted)',
    description: 'A read_committed consumer skipped a batch of an aborted transaction.',
  },
  'txn-consumer-reset-to-lso': {
    kafka: 'ListOffsets LATEST under READ_COMMITTED (Partition.fetchOffsetForTimestamp)',
    description: 'A read_committed consumer reset its position to the last stable offset.',
  },
  'lso-raised-to-log-start': {
    kafka: 'UnifiedLog.maybeIncrementFirstUnstableOffset (math.max(firstUnstableOffset, logStartOffset))',
    description:
      "The LSO was read while the producer state's first unstable offset lay below the log start " +
      '(retention or DeleteRecords passed a transaction still open or unreplicated): raised to it.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  // --- consumer groups: the coordinator (group-host.ts, group-coordinator.ts) and members (group-consumer.ts)
  'group-coordinator-elected': {
    kafka: 'CoordinatorRuntime.scheduleLoadOperation',
    description: 'A broker became leader of a __consumer_offsets partition and started loading its coordinator.',
  },
  'group-coordinator-loaded': {
    kafka: 'CoordinatorLoaderImpl.load',
    description: 'A coordinator replayed its __consumer_offsets partition and began to serve.',
  },
  'group-coordinator-resigned': {
    kafka: 'CoordinatorRuntime.scheduleUnloadOperation',
    description: 'A broker lost leadership of a __consumer_offsets partition and unloaded its coordinator.',
  },
  'zk-group-coordinator-epoch-raised': {
    kafka: 'Partition.makeLeader (isNewLeader = !isLeader) → ReplicaManager.makeLeaders: no onElection',
    description:
      "ZooKeeper mode's Scala group coordinator's partition was made leader again in a later leader epoch of a " +
      'leadership it holds: no onElection; it kept its groups, pending writes and a load under way, no reload.',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-group-commit-not-enough-replicas': {
    kafka: 'GroupMetadataManager.appendForGroup → Partition.appendRecordsToLeader (NotEnoughReplicasException)',
    description:
      "ZooKeeper mode's Scala group coordinator refused an offset commit: its acks=-1 write met an ISR below " +
      'min.insync.replicas (storeOffsets: COORDINATOR_NOT_AVAILABLE).',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'zk-group-commit-not-enough-replicas-after-append': {
    kafka: 'DelayedProduce → Partition.checkEnoughReplicasReachOffset (NOT_ENOUGH_REPLICAS_AFTER_APPEND)',
    description:
      "ZooKeeper mode's Scala group coordinator answered an offset commit COORDINATOR_NOT_AVAILABLE: the HW passed " +
      'it while the maximal ISR was below min.insync.replicas (the record stays in the log).',
    reachable:
      'rare: none of 1,500 consumer-group, 1,500 transactions and 3,000 swarm seeds in ZooKeeper mode (base ' +
      '310,000,000) reached it; it needs Kafka 3.6 (from 3.7 the HW does not advance below min ISR) and the ISR ' +
      "of the group's __consumer_offsets partition falling below min.insync.replicas between a commit's append " +
      'and the HW passing it (below min ISR at the append, the commit is refused before: ' +
      'zk-group-commit-not-enough-replicas); test/model/zk-groups.test.ts reaches it by hand',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'group-commit-rejected': {
    kafka: 'ClassicGroup.validateOffsetCommit',
    description:
      'An offset commit was refused (stale generation, unknown member, rebalance in progress, not coordinator).',
  },
  'group-member-expired': {
    kafka: 'GroupMetadataManager.onClassicGroupMemberSessionTimeout',
    description: 'A member missed its session timeout and the coordinator removed it from the group.',
  },
  'group-rebalance': {
    kafka: 'ConsumerCoordinator.onJoinComplete',
    description: 'A member was handed the assignment of a new generation after its first.',
  },
  'group-coordinator-moved': {
    kafka: 'AbstractCoordinator.markCoordinatorUnknown',
    description: 'A member lost its coordinator (NOT_COORDINATOR, disconnect or timeout) and looks for it again.',
  },
  'group-commit-sync': {
    kafka: 'KafkaConsumer.commitSync (ConsumerCoordinator.commitOffsetsSync)',
    description: 'A member blocked in commitSync() after a poll that returned records, and sent its positions.',
  },
  'group-commit-sync-retry': {
    kafka: 'ConsumerCoordinator.commitOffsetsSync (retriable error: timer.sleep(retryBackoff), again)',
    description: 'A commitSync() met a retriable error or an unknown coordinator and tried again after a backoff.',
  },
  'group-manual-commit': {
    kafka: 'KafkaConsumer.commitAsync (ConsumerCoordinator.commitOffsetsAsync)',
    description: 'With enable.auto.commit=false, a member committed its positions after a poll that returned records.',
  },
  'group-poll-timeout': {
    kafka: 'AbstractCoordinator.HeartbeatThread (handlePollTimeoutExpiry → maybeLeaveGroup)',
    description:
      'A member stalled past max.poll.interval.ms: it left the group and reset its generation and member id.',
  },
  'group-stale-join-dropped': {
    kafka: 'ClassicKafkaConsumer.close (closeQuietly(client)); AbstractCoordinator.JoinGroupResponseHandler',
    description:
      'The answer (or failure) of a join or sync of an earlier membership or join came back: it was ignored.',
  },
  'group-no-committed-offset': {
    kafka: 'ConsumerCoordinator.refreshCommittedOffsetsIfNeeded',
    description: 'A member had no committed offset for an assigned partition and reset it by auto.offset.reset.',
  },
  'group-coordinator-stale-cache-served': {
    kafka: 'GroupMetadataManager.loadGroup (addGroup: putIfNotExists), before KAFKA-10614',
    description: 'A broker leading a __consumer_offsets partition again kept the groups it had cached when it lost it.',
    reachable: 'not in the correct model: only the stale-coordinator-cache variant keeps a resigned shard',
  },
  'group-cooperative-revoke-and-rejoin': {
    kafka: 'ConsumerCoordinator.onJoinComplete (COOPERATIVE: requestRejoin after revoking)',
    description:
      'A cooperative member revoked the partitions its new assignment took away and rejoined to hand them over.',
  },
  'group-cooperative-partitions-lost-before-join': {
    kafka: 'ConsumerCoordinator.onJoinPrepare (no generation: invokePartitionsLost)',
    description:
      'A cooperative member whose generation was reset during a rebalance lost its partitions before joining again.',
  },
  'group-stream-revoked-with-request-out': {
    kafka: 'SubscriptionState.assignFromSubscribed (ConsumerCoordinator.onJoinPrepare, onJoinComplete)',
    description:
      'A member was handed a partition again while the stream of its earlier assignment still had a request out: ' +
      'it started afresh at the committed offset.',
  },
  // --- consumer groups, KIP-848 (consumer-group.ts, group-coordinator.ts, group-consumer.ts)
  'group-consumer-fenced-member-epoch': {
    kafka: 'GroupMetadataManager.throwIfConsumerGroupMemberEpochIsInvalid',
    description: 'A ConsumerGroupHeartbeat named a member epoch the coordinator does not accept: FENCED_MEMBER_EPOCH.',
  },
  'group-consumer-revocation-pending': {
    kafka: 'CurrentAssignmentBuilder.computeNextAssignment',
    description: 'A consumer group member was asked to revoke partitions and stays at its epoch until it does.',
  },
  'group-consumer-revocation-acked': {
    kafka: 'CurrentAssignmentBuilder.build (UNREVOKED_PARTITIONS)',
    description: 'A consumer group member acknowledged a revocation by a heartbeat no longer reporting the partitions.',
  },
  'group-consumer-partition-unreleased': {
    kafka: 'CurrentAssignmentBuilder.computeNextAssignment',
    description:
      "A partition of a member's target was still owned by another member: held back (UNRELEASED_PARTITIONS).",
  },
  'group-consumer-session-expired': {
    kafka: 'GroupMetadataManager.scheduleConsumerGroupSessionTimeout',
    description: 'A consumer group member sent no heartbeat within group.consumer.session.timeout.ms: fenced.',
  },
  'group-consumer-rebalance-timeout': {
    kafka: 'GroupMetadataManager.scheduleConsumerGroupRebalanceTimeout',
    description: 'A consumer group member did not revoke its partitions within its rebalance timeout: fenced.',
  },
  'group-consumer-member-fenced': {
    kafka: 'AbstractMembershipManager.transitionToFenced',
    description:
      'A member learnt it was fenced (FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID): partitions lost, rejoin at 0.',
  },
  'group-consumer-fatal-error': {
    kafka: 'ConsumerHeartbeatRequestManager.onErrorResponse (default branch: handleFatalFailure)',
    description: 'A heartbeat got an error the client does not retry (GROUP_ID_NOT_FOUND): the member stopped.',
  },
  'group-consumer-commit-stale-epoch': {
    kafka: 'ConsumerGroup.validateOffsetCommit',
    description: 'An offset commit of a consumer group member named another member epoch: STALE_MEMBER_EPOCH.',
  },
  // --- the transaction coordinator (txn-host.ts, txn-coordinator.ts)
  'txn-coordinator-loaded': {
    kafka: 'TransactionStateManager.loadTransactionsForTxnTopicPartition',
    description:
      'A broker leading a __transaction_state partition replayed its log and began to serve as transaction ' +
      "coordinator (its context, each transactional id's loaded state, is read by the Kafka finding " +
      'txn-partition-added-by-unreplicated-load: driver/kafka-findings.ts).',
  },
  'txn-coordinator-resigned': {
    kafka: 'TransactionCoordinator.onResignation',
    description: 'A broker lost leadership of a __transaction_state partition and dropped its transaction coordinator.',
  },
  'zk-txn-coordinator-kept-across-epoch': {
    kafka: 'Partition.makeLeader (isNewLeader = !isLeader) / RequestHandlerHelper.onLeadershipChange',
    description:
      'ZooKeeper mode: a broker leading a __transaction_state partition was made leader again in a later ' +
      'leader epoch; its transaction coordinator went on in its epoch (no onElection, no reload).',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'txn-coordinator-loaded-prepared': {
    kafka: 'TransactionStateManager.loadTransactionsForTxnTopicPartition (transactionsPendingForCompletion)',
    description: 'A new coordinator loaded a transaction in PrepareCommit or PrepareAbort and sent its markers again.',
  },
  'txn-coordinator-append-refused': {
    kafka: 'TransactionStateManager.appendTransactionToLog (updateCacheCallback)',
    description:
      'A write to __transaction_state was refused (below min ISR or not leader); the transition was dropped.',
  },
  'txn-coordinator-append-timed-out': {
    kafka: 'TransactionStateManager.appendTransactionToLog (REQUEST_TIMED_OUT)',
    description:
      'A write to __transaction_state was not committed within the transaction timeout; the transition was dropped.',
  },
  'txn-coordinator-append-not-enough-replicas': {
    kafka: 'TransactionStateManager.appendTransactionToLog (NOT_ENOUGH_REPLICAS_AFTER_APPEND)',
    description:
      'A write to __transaction_state was committed while the ISR was below min ISR and was reported failed.',
    reachable: HW_HELD_BELOW_MIN_ISR,
  },
  'txn-coordinator-init-fences-ongoing': {
    kafka: 'TransactionCoordinator.handleInitProducerId (PrepareEpochFence)',
    description: 'InitProducerId found an ongoing transaction: the coordinator bumped the epoch and aborted it.',
  },
  'txn-coordinator-producer-fenced': {
    kafka: 'TransactionCoordinator.handleAddPartitionsToTransaction / endTransaction',
    description: 'A transactional request from an older producer epoch was answered PRODUCER_FENCED.',
  },
  'txn-coordinator-timeout-abort': {
    kafka: 'TransactionCoordinator.abortTimedOutTransactions',
    description:
      'An ongoing transaction outlived its transaction.timeout.ms: the coordinator fenced its epoch and aborted it.',
  },
  'txn-coordinator-complete-retried': {
    kafka: 'TransactionMarkerChannelManager.tryAppendToLog',
    description:
      'Writing CompleteCommit/CompleteAbort found __transaction_state unavailable and was queued for a retry.',
  },
  'txn-marker-retried': {
    kafka: 'TransactionMarkerRequestCompletionHandler.onComplete',
    description: 'A transaction marker failed with a retriable error (or no answer) and was sent again.',
  },
  'txn-marker-sending-cancelled': {
    kafka: 'TransactionMarkerRequestCompletionHandler.onComplete',
    description:
      'A marker was refused (INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED): the sending was cancelled.',
  },
  'txn-marker-leader-unknown': {
    kafka: 'TransactionMarkerChannelManager.addTxnMarkersToBrokerQueue (unknown broker queue)',
    description: 'A marker waited because its partition had no leader.',
  },
  'txn-coordinator-prepare-commit-written': {
    kafka: 'TransactionCoordinator.endTransaction (appendTransactionToLog of PrepareCommit)',
    description:
      "A coordinator appended a PrepareCommit: the transaction's commit point, where a fault is most harmful " +
      '(the transactions scenario crashes the coordinator on it).',
  },
  'txn-coordinator-resigned-prepare-pending': {
    kafka: 'TransactionStateManager.appendTransactionToLog (NOT_COORDINATOR) / TransactionCoordinator.onResignation',
    description:
      'A coordinator lost its __transaction_state leadership while a PrepareCommit it wrote was not yet committed.',
  },
  'txn-coordinator-answered-unreplicated-partition': {
    kafka:
      'TransactionCoordinator.handleAddPartitionsToTransaction ("already in the metadata") / ' +
      'handleVerifyPartitionsInTransaction, after TransactionStateManager.loadTransactionMetadata ' +
      '(FetchIsolation.LOG_END)',
    description:
      'A coordinator answered that a partition is in a transaction although only records of its own log above the ' +
      'HW at its load listed it (the Kafka finding txn-partition-added-by-unreplicated-load reads it: ' +
      'driver/kafka-findings.ts).',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  // --- consume-transform-produce: AddOffsetsToTxn, TxnOffsetCommit, markers on __consumer_offsets
  'txn-coordinator-add-offsets': {
    kafka: 'KafkaApis.handleAddOffsetsToTxnRequest (TransactionCoordinator.handleAddPartitionsToTransaction)',
    description: "A transaction added its group's __consumer_offsets partition (sendOffsetsToTransaction).",
  },
  'txn-offset-commit-old-producer-epoch': {
    kafka: 'ProducerAppendInfo.checkProducerEpoch (origin COORDINATOR)',
    description:
      "A TxnOffsetCommit's transactional batch named an older producer epoch than the partition's producer " +
      'state: INVALID_PRODUCER_EPOCH (a fenced producer).',
    reachable:
      "rare: 1 of 100,000 swarm seeds (base 280,000,000) reached it, none of bench/coverage.ts's 10,000; it needs " +
      "a fenced producer's TxnOffsetCommit to reach __consumer_offsets after its successor's epoch bump was " +
      'written there (consume-transform-produce, a coordinator failover between the two)',
    keptAsTrigger: true,
  },
  'group-txn-offset-commit-fenced': {
    kafka: 'OffsetMetadataManager.validateTransactionalOffsetCommit (ClassicGroup.validateOffsetCommit, KIP-447)',
    description:
      'A TxnOffsetCommit named an unknown member or another generation: UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION.',
    reachable: 'not in the scenarios: their consume-transform-produce transactions commit without a generation',
  },
  'group-txn-offset-commit-unverified': {
    kafka: 'CoordinatorRuntime.scheduleTransactionalWriteOperation (maybeStartTransactionVerification, KIP-890)',
    description:
      "A TxnOffsetCommit's verification with the transaction coordinator failed (it no longer knows the " +
      'transaction, or fenced it): the offsets are not written and the error goes to the producer.',
  },
  'group-txn-offsets-committed': {
    kafka: 'OffsetMetadataManager.replayEndTransactionMarker (COMMIT)',
    description: "A COMMIT marker made a producer's pending transactional offsets the group's committed offsets.",
  },
  'group-txn-offsets-aborted': {
    kafka: 'OffsetMetadataManager.replayEndTransactionMarker (ABORT)',
    description: "An ABORT marker dropped a producer's pending transactional offsets.",
  },
  'group-txn-offset-older-than-committed': {
    kafka: 'OffsetMetadataManager.replayEndTransactionMarker (existing recordOffset is higher)',
    description:
      'A committed transactional offset was not materialized: a later record already holds an offset for the ' +
      'partition.',
    reachable: 'not in the scenarios: no group mixes transactional and plain offset commits',
  },
  'group-offset-fetch-answered': {
    kafka: 'GroupCoordinatorService.fetchOffsets (requireStable: scheduleWriteOperation with no records)',
    description:
      "A group coordinator answered an OffsetFetch with the group's offsets, from its own state and leader epoch " +
      '(the Kafka finding deposed-coordinator-offset-fetch reads it: driver/kafka-findings.ts).',
    notATrigger: ADDED_AFTER_TRIGGER_DRAWS,
  },
  'group-offset-fetch-unstable': {
    kafka: 'OffsetMetadataManager.fetchOffsets (requireStable, hasPendingTransactionalOffsets)',
    description: 'An OffsetFetch found a pending transactional offset: UNSTABLE_OFFSET_COMMIT (KIP-447).',
  },
  'group-txn-pending-offsets-loaded': {
    kafka: 'CoordinatorLoaderImpl.load (OffsetMetadataManager.replay with a producer id)',
    description:
      'A new group coordinator loaded transactional offsets whose marker its log does not hold yet: still pending.',
  },
  'group-txn-marker-refused': {
    kafka: 'CoordinatorRuntime.CoordinatorContext.completeTransaction (partitionWriter.append throws)',
    description:
      'A WriteTxnMarkers for __consumer_offsets failed at the group coordinator (not leading or loaded, or the ' +
      "partition's producer state refused it).",
    reachable:
      "rare: 22 of 100,000 swarm seeds (base 280,000,000) reached it, none of bench/coverage.ts's 10,000; it " +
      "needs a transaction's marker for its group's __consumer_offsets partition to reach a broker that no longer " +
      'leads it or has not loaded it yet (a coordinator moved during consume-transform-produce)',
    keptAsTrigger: true,
  },
  // --- KIP-890 part 1: partition verification (broker.ts, txn-host.ts, partition.ts, txn-coordinator.ts)
  'txn-verification-requested': {
    kafka:
      'ReplicaManager.maybeStartTransactionVerificationForPartitions / AddPartitionsToTxnManager.verifyTransaction',
    description:
      "A partition leader asked the transaction coordinator whether a batch's partition is in its producer's " +
      'ongoing transaction before appending it (KIP-890 verification).',
  },
  'txn-verification-partition-not-in-txn': {
    kafka: 'TransactionCoordinator.handleVerifyPartitionsInTransaction',
    description: "The coordinator answered a verification: the partition is not in the producer's transaction.",
    reachable:
      'not on Kafka 4.0 on (the swarm runs 4.1): with transaction.version 2 the leader asks the coordinator to ' +
      'add the partition (txn-v2-partition-added-by-produce), not to verify it; on 3.x 3 of 400 seeds of ' +
      '`--scenario transactions@3.9` (base 1) reached it',
  },
  'txn-verification-rejected': {
    kafka: 'ReplicaManager.handleProduceAppend (postVerificationCallback)',
    description:
      'A partition leader refused a transactional batch the coordinator did not verify (INVALID_TXN_STATE or ' +
      'INVALID_PRODUCER_EPOCH): a late produce that would have opened a hanging transaction.',
  },
  'txn-verification-guard-mismatch': {
    kafka: 'UnifiedLog.analyzeAndValidateProducerState (batchMissingRequiredVerification)',
    description:
      'A verified batch found its VerificationGuard gone at the append (a marker or another transactional batch ' +
      'was written meanwhile): INVALID_TXN_STATE.',
    reachable:
      'rare: no seed of 100,000 swarm seeds (base 220,000,000; 16,157 with transactions) nor 400 of ' +
      '`--scenario transactions@3.9` reached it; it needs a marker of the transaction to clear the ' +
      "partition's VerificationGuard after the leader asked the coordinator and before the batch appends",
  },
  'txn-unverified-transaction-opened': {
    kafka: 'ProducerAppendInfo.appendDataBatch (no KIP-890 verification)',
    description:
      'A transactional batch opened a transaction at a leader that did not verify it with the coordinator: the ' +
      'way a hanging transaction opens.',
    reachable: 'not in the correct model: only the hanging-transaction variant turns the verification off',
  },
  'txn-producer-batch-expired': {
    kafka: 'Sender.getExpiredInflightBatches / TransactionManager.maybeTransitionToErrorState',
    description:
      'A transactional send passed delivery.timeout.ms with its request unanswered: the transaction is aborted ' +
      'and the epoch bumped, the request may still arrive.',
  },
  // --- KIP-890 part 2, transaction.version 2 (txn-coordinator.ts, txn-host.ts, partition.ts)
  'txn-v2-end-txn-epoch-bump': {
    kafka: 'TransactionMetadata.prepareAbortOrCommit (clientTransactionVersion.supportsEpochBump)',
    description: 'The coordinator ended a transaction with the epoch bump of transaction.version 2 (KIP-890 part 2).',
  },
  'txn-v2-end-txn-retry-after-bump': {
    kafka: 'TransactionCoordinator.endTransaction (endTxnEpochBumped, CompleteCommit/CompleteAbort)',
    description:
      'An EndTxn from the epoch before the bump found its transaction complete: a retry, answered NONE with ' +
      'the bumped epoch.',
  },
  'txn-v2-partition-added-by-produce': {
    kafka: 'AddPartitionsToTxnManager (addPartition) / TransactionCoordinator.handleAddPartitionsToTransaction',
    description:
      "A partition leader's AddPartitionsToTxn without verifyOnly reached the coordinator: the produce itself " +
      'adds its partition to the transaction (KIP-890 part 2).',
  },
  'txn-v2-late-produce-fenced': {
    kafka: 'TransactionCoordinator.handleAddPartitionsToTransaction (PRODUCER_FENCED) under transaction.version 2',
    description:
      'A produce from an epoch the coordinator already bumped (a late batch of an ended transaction) was refused ' +
      'when its leader asked to add its partition: INVALID_PRODUCER_EPOCH.',
  },
  'txn-v2-late-batch-fenced': {
    kafka: 'ProducerAppendInfo.checkProducerEpoch under transaction.version 2',
    description:
      "A transactional batch older than the producer's epoch at the partition (bumped by a marker or by the next " +
      'transaction) was refused by the leader: INVALID_PRODUCER_EPOCH.',
    reachable: rare(
      2,
      'a transactional batch to reach its leader after the marker that bumped its epoch (the late produce)',
    ),
  },
  'txn-v2-open-txn-of-older-epoch': {
    kafka: 'UnifiedLog.hasOngoingTransaction(producerId, producerEpoch) (4.0)',
    description:
      "A transactional batch found its producer's transaction of an older epoch still open at the partition (its " +
      'marker not written yet): not counted as ongoing, so the batch is verified with the coordinator.',
  },
  'txn-v2-marker-fenced': {
    kafka: 'ProducerAppendInfo.appendEndTxnMarker (checkProducerEpoch) under transaction.version 2',
    description: "A marker older than the producer's epoch at the partition was refused: INVALID_PRODUCER_EPOCH.",
    reachable: rare(8, 'a marker older than the producer epoch the partition knows, under transaction.version 2'),
  },
} as const satisfies Record<string, CodeProbeInfo>;

export type CodeProbeName = keyof typeof CODE_PROBES;

/** The catalog typed for lookups by any name. */
export const CODE_PROBE_INFO: Readonly<Record<CodeProbeName, CodeProbeInfo>> = CODE_PROBES;

/** Every probe, in catalog order (the order of per-seed bitsets). */
export const CODE_PROBE_NAMES: readonly CodeProbeName[] = Object.keys(CODE_PROBES) as CodeProbeName[];

/** Marks a probe as reached by the current run (a no-op unless the driver is recording). */
export const codeProbe: (name: CodeProbeName) => void = hitCodeProbe;

/**
 * `follower-kept-records-below-leader-log-start`'s context: what the follower kept below the
 * leader's log start after a divergence truncation (the witness of the Kafka finding
 * divergence-below-log-start reads it: driver/kafka-findings.ts).
 */
export interface KeptBelowLeaderLogStart {
  readonly broker: number;
  readonly topic: string;
  readonly partition: number;
  /** The leader's answer to the diverging epoch: its end offset, and the leader's log start. */
  readonly leaderEndOffset: number;
  readonly leaderLogStart: number;
  /** The offset the follower truncated to. */
  readonly truncatedTo: number;
  /** The records it kept below the leader's log start (the highest MAX_KEPT_RECORDS of them). */
  readonly kept: ReadonlyArray<{ readonly offset: number; readonly value: string; readonly epoch: number }>;
}

/**
 * The context of fetch-epoch-below-leader-cache-no-divergence: a leader served a follower's fetch
 * whose last fetched epoch is older than every epoch in its cache, with no divergence (the
 * witness of the Kafka finding no-divergence-below-log-start reads it: driver/kafka-findings.ts).
 */
export interface FetchEpochBelowLeaderCache {
  readonly leader: number;
  readonly follower: number;
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
  /** The epoch of the leader cache's first entry (after truncateFromStart, starting at its log start). */
  readonly leaderFirstEpoch: number;
  /** LeaderEpochFileCache.endOffsetFor's answer: the first entry's start offset. */
  readonly leaderEndOffset: number;
  readonly leaderLogStart: number;
}

/** How many kept records a KeptBelowLeaderLogStart lists at most (the highest offsets). */
export const MAX_KEPT_RECORDS = 32;

/**
 * `zk-alter-partition-resent-bad-version`'s context: the ISR write the ZooKeeper-mode
 * controller made for a leader's AlterPartition, sent again after a connection loss and
 * answered BADVERSION (the witness of the Kafka finding zk-stale-controller-cache reads it:
 * driver/kafka-findings.ts).
 */
export interface ZkResentIsrWrite {
  readonly controller: number;
  readonly controllerEpoch: number;
  readonly topic: string;
  readonly partition: number;
  /** The leader that asked, and its leader epoch (the write keeps both). */
  readonly leader: number;
  readonly leaderEpoch: number;
  /** The zkVersion written at: the leader's partition epoch, and the controller's cached one. */
  readonly zkVersion: number;
  /** The ISR written. */
  readonly isr: readonly number[];
}

/**
 * `pending-isr-expansion-reset`'s context: a leader applied metadata of its own partition epoch
 * (learned first from an AlterPartition answer) while an ISR expansion was in flight, and
 * Partition.makeLeader replaced its ISR state with the committed one, dropping the expansion
 * from the maximal ISR (the witness of the Kafka finding dropped-isr-expansion reads it:
 * driver/kafka-findings.ts).
 */
export interface DroppedIsrExpansion {
  readonly leader: number;
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  /** The partition epoch the metadata carried (the expansion was sent at it too). */
  readonly partitionEpoch: number;
  /** The ISR the metadata carried, and the expansion dropped. */
  readonly committedIsr: readonly number[];
  readonly droppedIsr: readonly number[];
  /** The leader's HW when it dropped it (the expansion's members held it back until then). */
  readonly hw: number;
  /** When it was dropped (virtual µs). */
  readonly atUs: number;
}

/**
 * `group-coordinator-elected`'s context: a broker became leader of a `__consumer_offsets`
 * partition at a leader epoch and started loading its coordinator (GroupHost.elect).
 */
export interface GroupCoordinatorElected {
  readonly broker: number;
  /** The `__consumer_offsets` partition and the leadership's epoch. */
  readonly partition: number;
  readonly leaderEpoch: number;
  /** When (virtual µs). */
  readonly atUs: number;
}

/**
 * `group-offset-fetch-answered`'s context: a coordinator answered an OffsetFetch (error NONE)
 * from its in-memory offsets; `offsets` are what it answered (-1: none).
 */
export interface GroupOffsetFetchAnswered extends GroupCoordinatorElected {
  /** The client node it answered. */
  readonly client: number;
  readonly offsets: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offset: number }>;
}

/** The probes that pass a context, and its type. */
/**
 * `txn-coordinator-answered-unreplicated-partition`'s context: the coordinator of a
 * `__transaction_state` partition (at its coordinator epoch) answered that `partitions` ("topic/partition")
 * are in the transaction of `transactionalId` (producer id and epoch), which only records above the HW
 * at its load listed.
 */
export interface TxnAnsweredUnreplicatedPartition {
  readonly txnStatePartition: number;
  readonly coordinatorEpoch: number;
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly partitions: readonly string[];
  /** When (virtual ms). */
  readonly atMs: number;
}

/**
 * `txn-coordinator-loaded`'s context: a broker leading `__transaction_state` partition
 * `txnStatePartition` at `coordinatorEpoch` loaded it; each transactional id's state as loaded
 * (its last record, to the log end).
 */
export interface TxnLoaded {
  readonly txnStatePartition: number;
  readonly coordinatorEpoch: number;
  /** When (virtual ms). */
  readonly atMs: number;
  readonly txns: ReadonlyArray<{
    readonly transactionalId: string;
    readonly producerId: number;
    readonly producerEpoch: number;
    readonly state: string;
    readonly partitions: readonly string[];
  }>;
}

export interface CodeProbeContexts {
  'group-coordinator-elected': GroupCoordinatorElected;
  'group-offset-fetch-answered': GroupOffsetFetchAnswered;
  'pending-isr-expansion-reset': DroppedIsrExpansion;
  'follower-kept-records-below-leader-log-start': KeptBelowLeaderLogStart;
  'fetch-epoch-below-leader-cache-no-divergence': FetchEpochBelowLeaderCache;
  'zk-alter-partition-resent-bad-version': ZkResentIsrWrite;
  'txn-coordinator-answered-unreplicated-partition': TxnAnsweredUnreplicatedPartition;
  'txn-coordinator-loaded': TxnLoaded;
}

/** Marks a probe as reached, with the context a Kafka finding's witness reads (plain data, built at the site). */
export function codeProbeWith<N extends keyof CodeProbeContexts>(name: N, context: CodeProbeContexts[N]): void {
  hitCodeProbe(name, context);
}

const ALTER_PARTITION_REJECTIONS: Partial<Record<ControllerErrorCode, CodeProbeName>> = {
  STALE_BROKER_EPOCH: 'alter-partition-rejected-stale-broker-epoch',
  NOT_CONTROLLER: 'alter-partition-rejected-not-controller',
  INVALID_REQUEST: 'alter-partition-rejected-invalid-request',
  FENCED_LEADER_EPOCH: 'alter-partition-rejected-fenced-leader-epoch',
  INVALID_UPDATE_VERSION: 'alter-partition-rejected-stale-partition-epoch',
  INELIGIBLE_REPLICA: 'alter-partition-rejected-ineligible-replica',
  NOT_LEADER_OR_FOLLOWER: 'alter-partition-leader-moved',
};

/** Marks the reason the controller refused an AlterPartition (ReplicationControlManager.alterPartition). */
export function probeAlterPartitionRejection(error: ControllerErrorCode): void {
  const name = ALTER_PARTITION_REJECTIONS[error];
  if (name !== undefined) codeProbe(name);
}
