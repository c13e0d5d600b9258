// The variants `--variant NAME` accepts, with the one line `--list` prints for each, and how
// a variant is laid over a generated cluster spec. Generators never import this: the
// driver applies the variant after generation, so no generator can know which one is on.
//
// Assumes model/config.ts's variant names; a name missing from the descriptions below is a
// programming error caught by test/fuzz/scenarios.test.ts.

import {
  CONFIG_VARIANTS,
  PROTOCOL_VARIANTS,
  ZOOKEEPER_VARIANTS,
  type ClusterSpec,
  type ConfigVariant,
  type ProtocolVariant,
  type VariantName,
} from '../model/config.ts';

export const VARIANT_DESCRIPTIONS: Record<VariantName, string> = {
  correct: "today's Kafka: every fix in place (the default)",
  'acks-1': 'config: producer acks=1, the leader acknowledges before any follower has the record',
  'min-insync-1': 'config: min.insync.replicas=1, an ISR of the leader alone still acknowledges acks=all',
  'unclean-election': 'config: unclean.leader.election.enable=true, an out-of-sync replica may become leader',
  'truncate-to-hw': 'pre-KIP-101: a restarting follower truncates its log to its own high watermark',
  'kip-101': 'pre-KIP-279: the OffsetsForLeaderEpoch answer does not name the epoch its end offset belongs to',
  'no-epoch-fencing': 'pre-KIP-320: Fetch carries no current leader epoch, so a zombie follower is not fenced',
  'isr-expand-on-hw': "KAFKA-7128: ISR expands when a follower reaches a freshly elected leader's stale HW",
  'hw-on-current-isr':
    'pre-KIP-497: the HW advances over the current ISR, not the maximal ISR (in-flight AlterPartition)',
  'unfenced-alter-partition':
    'AlterPartition accepted without the partition epoch check: a deposed leader rewrites the ISR',
  'stale-broker-epoch': 'pre-KIP-903: a replica with a stale broker epoch may join the ISR',
  'last-replica-standing': 'pre-KIP-966: the ISR keeps its last member after it loses unflushed data in a power loss',
  'validation-seeks-ahead':
    "consumer: KIP-320 validation moves the position to the leader's end offset for its epoch, even one ahead of it",
  'no-producer-state-reload':
    'producer state: a truncated replica keeps the ids, epochs and sequences of the batches it cut away',
  'recovery-trusts-tail':
    'storage: recovery after a power loss reads the log past the recovery point without CRC checks (ensureValid)',
  'epoch-checkpoint-unsynced':
    'storage (KAFKA-16541, Kafka 3.7): a truncation rewrites the leader-epoch checkpoint without fsync, so an OS ' +
    'crash can leave it empty or stale',
  'controlled-shutdown-isr': 'pre-KIP-841 (KAFKA-13916): a broker in controlled shutdown rejoins the ISR',
  'no-check-quorum':
    'KRaft without check quorum (KAFKA-15489): a Raft leader cut off from the other voters never resigns',
  'vote-without-log-check': "KRaft: a voter grants its vote without comparing the candidate's log with its own",
  'alter-partition-before-commit':
    'KRaft: the active controller answers AlterPartition before its record is committed by the quorum',
  'coordinator-acks-1':
    'group coordinator: an offset commit is answered once appended to the leader, before its __consumer_offsets ' +
    'write is committed',
  'stale-generation-commit': 'group coordinator: an offset commit naming a stale generation (or member) is accepted',
  'coordinator-serves-before-load':
    'group coordinator: a new __consumer_offsets leader serves group state before loading it from the log',
  'zombie-controller':
    'ZooKeeper mode, pre-KAFKA-532: brokers act on LeaderAndIsr and UpdateMetadata of an older controller epoch',
  'read-committed-hw':
    'transactions: a read_committed fetch is bounded by the high watermark instead of the last stable offset',
  'stale-coordinator-cache':
    'group coordinator (KAFKA-7447): a broker that leads a __consumer_offsets partition again keeps serving the ' +
    'groups it cached before, not its log',
  'markers-before-prepare-committed':
    'transactions: the coordinator answers EndTxn and sends the COMMIT markers once PrepareCommit is appended, ' +
    'before it is committed in __transaction_state',
  'hanging-transaction':
    'transactions (before KIP-890): a partition leader appends a transactional batch without verifying with the ' +
    'transaction coordinator that its partition is in an ongoing transaction (run on transaction.version 0: ' +
    'under KIP-890 part 2 the epoch bump fences the late batch by construction)',
  'isr-write-ignores-zkversion':
    "ZooKeeper mode, KAFKA-2729's family: the leader's own ISR write sets the state znode at any version instead " +
    'of its cached zkVersion (implies inter.broker.protocol.version 2.6, the pre-AlterPartition path it lives in)',
};

export const VARIANT_NAMES: readonly VariantName[] = ['correct', ...CONFIG_VARIANTS, ...PROTOCOL_VARIANTS];

export function isVariantName(name: string): name is VariantName {
  return (VARIANT_NAMES as readonly string[]).includes(name);
}

/** A variant that changes a rule of ZooKeeper mode only (it does nothing in KRaft mode). */
export function isZooKeeperVariant(name: VariantName): boolean {
  return (ZOOKEEPER_VARIANTS as readonly string[]).includes(name);
}

export function isConfigVariant(name: VariantName): name is ConfigVariant {
  return (CONFIG_VARIANTS as readonly string[]).includes(name);
}

export function isProtocolVariant(name: VariantName): name is ProtocolVariant {
  return (PROTOCOL_VARIANTS as readonly string[]).includes(name);
}

/**
 * The spec with a variant in force: config variants set their unsafe setting (acks-1 →
 * acks 1, min-insync-1 → min.insync.replicas 1, unclean-election →
 * unclean.leader.election.enable true); protocol variants go to spec.variant
 * (isr-write-ignores-zkversion also sets inter.broker.protocol.version 2.6).
 */
export function applyVariant(spec: ClusterSpec, variant: VariantName): ClusterSpec {
  const config = { ...spec.config };
  let protocol: ClusterSpec['variant'] = 'correct';
  switch (variant) {
    case 'correct':
      break;
    case 'acks-1':
      config.acks = 1;
      break;
    case 'min-insync-1':
      config['min.insync.replicas'] = 1;
      break;
    case 'unclean-election':
      config['unclean.leader.election.enable'] = true;
      break;
    case 'isr-write-ignores-zkversion':
      // The bug lives in the leader's own ISR write, which only IBP < 2.7 runs (ZkAlterPartitionManager).
      config['inter.broker.protocol.version'] = '2.6';
      protocol = variant;
      break;
    default:
      protocol = variant;
  }
  return { ...spec, config, variant: protocol };
}
