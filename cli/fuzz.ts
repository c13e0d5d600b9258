// `npm run fuzz`: the fuzzer's command line (DESIGN §6, issue 5). Parses and validates every
// flag before anything is written, runs the campaign (campaign/fuzz.ts) or a merge, and
// exits 0 (no violation), 1 (violation, stuck, crash or nondeterminism found), 2 (bad usage
// or input: one line on stderr, nothing written) or 3 (unknown: some verdict undecided, or
// interrupted with Ctrl-C before the end; the summary of what finished is still printed).
// --out is checked (made, and a scratch file written) before the first seed; a write that
// fails later (a full disk) is reported with what was written, and the exit is non-zero.
// --resume DIR continues an interrupted campaign from DIR's journal and reports as one run.
//
// Progress goes to stderr; the summary to stdout, and with --json the last stdout line is
// the JSON summary. `npm run fuzz` runs this file as `exec node --import tsx cli/fuzz.ts`: no
// shell and no tsx wrapper process stand between npm and it, so Ctrl-C (SIGINT to the whole
// process group, or to npm alone, which forwards it) reaches it and its exit code is npm's.

import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { basename } from 'node:path';
import {
  bool,
  list,
  parseArgs,
  parseCount,
  parseShard,
  readJsonFile,
  str,
  UsageError,
  type FlagSpec,
  type Parsed,
} from './args.ts';
import { DEFAULT_SCENARIO, SCENARIOS, findScenario, scenarioOnVersion } from '../scenarios/named.ts';
import { isKafkaVersion, KAFKA_VERSIONS, NEWEST_KAFKA_VERSION, type KafkaVersion } from '../model/versions.ts';
import { VARIANT_DESCRIPTIONS, VARIANT_NAMES, isVariantName, isZooKeeperVariant } from '../scenarios/variants.ts';
import { INTER_BROKER_PROTOCOL_VERSIONS, type InterBrokerProtocolVersion, type VariantName } from '../model/config.ts';
import { runCampaign } from '../campaign/fuzz.ts';
import { mergeDirs, MergeInputError } from '../campaign/merge.ts';
import { createProgress } from '../campaign/progress.ts';
import { formatSummary, type CampaignSummary } from '../campaign/summary.ts';
import { OutDirError, prepareOutDir, writeCampaignFiles, WriteLog } from '../campaign/output.ts';
import { copyViolationFiles } from '../campaign/merge.ts';
import { JournalError, readJournal } from '../campaign/journal.ts';
import { shardSize } from '../campaign/seeds.ts';
import type { SeedResult } from '../campaign/tasks.ts';
import { DEFAULT_SHRINK_RUNS } from '../campaign/shrink.ts';
import type { SeedRange } from '../campaign/seeds.ts';
import type { Trace } from '../checkers/trace.ts';
import { NEWEST_ZOOKEEPER_VERSION, type ScenarioInput, type ShapeOverrides } from '../scenarios/input.ts';
import { MAX_BROKERS, MAX_PARTITIONS, parseScenarioInput } from '../scenarios/schema.ts';
import { inputFor, type InputPlan } from '../campaign/tasks.ts';

/** Seeds of a bare `npm run fuzz`: about a minute or two of real work on a 2-core machine. */
export const DEFAULT_SEEDS = 6000;
export const DEFAULT_OUT = 'gregor-out';
const MAX_WORKERS = 64;
/** --report writes two files per seed: a range larger than this is a usage error. */
const MAX_REPORT_SEEDS = 1000;

