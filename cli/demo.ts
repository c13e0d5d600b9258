// `npm run demo`: the classic demo on the simulated cluster. Three brokers, a topic with
// replication factor 3 and min.insync.replicas=2, one producer (acks=all) and one consumer;
// kill -9 the leader and watch. It prints `kafka-topics.sh --describe` before the kill and
// while the broker is down, as Kafka prints it, the controller's moves in between, a send
// and a poll that still work with the leader gone, and writes the run's report and trace.
//
// Assumes: one run of driver/run.ts with tracing on (the same run `npm run replay` repeats
// from the trace); everything printed comes from that trace, so the output is the same for
// a given --seed on every machine. Exit 0 when the run is judged ok.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bool, parseArgs, parseCount, str, UsageError, type FlagSpec } from './args.ts';
import { exitCodeForOutcome } from './replay.ts';
import type { TimelineEvent, Trace } from '../checkers/trace.ts';
import type { HistoryEvent, PollValue, SendValue } from '../checkers/history.ts';
import { topicIdOf } from '../model/topic-id.ts';
import { clientOfProcess } from '../model/client-process.ts';
import { FIRST_CONSUMER_ID, FIRST_PRODUCER_ID, PROBE_CLIENT_ID } from '../model/config.ts';
import { TOPIC, type ScenarioInput } from '../scenarios/input.ts';
import { runScenario } from '../driver/run.ts';
import { DEFAULT_DEPS_MODULE, loadDeps, sealTrace } from '../campaign/tasks.ts';
import { renderViolationReport } from '../reports/html-report.ts';
import { isVoterRole, quorumModeLine, quorumStatusLines, type VoterAt } from '../reports/quorum-status.ts';

const DEFAULT_DEMO_SEED = 1;
const DEFAULT_OUT = 'gregor-out';
const KILL_AT_MS = 10_000;
const DOWN_MS = 90_000;

const FLAGS: Record<string, FlagSpec> = {
  seed: { kind: 'value' },
  out: { kind: 'value' },
  controller: { kind: 'value' },
  help: { kind: 'bool' },
};

/** ZooKeeper mode's default seed: its admin draws the assignment 2,1,3 of seed 000's describe. */
const DEFAULT_ZK_DEMO_SEED = 4;

const USAGE = `usage: npm run demo -- [--seed S] [--out DIR] [--controller kraft|zookeeper]

The classic demo: 3 brokers, a topic with replication factor 3, kill -9 the leader, watch.
Prints kafka-topics.sh --describe before and after, a send and a poll that still work,
and writes the run's HTML report and trace.

  --seed S    simulation seed (default ${DEFAULT_DEMO_SEED}); the same seed prints the same story
  --out DIR   where the report and trace go (default ./${DEFAULT_OUT})
  --controller MODE  kraft (default) or zookeeper: seed 000's cluster, three brokers and one ZooKeeper,
              Kafka 3.9 (default seed ${DEFAULT_ZK_DEMO_SEED})
  --help      this text`;

/** The demo's input: the classic shape, a steady producer, one kill of the leader. */
const DEMO_INPUT: ScenarioInput = {
  shape: { brokers: 3, replicationFactor: 3, minInsync: 2, partitions: 1, controllers: 3, timing: {} },
  workload: { producers: 1, consumers: 1, sends: 600, keys: 0, sendIntervalMs: 100, pollIntervalMs: 50 },
  faults: [
    {
      trigger: { kind: 'at', atMs: KILL_AT_MS },
      action: { kind: 'crash', target: { kind: 'leader', partition: 0 }, downMs: DOWN_MS },
    },
  ],
  healAtMs: 120_000,
};

type PartitionRecord = Extract<TimelineEvent, { kind: 'partition' }>;

/** The demo in ZooKeeper mode (issue 16): seed 000's one ZooKeeper server, Kafka 3.9. */
function zookeeperDemoInput(): ScenarioInput {
  const { controllers: _voters, ...shape } = DEMO_INPUT.shape;
  return { ...DEMO_INPUT, shape: { ...shape, kafkaVersion: '3.9', zookeeper: { servers: 1 } } };
}

