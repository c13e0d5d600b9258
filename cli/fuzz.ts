// `npm run fuzz`: the fuzzer's command line (DESIGN §6, issue 5). Parses and validates every
// flag before anything is written, runs the campaign (campaign/fuzz.ts) or a merge, and
// exits 0 (no violation), 1 (violation, stuck, crash or nondeterminism found), 2 (bad usage
// or input: one line on stderr, nothing written) or 3 (unknown: some verdict undecided, or
// interrupted with Ctrl-C before the end; the summary of what finished is still printed).
//
// Progress goes to stderr; the summary to stdout, and with --json the last stdout line is
// the JSON summary.

import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { bool, list, parseArgs, parseCount, parseShard, str, UsageError, type FlagSpec } from './args.ts';
import { DEFAULT_SCENARIO, SCENARIOS, findScenario, scenarioOnVersion } from '../scenarios/named.ts';
import { isKafkaVersion, KAFKA_VERSIONS, NEWEST_KAFKA_VERSION } from '../model/versions.ts';
import { VARIANT_DESCRIPTIONS, VARIANT_NAMES, isVariantName } from '../scenarios/variants.ts';
import type { VariantName } from '../model/config.ts';
import { runCampaign } from '../campaign/fuzz.ts';
import { mergeDirs, MergeInputError } from '../campaign/merge.ts';
import { createProgress } from '../campaign/progress.ts';
import { formatSummary, type CampaignSummary } from '../campaign/summary.ts';
import { writeCampaignFiles } from '../campaign/output.ts';
import { DEFAULT_SHRINK_RUNS } from '../campaign/shrink.ts';
import type { SeedRange } from '../campaign/seeds.ts';
import type { Trace } from '../checkers/trace.ts';

/** Seeds of a bare `npm run fuzz`: about a minute or two of real work on a 2-core machine. */
export const DEFAULT_SEEDS = 6000;
export const DEFAULT_OUT = 'gregor-out';
const MAX_WORKERS = 64;

const FLAGS: Record<string, FlagSpec> = {
  scenario: { kind: 'value' },
  seeds: { kind: 'value' },
  seed: { kind: 'value' },
  'base-seed': { kind: 'value' },
  workers: { kind: 'value' },
  shard: { kind: 'value' },
  variant: { kind: 'value' },
  'kafka-version': { kind: 'value' },
  'max-violations': { kind: 'value' },
  out: { kind: 'value' },
  'shrink-runs': { kind: 'value' },
  'check-determinism': { kind: 'bool' },
  json: { kind: 'bool' },
  list: { kind: 'bool' },
  merge: { kind: 'list' },
  help: { kind: 'bool' },
};

export const USAGE = `usage: npm run fuzz -- [options]

Runs seeds of a scenario against the simulated Kafka cluster, judges every run, shrinks each
violation to a small counterexample and writes its trace and HTML report.

  --scenario NAME        scenario to run (default ${DEFAULT_SCENARIO}; see --list)
  --variant NAME         protocol or configuration variant (default correct; see --list)
  --kafka-version V      Kafka release whose defaults and rules apply: ${KAFKA_VERSIONS.join(', ')}
                         (default ${NEWEST_KAFKA_VERSION})
  --seeds N              run N seeds (default ${DEFAULT_SEEDS})
  --seed S               run the single seed S (re-run a reported seed)
  --base-seed B          first seed of the range (default: random, printed; required with --shard)
  --workers N            worker threads (default: CPU count, at most 8)
  --shard K/N            run only shard K of N of the seed range (strided)
  --max-violations N     stop after N failing seeds, lowest seeds first (default 1; 0 = never stop)
  --out DIR              output directory (default ./${DEFAULT_OUT})
  --shrink-runs N        simulation runs allowed to shrink each violation (default ${DEFAULT_SHRINK_RUNS}; 0 = no shrinking)
  --check-determinism    run every seed twice and name the first event that differs
  --json                 the last line of stdout is the JSON summary
  --list                 list scenarios and variants, one line each
  --merge DIR...         combine the results of shards written to DIR... into --out
  --help                 this text

exit: 0 no violation, 1 violation found, 2 bad usage or input, 3 unknown or interrupted`;

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
  variant: VariantName;
  range: SeedRange;
  baseSeedChosen: boolean;
  workers: number;
  maxViolations: number;
  outDir: string;
  shrinkRuns: number;
  checkDeterminism: boolean;
  json: boolean;
}