const FLAGS: Record<string, FlagSpec> = {
  scenario: { kind: 'value' },
  'scenario-file': { kind: 'value' },
  print: { kind: 'bool' },
  brokers: { kind: 'value' },
  'replication-factor': { kind: 'value' },
  'min-insync': { kind: 'value' },
  partitions: { kind: 'value' },
  controllers: { kind: 'value' },
  combined: { kind: 'bool' },
  controller: { kind: 'value' },
  'inter-broker-protocol-version': { kind: 'value' },
  seeds: { kind: 'value' },
  seed: { kind: 'value' },
  'base-seed': { kind: 'value' },
  workers: { kind: 'value' },
  shard: { kind: 'value' },
  variant: { kind: 'value' },
  'kafka-version': { kind: 'value' },
  'max-violations': { kind: 'value' },
  'fail-on-kafka-findings': { kind: 'bool' },
  out: { kind: 'value' },
  'shrink-runs': { kind: 'value' },
  'check-determinism': { kind: 'bool' },
  json: { kind: 'bool' },
  list: { kind: 'bool' },
  merge: { kind: 'list' },
  report: { kind: 'bool' },
  resume: { kind: 'value' },
  guided: { kind: 'bool' },
  help: { kind: 'bool' },
};

export const USAGE = `usage: npm run fuzz -- [options]

Runs seeds of a scenario against the simulated Kafka cluster, judges every run, shrinks each
violation to a small counterexample and writes its trace and HTML report.

  --scenario NAME        scenario to run (default ${DEFAULT_SCENARIO}; see --list)
  --scenario-file FILE   run the input in FILE.json (shape, Kafka settings, workload, faults) for every seed
  --print                print the scenario's input for --seed S (default 0) as such a file, and exit
  --brokers N            override the drawn shape: brokers (1..${MAX_BROKERS}), and likewise
  --replication-factor N   the topic's replication factor,
  --min-insync N           its min.insync.replicas,
  --partitions N           its partitions (faults naming brokers beyond the shape are dropped),
  --controllers N          its KRaft controller quorum voters (1, 3 or 5; the swarm draws 3 or 1)
  --combined               combined mode: the voters run on brokers 1..N, each node a broker and a controller
                           in one process (process.roles=broker,controller; the swarm draws it sometimes)
  --controller MODE      kraft or zookeeper (default: the scenario's own; the swarm draws ZooKeeper mode in one
                           seed of five, and kraft runs such a seed on its KRaft-mode draw). zookeeper: brokers
                           with a ZooKeeper ensemble (3 servers, or 1; sometimes the chroot /kafka-broker) and
                           the ZooKeeper-mode controller; Kafka 3.x
  --inter-broker-protocol-version V
                         with --controller zookeeper: inter.broker.protocol.version (2.6, 2.7, 2.8, 3.0 … the
                           --kafka-version; default the version's own). Below 2.7 the leader writes its ISR
                           changes to ZooKeeper itself and notifies the controller (/isr_change_notification)
  --variant NAME         protocol or configuration variant (default correct; see --list)
  --kafka-version V      Kafka release whose defaults and rules apply: ${KAFKA_VERSIONS.join(', ')}
                         (default ${NEWEST_KAFKA_VERSION})
  --seeds N              run N seeds (default ${DEFAULT_SEEDS})
  --seed S               run the single seed S (re-run a reported seed)
  --base-seed B          first seed of the range (default: random, printed; required with --shard)
  --workers N            worker threads (default: CPU count, at most 8)
  --shard K/N            run only shard K of N of the seed range (strided)
  --max-violations N     stop after N failing seeds, lowest seeds first (default 1; 0 = never stop)
  --fail-on-kafka-findings
                         exit 1 on a seed whose only failures are Kafka's own findings (known chains of
                         Kafka's behaviour that break its promise; default: counted and named, exit 0)
  --out DIR              output directory (default ./${DEFAULT_OUT})
  --shrink-runs N        simulation runs allowed to shrink each violation (default ${DEFAULT_SHRINK_RUNS};
                         0 = no shrinking)
  --check-determinism    run every seed twice and name the first event that differs
  --guided               keep the inputs of seeds that reached rare code probes and run mutations of
                         them beside fresh draws (same results for every worker count)
  --report               also write the trace and HTML report of every seed that is not a
                         failure (passing, expected loss, unknown); at most ${MAX_REPORT_SEEDS} seeds
  --resume DIR           continue the interrupted campaign whose journal is in DIR (same flags,
                         same output, as if it had run in one go; --workers and --json apply)
  --json                 the last line of stdout is the JSON summary
  --list                 list scenarios and variants, one line each
  --merge DIR...         combine the results of shards written to DIR... into --out
  --help                 this text

exit: 0 no violation (Kafka's own findings named), 1 violation found, 2 bad usage or input, 3 unknown or interrupted`;

