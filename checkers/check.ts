// checkHistory: the one call that judges a whole history. It picks the model when none is
// given (Kafka send/poll → the Kafka anomaly and durability checks plus `log`
// linearizability; get/put/append or keyed ops → kv; read/write/cas → cas-register), runs the
// checkers and folds their verdicts: invalid if any checker found an error, else "unknown"
// if linearizability ran out of budget, else valid. Kafka histories always get the anomaly
// checks, whatever linearizability model is asked for; histories in Jepsen's Kafka vocabulary
// (micro-op lists) get only those and the transactional checks (checkers/txn.ts).

import { GROUP_OPS, type History } from './history.ts';
import { checkGroups, isGroupHistory } from './groups.ts';
import type { Verdict } from './verdict.ts';
import { HistoryInputError } from './errors.ts';
import { checkKafka } from './kafka.ts';
import type { RetentionDeletion } from './retention.ts';
import { checkLinearizable } from './linear/index.ts';
import { MODEL_NAMES, type ModelName } from './linear/models.ts';
import { isClientProcess } from './ops.ts';
import { hasMicroOps } from './kafka-actions.ts';
import { checkKafkaAndTxn } from './txn.ts';
import { checkTxnOffsets, isTxnOffsetsHistory } from './txn-offsets.ts';

export interface CheckOptions {
  /** Linearizability model; guessed from the operations when absent. */
  model?: ModelName;
  /** Initial register value (register, cas-register). */
  initial?: unknown;
  /** Search budget (see linear/search.ts). */
  maxSteps?: number;
  maxStates?: number;
  /** Log models: 'off' forces the general search. */
  fastPath?: 'auto' | 'off';
  /** Source lines of the events, so errors name them. */
  sourceLines?: readonly number[];
  /** Kafka histories: the final read saw the whole committed log (see KafkaCheckOptions). */
  finalReadComplete?: boolean;
  /** Kafka histories: deletions by retention (see KafkaCheckOptions; a gregor trace carries them). */
  retention?: readonly RetentionDeletion[];
}

export interface ModelGuess {
  model: ModelName | undefined;
  /** Why: which operations decided it. */
  reason: string;
}

const KAFKA_FS = new Set(['send', 'poll', 'assign', 'txn', ...GROUP_OPS]);
const KV_FS = new Set(['get', 'put', 'append']);
const REGISTER_FS = new Set(['read', 'write', 'cas']);

export function isModelName(x: string): x is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(x);
}

/** The model a history's operations call for. */
export function guessModel(history: History): ModelGuess {
  const fs = new Set<string>();
  let keyed = false;
  for (const ev of history) {
    if (!isClientProcess(ev.process)) continue;
    fs.add(ev.f);
    if (ev.key !== undefined) keyed = true;
  }
  if (fs.size === 0) return { model: undefined, reason: 'the history has no operations' };
  const names = [...fs].sort().join(', ');
  if ([...fs].some((f) => KAFKA_FS.has(f))) return { model: 'log', reason: `Kafka operations (${names})` };
  if ([...fs].some((f) => KV_FS.has(f)) || keyed) return { model: 'kv', reason: `key-value operations (${names})` };
  if ([...fs].every((f) => REGISTER_FS.has(f)))
    return { model: 'cas-register', reason: `register operations (${names})` };
  return { model: undefined, reason: `operations ${names} match no model` };
}

export function isKafkaHistory(history: History): boolean {
  return history.some((ev) => KAFKA_FS.has(ev.f));
}

/** Judges a history; throws HistoryInputError when it cannot be judged. */
export function checkHistory(history: History, opts: CheckOptions = {}): Verdict {
  let model = opts.model;
  if (model === undefined) {
    const guess = guessModel(history);
    if (guess.model === undefined) {
      if (history.length === 0 || guess.reason === 'the history has no operations') {
        return { valid: true, checker: 'none (empty history)', anomalies: [], stats: { operations: 0 } };
      }
      throw new HistoryInputError(`cannot choose a model: ${guess.reason}; pass --model`);
    }
    model = guess.model;
  }
  const verdicts: Verdict[] = [];
  if (hasMicroOps(history)) {
    // Jepsen's Kafka vocabulary: the anomaly and transactional checks, and no linearizability
    const kafkaOpts = {
      sourceLines: opts.sourceLines,
      finalReadComplete: opts.finalReadComplete,
      retention: opts.retention,
    };
    verdicts.push(...checkKafkaAndTxn(history, kafkaOpts));
    if (isGroupHistory(history)) verdicts.push(checkGroups(history, { sourceLines: opts.sourceLines }));
    if (isTxnOffsetsHistory(history)) verdicts.push(checkTxnOffsets(history, { sourceLines: opts.sourceLines }));
    verdicts[0].anomalies.push({
      kind: 'not-judged',
      explanation:
        "Linearizability against a log is not judged: Jepsen's Kafka operations do not say where a poll " +
        'reads from, and their offsets may have gaps (transaction markers); the Kafka anomaly checks ran.',
      informational: true,
    });
    return foldVerdicts(verdicts);
  }
  if (isKafkaHistory(history)) {
    const kafkaOpts = {
      sourceLines: opts.sourceLines,
      finalReadComplete: opts.finalReadComplete,
      retention: opts.retention,
    };
    verdicts.push(checkKafka(history, kafkaOpts));
  }
  if (isGroupHistory(history)) verdicts.push(checkGroups(history, { sourceLines: opts.sourceLines }));
  verdicts.push(
    checkLinearizable(history, {
      model,
      initial: opts.initial,
      maxSteps: opts.maxSteps,
      maxStates: opts.maxStates,
      fastPath: opts.fastPath,
      sourceLines: opts.sourceLines,
    }),
  );
  return foldVerdicts(verdicts);
}

/** Folds several checkers' verdicts into one (stats prefixed by each checker's name). */
export function foldVerdicts(verdicts: Verdict[]): Verdict {
  if (verdicts.length === 1) return verdicts[0];
  const stats: Record<string, number> = {};
  for (const v of verdicts) {
    const prefix = v.checker.replace(/\(.*$/, '');
    for (const [k, x] of Object.entries(v.stats ?? {})) stats[`${prefix}.${k}`] = x;
  }
  const out: Verdict = {
    valid: verdicts.some((v) => v.valid === false)
      ? false
      : verdicts.some((v) => v.valid === 'unknown')
        ? 'unknown'
        : true,
    checker: verdicts.map((v) => v.checker).join(' + '),
    anomalies: verdicts.flatMap((v) => v.anomalies),
    stats,
  };
  const ce = verdicts.find((v) => v.counterexample !== undefined)?.counterexample;
  if (ce !== undefined) out.counterexample = ce;
  return out;
}
