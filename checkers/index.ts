// The checkers' library surface: readers, the whole-history check, the Kafka anomaly and
// durability checks, linearizability, the white-box invariant monitor and the liveness check.
// Nothing here imports the model or the kernel (DESIGN §1): any history can be judged.

export type { History, HistoryEvent, OpType, SendValue, PollValue, AssignValue } from './history.ts';
export type { Verdict, Anomaly, CycleStep, Validity, LinearizabilityCounterexample } from './verdict.ts';
export { HistoryInputError } from './errors.ts';

export {
  readHistory,
  detectFormat,
  readJsonl,
  readEdn,
  readEtcdLog,
  FORMATS,
  COMPARE_FAILED,
} from './readers/index.ts';
export type { HistoryFormat, ReadResult } from './readers/index.ts';

export { pairOperations, type Operation, type Outcome } from './ops.ts';

export { checkHistory, guessModel, foldVerdicts, isModelName, isKafkaHistory } from './check.ts';
export { hasMicroOps } from './kafka-actions.ts';
export type { CheckOptions, ModelGuess } from './check.ts';

export { checkKafka, type KafkaCheckOptions } from './kafka.ts';
export { checkGroups, isGroupHistory } from './groups.ts';
export { checkTxn, type TxnCheckOptions } from './txn.ts';
export { checkTxnOffsets, isTxnOffsetsHistory } from './txn-offsets.ts';

export { checkLinearizable, checkPartitions } from './linear/index.ts';
export type { LinearizabilityOptions, PartitionOutcome } from './linear/index.ts';
export { MODEL_NAMES, type ModelName } from './linear/models.ts';
export { DEFAULT_MAX_STEPS, DEFAULT_MAX_STATES } from './linear/search.ts';

export { createInvariantMonitor, INVARIANT_NAMES } from './invariants.ts';
export type { InvariantMonitor, InvariantMonitorOptions, InvariantName } from './invariants.ts';

export { createLivenessTracker, checkLiveness } from './liveness.ts';
export { generateLogHistory, type SyntheticLogOptions, type SyntheticLog } from './synthetic.ts';
export type { LivenessOptions, LivenessTracker, ProbeOutcome } from './liveness.ts';