export interface MainIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WriteStream;
  /** Module providing { deps } (model + checkers); tests use stand-ins. */
  depsModule?: string;
  /** Ctrl-C: the caller wires SIGINT to it. */
  signal?: AbortSignal;
  /** For a random default base seed. */
  randomSeed?: () => number;
}

interface FuzzRequest {
  scenario: string;
  /** Inputs other than the scenario's draws, and the flags that choose them. */
  input?: InputPlan;
  scenarioFlags?: string;
  variant: VariantName;
  range: SeedRange;
  baseSeedChosen: boolean;
  workers: number;
  maxViolations: number;
  failOnKafkaFindings: boolean;
  outDir: string;
  shrinkRuns: number;
  checkDeterminism: boolean;
  json: boolean;
  report: boolean;
  /** --resume: the seeds the interrupted run judged. */
  prior?: Map<number, SeedResult>;
  guided: boolean;
}

type Request =
  | FuzzRequest
  | { list: true }
  | { help: true }
  | { print: ScenarioInput }
  | { merge: string[]; outDir: string; json: boolean };

function parseRequest(argv: readonly string[], io: MainIo): Request {
  const p = parseArgs(argv, FLAGS);
  if (p.positional.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(p.positional[0])} (see --help)`);
  if (bool(p, 'help')) return { help: true };
  if (bool(p, 'list')) return { list: true };
  const resume = str(p, 'resume');
  if (resume !== undefined) return parseResume(p, resume);
  const outDir = str(p, 'out') ?? DEFAULT_OUT;
  if (outDir.trim() === '') throw new UsageError('--out needs a directory');
  const json = bool(p, 'json');
  const merge = list(p, 'merge');
  if (merge !== undefined) {
    const runFlags = [
      'scenario',
      'seeds',
      'seed',
      'base-seed',
      'shard',
      'variant',
      'kafka-version',
      'check-determinism',
      'workers',
      'guided',
    ];
    for (const other of [...runFlags, 'max-violations', 'fail-on-kafka-findings', ...INPUT_FLAGS]) {
      if (p.flags.has(other)) throw new UsageError(`--merge combines finished results; --${other} does not apply`);
    }
    return { merge, outDir, json };
  }
  const inputs = parseInputFlags(p, parseVersion(p));
  if (bool(p, 'print')) return { print: printedInput(p, inputs) };
  const scenario = inputs.scenario;
  const variantText = parseVariant(p, inputs);
  const seedsText = str(p, 'seeds');
  const seedText = str(p, 'seed');
  if (seedsText !== undefined && seedText !== undefined) throw new UsageError('give --seeds N or --seed S, not both');
  const shardText = str(p, 'shard');
  const shard = shardText === undefined ? undefined : parseShard(shardText);
  const baseText = str(p, 'base-seed');
  if (seedText !== undefined && (baseText !== undefined || shard !== undefined)) {
    throw new UsageError('--seed S runs one seed; --base-seed and --shard do not apply');
  }
  if (shard !== undefined && baseText === undefined) {
    throw new UsageError('--shard needs --base-seed B, so that every shard covers the same seed range');
  }
  const workers =
    str(p, 'workers') === undefined
      ? Math.max(1, Math.min(8, availableParallelism()))
      : parseCount('workers', str(p, 'workers')!, 1, MAX_WORKERS);
  const maxViolations =
    str(p, 'max-violations') === undefined ? 1 : parseCount('max-violations', str(p, 'max-violations')!, 0, 1_000_000);
  const shrinkRuns =
    str(p, 'shrink-runs') === undefined
      ? DEFAULT_SHRINK_RUNS
      : parseCount('shrink-runs', str(p, 'shrink-runs')!, 0, 100_000);
  let range: SeedRange;
  let baseSeedChosen = true;
  if (seedText !== undefined) {
    range = { baseSeed: parseCount('seed', seedText), count: 1 };
  } else {
    const count = seedsText === undefined ? DEFAULT_SEEDS : parseCount('seeds', seedsText, 1, 1_000_000_000);
    let baseSeed: number;
    if (baseText !== undefined) baseSeed = parseCount('base-seed', baseText);
    else {
      baseSeed = (io.randomSeed ?? (() => Math.floor(Math.random() * 2 ** 31)))();
      baseSeedChosen = false;
    }
    if (baseSeed + count - 1 > Number.MAX_SAFE_INTEGER)
      throw new UsageError('--base-seed + --seeds exceeds the largest safe integer');
    range = { baseSeed, count, ...(shard === undefined ? {} : { shard }) };
  }
  return {
    scenario,
    ...(inputs.input === undefined ? {} : { input: inputs.input, scenarioFlags: inputs.scenarioFlags }),
    variant: variantText,
    range,
    baseSeedChosen,
    workers,
    maxViolations,
    failOnKafkaFindings: bool(p, 'fail-on-kafka-findings'),
    outDir,
    shrinkRuns,
    checkDeterminism: bool(p, 'check-determinism'),
    json,
    report: checkReport(bool(p, 'report'), range),
    guided: bool(p, 'guided'),
  };
}

function checkReport(report: boolean, range: SeedRange): boolean {
  if (report && shardSize(range) > MAX_REPORT_SEEDS) {
    throw new UsageError(`--report writes every seed's report: give at most ${MAX_REPORT_SEEDS} seeds (e.g. --seed S)`);
  }
  return report;
}