function parseRequest(argv: readonly string[], io: MainIo): FuzzRequest | { list: true } | { help: true } | { merge: string[]; outDir: string; json: boolean } {
  const p = parseArgs(argv, FLAGS);
  if (p.positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(p.positional[0])} (see --help)`);
  if (bool(p, 'help')) return { help: true };
  if (bool(p, 'list')) return { list: true };
  const outDir = str(p, 'out') ?? DEFAULT_OUT;
  if (outDir.trim() === '') throw new UsageError('--out needs a directory');
  const json = bool(p, 'json');
  const merge = list(p, 'merge');
  if (merge !== undefined) {
    const notForMerge = ['scenario', 'seeds', 'seed', 'base-seed', 'shard', 'variant', 'kafka-version'];
    for (const other of [...notForMerge, 'check-determinism', 'workers', 'max-violations']) {
      if (p.flags.has(other)) throw new UsageError(`--merge combines finished results; --${other} does not apply`);
    }
    return { merge, outDir, json };
  }
  const versionText = str(p, 'kafka-version') ?? NEWEST_KAFKA_VERSION;
  if (!isKafkaVersion(versionText)) {
    const known = KAFKA_VERSIONS.join(', ');
    throw new UsageError(`unknown --kafka-version ${JSON.stringify(versionText)}; versions: ${known}`);
  }
  // The version rides in the scenario name (NAME@V), so every task, trace and re-run carries it.
  const scenario = scenarioOnVersion(str(p, 'scenario') ?? DEFAULT_SCENARIO, versionText);
  if (findScenario(scenario) === undefined) {
    throw new UsageError(`unknown scenario ${JSON.stringify(scenario)}; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  const variantText = str(p, 'variant') ?? 'correct';
  if (!isVariantName(variantText)) throw new UsageError(`unknown variant ${JSON.stringify(variantText)}; variants: ${VARIANT_NAMES.join(', ')}`);
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
  const workers = str(p, 'workers') === undefined ? Math.max(1, Math.min(8, availableParallelism())) : parseCount('workers', str(p, 'workers')!, 1, MAX_WORKERS);
  const maxViolations = str(p, 'max-violations') === undefined ? 1 : parseCount('max-violations', str(p, 'max-violations')!, 0, 1_000_000);
  const shrinkRuns = str(p, 'shrink-runs') === undefined ? DEFAULT_SHRINK_RUNS : parseCount('shrink-runs', str(p, 'shrink-runs')!, 0, 100_000);
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
    if (baseSeed + count - 1 > Number.MAX_SAFE_INTEGER) throw new UsageError('--base-seed + --seeds exceeds the largest safe integer');
    range = { baseSeed, count, ...(shard === undefined ? {} : { shard }) };
  }
  return {
    scenario,
    variant: variantText,
    range,
    baseSeedChosen,
    workers,
    maxViolations,
    outDir,
    shrinkRuns,
    checkDeterminism: bool(p, 'check-determinism'),
    json,
  };
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
  if ('merge' in req) {
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
    const files = await writeCampaignFiles(req.outDir, merged.summary, merged.results);
    io.stdout.write(`merged ${merged.shards.length} result set${merged.shards.length === 1 ? '' : 's'} (${merged.shards.join(', ')}) into ${files.summary}\n`);
    return finish(io, merged.summary, req.json);
  }

  const progress = createProgress(io.stderr);
  if (!req.baseSeedChosen) progress.note(`base seed ${req.range.baseSeed} (pass --base-seed ${req.range.baseSeed} to repeat this campaign)`);
  const outcome = await runCampaign({
    scenario: req.scenario,
    variant: req.variant,
    range: req.range,
    workers: req.workers,
    maxViolations: req.maxViolations,
    checkDeterminism: req.checkDeterminism,
    outDir: req.outDir,
    shrinkRuns: req.shrinkRuns,
    ...(io.depsModule === undefined ? {} : { depsModule: io.depsModule }),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
    onProgress: (p) => progress.update(p),
    onShrink: (i, n, seed) => {
      if (i === 0) progress.done();
      progress.note(`shrinking seed ${seed} (${i + 1}/${n})…`);
    },
  });
  progress.done();
  return finish(io, outcome.summary, req.json, outcome.traces);
}

function finish(io: MainIo, summary: CampaignSummary, json: boolean, traces: ReadonlyArray<Trace | null> = []): number {
  io.stdout.write(formatSummary(summary, traces, io.stdout.isTTY === true) + '\n');
  if (json) io.stdout.write(JSON.stringify(summary) + '\n');
  return summary.exitCode;
}

async function cli(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\ninterrupted: finishing the summary of what completed (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  });
  const code = await fuzzMain(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
  process.exitCode = code;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli().catch((err: unknown) => {
    process.stderr.write(`gregor fuzz: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 3;
  });
}