/**
 * `kafka-topics.sh --describe --topic T` as Kafka 2.8–3.x prints it against a ZooKeeper-mode
 * cluster (TopicCommand: topic-level config overrides only, none here; no ELR columns), as
 * seed 000 shows it.
 */
export function kafkaTopicsDescribeZk(
  topicId: string,
  partitions: ReadonlyArray<Pick<PartitionRecord, 'topic' | 'partition' | 'leader' | 'replicas' | 'isr'>>,
): string {
  const sorted = [...partitions].sort((a, b) => a.partition - b.partition);
  const first = sorted[0];
  const lines = [
    `Topic: ${first.topic}\tTopicId: ${topicId}\tPartitionCount: ${sorted.length}\t` +
      `ReplicationFactor: ${first.replicas.length}\tConfigs: `,
  ];
  for (const p of sorted) {
    lines.push(
      `\tTopic: ${p.topic}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\t` +
        `Replicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}`,
    );
  }
  return lines.join('\n');
}

/**
 * `kafka-topics.sh --describe --topic T` as Kafka 4.x prints it: TopicCommand.java,
 * TopicDescription.printDescription (non-default configs only) and
 * PartitionDescription.printDescription (Elr and LastKnownElr, empty lists with KIP-966).
 */
export function kafkaTopicsDescribe(
  topicId: string,
  minInsync: number,
  partitions: ReadonlyArray<
    Pick<PartitionRecord, 'topic' | 'partition' | 'leader' | 'replicas' | 'isr' | 'elr'> & { lastKnownElr?: number[] }
  >,
): string {
  const sorted = [...partitions].sort((a, b) => a.partition - b.partition);
  const first = sorted[0];
  const lines = [
    `Topic: ${first.topic}\tTopicId: ${topicId}\tPartitionCount: ${sorted.length}\t` +
      `ReplicationFactor: ${first.replicas.length}\tConfigs: min.insync.replicas=${minInsync}`,
  ];
  for (const p of sorted) {
    lines.push(
      `\tTopic: ${p.topic}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\t` +
        `Replicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\tElr: ${p.elr.join(',')}\t` +
        `LastKnownElr: ${(p.lastKnownElr ?? []).join(',')}`,
    );
  }
  return lines.join('\n');
}

/** `kafka-metadata-quorum.sh describe --status` at `atUs`, from the voters' 'quorum' and 'node' events. */
function quorumStatusAt(trace: Trace, atUs: number): string[] {
  const voters: VoterAt[] = [];
  const up = new Map<number, boolean>();
  for (const e of trace.timeline) if (e.kind === 'node' && e.t <= atUs) up.set(e.node, e.state === 'up');
  for (const n of trace.nodes.filter((x) => isVoterRole(x.role))) {
    let last: Extract<TimelineEvent, { kind: 'quorum' }> | undefined;
    for (const e of trace.timeline) if (e.kind === 'quorum' && e.node === n.id && e.t <= atUs) last = e;
    const base = { id: n.id, up: up.get(n.id) === true };
    voters.push(
      last === undefined
        ? { ...base, role: 'unattached', epoch: 0, leaderId: -1, hw: 0, sinceUs: 0 }
        : { ...base, role: last.role, epoch: last.epoch, leaderId: last.leaderId, hw: last.hw, sinceUs: last.t },
    );
  }
  // Observers: brokers that are not voters (a combined node's broker shares its voter's Raft client).
  const observers = trace.nodes.filter((x) => x.role === 'broker' && up.get(x.id) === true).map((x) => x.id);
  const leader = voters.find((v) => v.up && v.role === 'leader');
  const leaderHws: Array<[number, number]> = [];
  for (const e of trace.timeline)
    if (e.kind === 'quorum' && e.node === leader?.id && e.t <= atUs && e.role === 'leader') leaderHws.push([e.t, e.hw]);
  const brokerIds = trace.nodes.filter((x) => x.role === 'broker' || x.role === 'combined').map((x) => x.id);
  return [
    quorumModeLine(
      voters.map((v) => v.id),
      brokerIds,
    ),
    '$ kafka-metadata-quorum.sh --bootstrap-controller localhost:9093 describe --status',
    ...quorumStatusLines(trace.clusterId ?? '', voters, observers, atUs, leaderHws),
  ];
}