/** --resume DIR: the interrupted campaign's flags come from its journal; only --workers and --json may be given. */
function parseResume(p: ReturnType<typeof parseArgs>, dir: string): FuzzRequest {
  for (const name of p.flags.keys()) {
    if (!['resume', 'workers', 'json'].includes(name)) {
      throw new UsageError(`--resume continues a campaign with its own flags; --${name} does not apply`);
    }
  }
  let journal;
  try {
    journal = readJournal(dir);
  } catch (err) {
    if (err instanceof JournalError) throw new UsageError(err.message);
    throw err;
  }
  const h = journal.header;
  const fixed = h.input?.kind === 'fixed' ? parseScenarioInput(h.input.input) : undefined;
  if (fixed !== undefined && !fixed.ok) throw new UsageError(`--resume: ${journal.path}: ${fixed.reason}`);
  const knownScenario = h.input?.kind === 'fixed' || findScenario(h.scenario) !== undefined;
  if (!knownScenario || !isVariantName(h.variant)) {
    const names = `scenario ${JSON.stringify(h.scenario)} / variant ${JSON.stringify(h.variant)}`;
    throw new UsageError(`--resume: ${journal.path} names ${names}, unknown here`);
  }
  const workersText = str(p, 'workers');
  return {
    scenario: h.scenario,
    variant: h.variant,
    range: h.range,
    baseSeedChosen: true,
    workers:
      workersText === undefined
        ? Math.max(1, Math.min(8, availableParallelism()))
        : parseCount('workers', workersText, 1, MAX_WORKERS),
    maxViolations: h.maxViolations,
    failOnKafkaFindings: h.failOnKafkaFindings === true,
    outDir: dir,
    shrinkRuns: h.shrinkRuns,
    checkDeterminism: h.checkDeterminism,
    json: bool(p, 'json'),
    report: h.report,
    guided: h.guided === true,
    prior: journal.done,
    ...(h.input === undefined ? {} : { input: h.input }),
    ...(h.scenarioFlags === undefined ? {} : { scenarioFlags: h.scenarioFlags }),
  };
}

/** The flags that choose a campaign's inputs besides --scenario. */
const KNOBS = [
  'brokers',
  'replication-factor',
  'min-insync',
  'partitions',
  'controllers',
  'combined',
  'controller',
  'inter-broker-protocol-version',
] as const;
const INPUT_FLAGS = ['scenario-file', 'print', ...KNOBS];

interface InputChoice {
  scenario: string;
  input?: InputPlan;
  scenarioFlags?: string;
}

/** --scenario, --scenario-file and the shape knobs; the file is read and validated here. */
/** --kafka-version V (default the newest), checked against model/versions.ts. */
function parseVersion(p: Parsed): KafkaVersion {
  const text = str(p, 'kafka-version') ?? NEWEST_KAFKA_VERSION;
  if (!isKafkaVersion(text)) {
    throw new UsageError(`unknown --kafka-version ${JSON.stringify(text)}; versions: ${KAFKA_VERSIONS.join(', ')}`);
  }
  return text;
}

/** --variant: a known name, and a ZooKeeper-mode one only with ZooKeeper-mode inputs. */
function parseVariant(p: Parsed, inputs: InputChoice): VariantName {
  const text = str(p, 'variant') ?? 'correct';
  if (!isVariantName(text))
    throw new UsageError(`unknown variant ${JSON.stringify(text)}; variants: ${VARIANT_NAMES.join(', ')}`);
  if (isZooKeeperVariant(text) && !inZooKeeperMode(inputs)) {
    const plan = inputs.input;
    const fix =
      plan?.kind === 'fixed'
        ? "the scenario file's shape has no zookeeper: give the file a ZooKeeper-mode shape"
        : plan?.overrides.controller === 'kraft'
          ? '--controller kraft runs KRaft mode: use --controller zookeeper'
          : 'add --controller zookeeper';
    throw new UsageError(`${text} changes a rule of ZooKeeper mode only: ${fix}`);
  }
  return text;
}

/** Whether the chosen inputs run in ZooKeeper mode (`--controller zookeeper`, or a file's shape). */
function inZooKeeperMode(inputs: InputChoice): boolean {
  const plan = inputs.input;
  if (plan === undefined) return false;
  return plan.kind === 'fixed' ? plan.input.shape.zookeeper !== undefined : plan.overrides.controller === 'zookeeper';
}

function parseInputFlags(p: Parsed, version: KafkaVersion): InputChoice {
  const file = str(p, 'scenario-file');
  const knobs = KNOBS.filter((k) => p.flags.has(k));
  if (file !== undefined) {
    if (p.flags.has('scenario')) throw new UsageError('give --scenario NAME or --scenario-file FILE, not both');
    if (p.flags.has('kafka-version')) {
      throw new UsageError(
        '--kafka-version applies to a named scenario; with --scenario-file, set shape.kafkaVersion in the file',
      );
    }
    if (knobs.length > 0) {
      throw new UsageError(
        `--${knobs[0]} overrides a named scenario's draws; with --scenario-file, edit the file's shape`,
      );
    }
    const input = readScenarioFile(file);
    return {
      scenario: fileScenarioName(file),
      input: { kind: 'fixed', input },
      scenarioFlags: `--scenario-file ${file}`,
    };
  }
  // The version rides in the scenario name (NAME@V), so every task, trace and re-run carries it.
  const scenario = scenarioOnVersion(str(p, 'scenario') ?? DEFAULT_SCENARIO, version);
  if (findScenario(scenario) === undefined) {
    const names = SCENARIOS.map((s) => s.name).join(', ');
    throw new UsageError(`unknown scenario ${JSON.stringify(scenario)}; scenarios: ${names}`);
  }
  if (knobs.length === 0) return { scenario };
  const overrides = parseKnobs(p);
  const flags = knobs.map((k) => (k === 'combined' ? '--combined' : `--${k} ${str(p, k)}`)).join(' ');
  return { scenario, input: { kind: 'overrides', overrides }, scenarioFlags: `--scenario ${scenario} ${flags}` };
}