/** The controller's record of partition 0 as it stood at `atUs` (the last change at or before it). */
function partitionAt(timeline: readonly TimelineEvent[], atUs: number): PartitionRecord {
  let last: PartitionRecord | undefined;
  for (const e of timeline) if (e.kind === 'partition' && e.topic === TOPIC && e.t <= atUs) last = e;
  if (last === undefined) throw new Error(`no partition record for ${TOPIC} by ${secs(atUs)}`);
  return last;
}

function secs(us: number): string {
  return `${(us / 1_000_000).toFixed(3)} s`;
}

function isProducer(process: number | string): boolean {
  const client = clientOfProcess(process);
  return client !== undefined && client >= FIRST_PRODUCER_ID && client < FIRST_CONSUMER_ID;
}

/** A workload consumer's process (not the driver's probe client or final read). */
function isConsumer(process: number | string): boolean {
  const client = clientOfProcess(process);
  return client !== undefined && client >= FIRST_CONSUMER_ID && client < PROBE_CLIENT_ID;
}

/** The first send acknowledged after `fromUs` by a producer, and the workload consumer's poll that returned it. */
function sendAndPollAfter(
  history: readonly HistoryEvent[],
  fromUs: number,
): { send: HistoryEvent; poll?: HistoryEvent } | undefined {
  const send = history.find((e) => e.f === 'send' && e.type === 'ok' && e.time > fromUs && isProducer(e.process));
  if (send === undefined) return undefined;
  const offset = (send.value as SendValue).offset;
  const poll = history.find(
    (e) =>
      e.f === 'poll' &&
      e.type === 'ok' &&
      e.time > fromUs &&
      isConsumer(e.process) &&
      ((e.value as PollValue).records ?? []).some(([o]) => o === offset),
  );
  return poll === undefined ? { send } : { send, poll };
}

/** The story, line by line, from the trace of the demo's run. */
function demoStory(trace: Trace, paths: { report: string; trace: string }, zookeeper: boolean): string[] {
  const fault = trace.faults[0];
  const killUs = fault?.startUs ?? KILL_AT_MS * 1000;
  const restartUs = fault?.endUs ?? (KILL_AT_MS + DOWN_MS) * 1000;
  const topicId = topicIdOf(trace.seed, TOPIC);
  const minIsr = DEMO_INPUT.shape.minInsync;
  const before = partitionAt(trace.timeline, killUs);
  const afterUs = restartUs - 1000;
  const after = partitionAt(trace.timeline, afterUs);
  const describeCmd = `$ kafka-topics.sh --bootstrap-server localhost:9092 --describe --topic ${TOPIC}`;
  const describe = (p: PartitionRecord) =>
    zookeeper ? kafkaTopicsDescribeZk(topicId, [p]) : kafkaTopicsDescribe(topicId, minIsr, [p]);
  const out = [
    `gregor demo, seed ${trace.seed}: 3 brokers${zookeeper ? ' and one ZooKeeper server (Kafka 3.9)' : ''}, ` +
      `topic ${TOPIC} (1 partition, replication factor 3, min.insync.replicas=${minIsr}),`,
    'one producer (acks=all, idempotent) and one consumer, on a simulated cluster and a virtual clock.',
    '',
    `${describeCmd}        # at ${secs(killUs)}`,
    describe(before),
    '',
    ...(zookeeper ? [] : [...quorumStatusAt(trace, killUs - 1), '']),
  ];
  for (const e of trace.timeline) {
    if (e.t < killUs || e.t >= restartUs) continue;
    if (e.kind === 'node' && e.state === 'down')
      out.push(`${secs(e.t).padStart(10)}  kill -9 broker ${e.node} (the leader of ${TOPIC}-0)`);
    if (e.kind === 'partition' && e.topic === TOPIC)
      out.push(
        `${secs(e.t).padStart(10)}  controller: ${TOPIC}-${e.partition} leader ${e.leader}, ` +
          `leader epoch ${e.leaderEpoch}, ISR ${e.isr.join(',')}`,
      );
  }
  out.push('', `${describeCmd}        # at ${secs(afterUs)}, the old leader still down`, describe(after), '');
  const works = sendAndPollAfter(trace.history, after.t);
  if (works === undefined) out.push(`no send was acknowledged after ${secs(after.t)}`);
  else {
    const s = works.send.value as SendValue;
    const lastBefore = trace.history
      .filter((e) => e.f === 'send' && e.type === 'ok' && e.time <= killUs && isProducer(e.process))
      .at(-1);
    if (lastBefore !== undefined) {
      out.push(
        `the producer's acknowledgements paused from ${secs(lastBefore.time)} to ${secs(works.send.time)}: ` +
          'its connection to the killed leader reset at once, but the controller elects a new leader only ' +
          (zookeeper
            ? 'when the dead broker’s ZooKeeper session expires (zookeeper.session.timeout.ms, 18 s)'
            : 'when the dead broker misses its session (broker.session.timeout.ms, 9 s)'),
      );
    }
    out.push(`still working with broker ${before.leader} gone:`);
    out.push(
      `  send  ${JSON.stringify(s.value)} → ${s.topic}-${s.partition} offset ${s.offset}, ` +
        `acknowledged (acks=all) at ${secs(works.send.time)}`,
    );
    if (works.poll !== undefined) {
      const p = works.poll.value as PollValue;
      const recs = p.records ?? [];
      out.push(
        `  poll  ${p.topic}-${p.partition} from offset ${p.offset}: ${recs.length} record(s) ` +
          `up to offset ${recs[recs.length - 1][0]}, at ${secs(works.poll.time)}`,
      );
    }
  }
  const rejoined = trace.timeline.find(
    (e): e is PartitionRecord => e.kind === 'partition' && e.t >= restartUs && e.isr.length === 3,
  );
  const rejoin = rejoined === undefined ? '' : `; back in the ISR at ${secs(rejoined.t)}`;
  out.push('', `${secs(restartUs).padStart(10)}  broker ${before.leader} restarts${rejoin}`);
  const acked = trace.history.filter((e) => e.f === 'send' && e.type === 'ok').length;
  out.push(
    `verdict: ${trace.outcome} (${acked} sends acknowledged; ` +
      'the checkers looked for any of them lost, duplicated or reordered)',
  );
  out.push(`report: ${paths.report}`, `trace:  ${paths.trace} (npm run replay -- ${paths.trace})`);
  return out;
}