function parseKnobs(p: Parsed): ShapeOverrides {
  type CountKnob = Exclude<(typeof KNOBS)[number], 'combined' | 'controller' | 'inter-broker-protocol-version'>;
  const knob = (name: CountKnob, max: number) => {
    const text = str(p, name);
    return text === undefined ? undefined : parseCount(name, text, 1, max);
  };
  const o: ShapeOverrides = {};
  const brokers = knob('brokers', MAX_BROKERS);
  const replicationFactor = knob('replication-factor', MAX_BROKERS);
  const minInsync = knob('min-insync', MAX_BROKERS);
  const partitions = knob('partitions', MAX_PARTITIONS);
  if (brokers !== undefined) o.brokers = brokers;
  if (replicationFactor !== undefined) o.replicationFactor = replicationFactor;
  if (minInsync !== undefined) o.minInsync = minInsync;
  if (partitions !== undefined) o.partitions = partitions;
  const controllers = knob('controllers', 5);
  if (controllers !== undefined) {
    if (controllers !== 1 && controllers !== 3 && controllers !== 5)
      throw new UsageError(`--controllers must be 1, 3 or 5 (a KRaft quorum of voters), got ${controllers}`);
    o.controllers = controllers;
  }
  if (bool(p, 'combined')) {
    o.combined = true;
    const voters = controllers ?? 1;
    if (brokers !== undefined && controllers !== undefined && voters > brokers)
      throw new UsageError(`--combined runs a voter on each of brokers 1..${voters}, but --brokers is ${brokers}`);
  }
  const mode = str(p, 'controller');
  if (mode !== undefined) {
    if (mode !== 'kraft' && mode !== 'zookeeper')
      throw new UsageError(`--controller must be kraft or zookeeper, got ${JSON.stringify(mode)}`);
    if (mode === 'zookeeper' && (controllers !== undefined || o.combined === true))
      throw new UsageError('--controllers and --combined configure KRaft voters; ZooKeeper mode has none');
    if (mode === 'zookeeper' && p.flags.has('kafka-version') && !str(p, 'kafka-version')?.startsWith('3.'))
      throw new UsageError('ZooKeeper mode runs on Kafka 3.x (4.0 removed it); --kafka-version must be 3.6–3.9');
    o.controller = mode;
  }
  const ibp = parseInterBrokerProtocolVersion(p, mode);
  if (ibp !== undefined) o.interBrokerProtocolVersion = ibp;
  if (brokers !== undefined && replicationFactor !== undefined && replicationFactor > brokers) {
    throw new UsageError(`--replication-factor ${replicationFactor} exceeds --brokers ${brokers}`);
  }
  const rfOrBrokers = replicationFactor ?? brokers;
  if (minInsync !== undefined && rfOrBrokers !== undefined && minInsync > rfOrBrokers) {
    const what = replicationFactor !== undefined ? `--replication-factor ${replicationFactor}` : `--brokers ${brokers}`;
    throw new UsageError(`--min-insync ${minInsync} exceeds ${what}: every acks=all send would fail`);
  }
  return o;
}

/**
 * --inter-broker-protocol-version V: ZooKeeper mode only (KRaft brokers have metadata.version),
 * one of the IBPs the model accepts, not above --kafka-version (KafkaConfig refuses an IBP newer
 * than the broker's own release).
 */
function parseInterBrokerProtocolVersion(p: Parsed, mode: string | undefined): InterBrokerProtocolVersion | undefined {
  const text = str(p, 'inter-broker-protocol-version');
  if (text === undefined) return undefined;
  if (mode !== 'zookeeper')
    throw new UsageError(
      '--inter-broker-protocol-version is a ZooKeeper-mode setting (KRaft uses metadata.version): ' +
        'add --controller zookeeper',
    );
  const known: readonly string[] = INTER_BROKER_PROTOCOL_VERSIONS;
  if (!known.includes(text))
    throw new UsageError(
      `unknown --inter-broker-protocol-version ${JSON.stringify(text)}; ` +
        `versions: ${INTER_BROKER_PROTOCOL_VERSIONS.join(', ')}`,
    );
  const version = str(p, 'kafka-version') ?? NEWEST_ZOOKEEPER_VERSION;
  const [am, an] = text.split('.').map(Number);
  const [bm, bn] = version.split('.').map(Number);
  if (am > bm || (am === bm && an > bn))
    throw new UsageError(`--inter-broker-protocol-version ${text} is above the Kafka version ${version}`);
  if (str(p, 'variant') === 'isr-write-ignores-zkversion' && text !== '2.6')
    throw new UsageError(
      'isr-write-ignores-zkversion lives in the pre-2.7 ISR path: it runs inter.broker.protocol.version 2.6',
    );
  return text as InterBrokerProtocolVersion;
}

/** Reads and validates a scenario file; any problem is one line naming the JSON path. */
function readScenarioFile(path: string): ScenarioInput {
  const r = parseScenarioInput(readJsonFile(path));
  if (!r.ok) throw new UsageError(`${path}: ${r.reason}`);
  return r.input;
}