async function demoMain(
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  let seed: number;
  let outDir: string;
  let zookeeper: boolean;
  try {
    const p = parseArgs(argv, FLAGS);
    if (bool(p, 'help')) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (p.positional.length > 0)
      throw new UsageError(`unexpected argument ${JSON.stringify(p.positional[0])} (see --help)`);
    const mode = str(p, 'controller') ?? 'kraft';
    if (mode !== 'kraft' && mode !== 'zookeeper')
      throw new UsageError(`--controller must be kraft or zookeeper, got ${JSON.stringify(mode)}`);
    zookeeper = mode === 'zookeeper';
    const seedText = str(p, 'seed');
    const defaultSeed = zookeeper ? DEFAULT_ZK_DEMO_SEED : DEFAULT_DEMO_SEED;
    seed = seedText === undefined ? defaultSeed : parseCount('seed', seedText);
    outDir = str(p, 'out') ?? DEFAULT_OUT;
    if (outDir.trim() === '') throw new UsageError('--out needs a directory');
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`gregor demo: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const deps = await loadDeps(DEFAULT_DEPS_MODULE);
  const input = zookeeper ? zookeeperDemoInput() : DEMO_INPUT;
  const r = runScenario(deps, { seed, scenario: 'demo', variant: 'correct', input, trace: true });
  mkdirSync(outDir, { recursive: true });
  const paths = { report: join(outDir, `demo-seed-${seed}.html`), trace: join(outDir, `demo-seed-${seed}.trace.json`) };
  if (r.trace === undefined) throw new Error('the run kept no trace');
  const trace = sealTrace({ ...r.trace, command: `npm run replay -- ${paths.trace}` });
  writeFileSync(paths.trace, `${JSON.stringify(trace)}\n`);
  writeFileSync(paths.report, renderViolationReport(trace));
  io.stdout.write(`${demoStory(trace, paths, zookeeper).join('\n')}\n`);
  return exitCodeForOutcome(r.outcome);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  demoMain(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `gregor demo: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 3;
    },
  );
}