/** The name a file's runs are recorded under: its base name, never a named scenario's. */
function fileScenarioName(path: string): string {
  const base =
    basename(path)
      .replace(/\.json$/i, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-') || 'scenario-file';
  return findScenario(base) === undefined ? base : `${base}-file`;
}

/** --print: the input of --seed S (default 0) of the chosen scenario, knobs applied. */
function printedInput(p: Parsed, inputs: InputChoice): ScenarioInput {
  for (const other of ['seeds', 'base-seed', 'shard', 'merge']) {
    if (p.flags.has(other)) {
      throw new UsageError(`--print prints the input of one seed (--seed S); --${other} does not apply`);
    }
  }
  const seedText = str(p, 'seed');
  const seed = seedText === undefined ? 0 : parseCount('seed', seedText);
  return inputFor(inputs.scenario, seed, inputs.input);
}

export function listText(): string {
  const width = Math.max(...SCENARIOS.map((s) => s.name.length), ...VARIANT_NAMES.map((v) => v.length)) + 2;
  const lines = ['scenarios:'];
  for (const s of SCENARIOS) lines.push(`  ${s.name.padEnd(width)}${s.description}`);
  lines.push('variants:');
  for (const v of VARIANT_NAMES) lines.push(`  ${v.padEnd(width)}${VARIANT_DESCRIPTIONS[v]}`);
  return lines.join('\n');
}

/** Runs the fuzz command; returns the exit code. */
export async function fuzzMain(argv: readonly string[], io: MainIo): Promise<number> {
  let req: ReturnType<typeof parseRequest>;
  try {
    req = parseRequest(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`gregor fuzz: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if ('help' in req) {
    io.stdout.write(USAGE + '\n');
    return 0;
  }
  if ('list' in req) {
    io.stdout.write(listText() + '\n');
    return 0;
  }
  if ('print' in req) {
    io.stdout.write(`${JSON.stringify(req.print, null, 2)}\n`);
    return 0;
  }
  if ('merge' in req) return mergeMain(io, req);
  if (!outDirReady(io, req.outDir)) return 2;

  const progress = createProgress(io.stderr);
  if (!req.baseSeedChosen)
    progress.note(`base seed ${req.range.baseSeed} (pass --base-seed ${req.range.baseSeed} to repeat this campaign)`);
  if (req.prior !== undefined) progress.note(`resuming: ${req.prior.size} seeds already judged in ${req.outDir}`);
  const outcome = await runCampaign({
    scenario: req.scenario,
    variant: req.variant,
    range: req.range,
    workers: req.workers,
    maxViolations: req.maxViolations,
    failOnKafkaFindings: req.failOnKafkaFindings,
    checkDeterminism: req.checkDeterminism,
    outDir: req.outDir,
    shrinkRuns: req.shrinkRuns,
    ...(req.input === undefined ? {} : { input: req.input, scenarioFlags: req.scenarioFlags }),
    report: req.report,
    guided: req.guided,
    ...(req.prior === undefined ? {} : { prior: req.prior }),
    ...(io.depsModule === undefined ? {} : { depsModule: io.depsModule }),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
    onProgress: (p) => progress.update(p),
    onShrink: (i, n, seed) => {
      if (i === 0) progress.done();
      progress.note(`shrinking seed ${seed} (${i + 1}/${n})…`);
    },
  });
  progress.done();
  for (const r of outcome.runReports) io.stdout.write(`seed ${r.seed}: report ${r.report}, trace ${r.trace}\n`);
  return finish(io, outcome.summary, req.json, outcome.traces, outcome.log, req.outDir);
}

async function mergeMain(io: MainIo, req: { merge: string[]; outDir: string; json: boolean }): Promise<number> {
  let merged;
  try {
    merged = mergeDirs(req.merge);
  } catch (err) {
    if (err instanceof MergeInputError) {
      io.stderr.write(`gregor fuzz: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (!outDirReady(io, req.outDir)) return 2;
  for (const problem of merged.problems) io.stderr.write(`gregor fuzz: --merge: ${problem}\n`);
  const log = new WriteLog();
  const summary = copyViolationFiles(req.outDir, merged.summary, log);
  const files = writeCampaignFiles(req.outDir, summary, merged.results, { log });
  io.stdout.write(
    `merged ${merged.shards.length} result set${merged.shards.length === 1 ? '' : 's'} (${merged.shards.join(', ')}) ` +
      `into ${files.summary}\n`,
  );
  return finish(io, summary, req.json, [], log);
}

/** --out must be a writable directory before anything runs; false (one line said) when not. */
function outDirReady(io: MainIo, dir: string): boolean {
  try {
    prepareOutDir(dir);
    return true;
  } catch (err) {
    if (!(err instanceof OutDirError)) throw err;
    io.stderr.write(`gregor fuzz: ${err.message}\n`);
    return false;
  }
}

function finish(
  io: MainIo,
  summary: CampaignSummary,
  json: boolean,
  traces: ReadonlyArray<Trace | null>,
  log: WriteLog,
  resumeDir?: string,
): number {
  io.stdout.write(formatSummary(summary, traces, io.stdout.isTTY === true) + '\n');
  let code = summary.exitCode;
  if (log.failed.length > 0) {
    // A full disk: the verdicts above stand, the files do not all exist. Never exit 0 then.
    for (const f of log.failed) io.stderr.write(`gregor fuzz: could not write ${f.path} (${f.code})\n`);
    io.stderr.write(`gregor fuzz: written: ${log.written.length === 0 ? 'nothing' : log.written.join(', ')}\n`);
    if (code === 0) code = 3;
  }
  if (resumeDir !== undefined && summary.interrupted) {
    io.stderr.write(`gregor fuzz: to go on where it stopped: npm run fuzz -- --resume ${resumeDir}\n`);
  }
  if (json) io.stdout.write(JSON.stringify(summary) + '\n');
  return code;
}

/** A second SIGINT sooner than this after the first is the same Ctrl-C delivered twice (by the terminal and by npm). */
const SAME_INTERRUPT_MS = 500;

async function cli(): Promise<void> {
  const controller = new AbortController();
  let firstAtMs: number | undefined;
  process.on('SIGINT', () => {
    const nowMs = Date.now();
    if (firstAtMs === undefined) {
      firstAtMs = nowMs;
      process.stderr.write('\ninterrupted: finishing the summary of what completed (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else if (nowMs - firstAtMs >= SAME_INTERRUPT_MS) {
      process.stderr.write('gregor fuzz: quit at once; no summary (exit 3)\n');
      process.exit(3);
    }
  });
  const code = await fuzzMain(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  });
  process.exitCode = code;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli().catch((err: unknown) => {
    process.stderr.write(
      `gregor fuzz: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 3;
  });
}
