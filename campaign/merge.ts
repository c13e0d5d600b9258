// `npm run fuzz -- --merge DIR...`: combines the results of shards (each DIR holds the
// summary*.json and seeds*.jsonl a shard wrote) into the summary the unsharded campaign
// would have given: per-seed results in seed order, cut at the Nth failure as --max-violations
// says, the violations of the lowest failing seeds, and the same digest.
//
// Why this equals the unsharded run: a shard stops at its own Nth failure, so every seed of
// the global first N failures, and every seed below them, was run by some shard (a shard's
// failures below a global top-N seed are global failures too, fewer than N of them).
// Assumes every input comes from the same scenario, variant, base seed, seed count and
// --max-violations; anything else is bad input (exit 2). A shard of N that no DIR holds, or
// one that was interrupted, is named in `problems` and makes the merge incomplete (exit 3,
// or 1 when a violation was found anyway). Each violation's trace and report are copied
// into the merged --out, so the merged index links to files beside it.

import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  buildSummary,
  judgedPrefix,
  SUMMARY_FORMAT,
  SUMMARY_VERSION,
  type CampaignSummary,
  type ViolationEntry,
} from './summary.ts';
import type { SeedResult } from './tasks.ts';
import { displayPath, type WriteLog } from './output.ts';

export class MergeInputError extends Error {}

export interface MergeResult {
  summary: CampaignSummary;
  results: SeedResult[];
  /** Shards found, e.g. ["1/4", "2/4"]. */
  shards: string[];
  /** One sentence per missing or partial shard. */
  problems: string[];
}

interface Part {
  dir: string;
  summary: CampaignSummary;
  seeds: SeedResult[];
}

function readParts(dir: string): Part[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new MergeInputError(`--merge: ${dir} is not a directory`);
  const names = readdirSync(dir)
    .filter((n) => /^summary(-shard-\d+-of-\d+)?\.json$/.test(n))
    .sort();
  if (names.length === 0) throw new MergeInputError(`--merge: ${dir} holds no summary.json`);
  return names.map((name) => {
    const path = join(dir, name);
    let summary: CampaignSummary;
    try {
      summary = JSON.parse(readFileSync(path, 'utf8')) as CampaignSummary;
    } catch (err) {
      throw new MergeInputError(`--merge: ${path} is not JSON (${(err as Error).message})`);
    }
    if (summary?.format !== SUMMARY_FORMAT || summary.version !== SUMMARY_VERSION) {
      throw new MergeInputError(`--merge: ${path} is not a ${SUMMARY_FORMAT} v${SUMMARY_VERSION} file`);
    }
    const seedsPath = join(dir, name.replace(/^summary/, 'seeds').replace(/\.json$/, '.jsonl'));
    if (!existsSync(seedsPath)) throw new MergeInputError(`--merge: ${seedsPath} is missing`);
    const seeds: SeedResult[] = [];
    const text = readFileSync(seedsPath, 'utf8');
    let lineNo = 0;
    for (const line of text.split('\n')) {
      lineNo++;
      if (line.trim() === '') continue;
      try {
        const r = JSON.parse(line) as SeedResult;
        if (!Number.isSafeInteger(r.seed) || typeof r.outcome !== 'string') throw new Error('not a seed result');
        seeds.push({ ...r, wallMs: 0 });
      } catch (err) {
        throw new MergeInputError(`--merge: ${seedsPath} line ${lineNo}: ${(err as Error).message}`);
      }
    }
    return { dir, summary, seeds };
  });
}

export function mergeDirs(dirs: readonly string[]): MergeResult {
  if (dirs.length === 0) throw new MergeInputError('--merge needs at least one directory');
  const parts = dirs.flatMap(readParts);
  const first = parts[0].summary;
  for (const p of parts) {
    const s = p.summary;
    for (const key of [
      'scenario',
      'variant',
      'baseSeed',
      'seedsRequested',
      'maxViolations',
      'checkDeterminism',
    ] as const) {
      if (s[key] !== first[key]) {
        throw new MergeInputError(
          `--merge: ${p.dir} has ${key} ${JSON.stringify(s[key])}, ${parts[0].dir} has ${JSON.stringify(first[key])}`,
        );
      }
    }
  }
  const bySeed = new Map<number, SeedResult>();
  for (const p of parts) for (const r of p.seeds) if (!bySeed.has(r.seed)) bySeed.set(r.seed, r);
  const ordered = [...bySeed.values()].sort((a, b) => a.seed - b.seed);
  // The judged prefix stops at a gap (a seed no shard finished) as well as at the Nth failure.
  const contiguous: SeedResult[] = [];
  for (const r of ordered) {
    if (r.seed !== first.baseSeed + contiguous.length) break;
    contiguous.push(r);
  }
  const { prefix, failures, stoppedEarly } = judgedPrefix(contiguous, first.maxViolations);
  const entries = new Map<number, { v: ViolationEntry; dir: string }>();
  for (const p of parts)
    for (const v of p.summary.violations) if (!entries.has(v.seed)) entries.set(v.seed, { v, dir: p.dir });
  const violations = failures.map((f): ViolationEntry => {
    const found = entries.get(f.seed);
    if (found === undefined) {
      return {
        seed: f.seed,
        kind: f.kind ?? f.outcome,
        outcome: f.outcome,
        explanation: f.explanation ?? '',
        faults: f.faults,
        originalFaults: f.faults,
        sends: 0,
        shrinkRuns: 0,
        trace: null,
        report: null,
        replay: null,
        rerun: `npm run fuzz -- --scenario ${first.scenario} --variant ${first.variant} --seed ${f.seed}`,
      };
    }
    return { ...found.v, ...relocate(found.v, found.dir) };
  });
  const shards = [...new Set(parts.map((p) => p.summary.shard ?? 'all'))];
  const wallMs = Math.max(...parts.map((p) => p.summary.wallSeconds * 1000));
  const problems = shardProblems(parts);
  const complete =
    problems.length === 0 &&
    (contiguous.length === first.seedsRequested || (first.maxViolations > 0 && failures.length >= first.maxViolations));
  const summary = buildSummary({
    scenario: first.scenario,
    variant: first.variant,
    baseSeed: first.baseSeed,
    seedsRequested: first.seedsRequested,
    shard: null,
    results: prefix,
    violations,
    maxViolations: first.maxViolations,
    checkDeterminism: first.checkDeterminism,
    interrupted: !complete,
    stoppedEarly,
    wallMs,
    // The shards' own judgement: a reference applied to their inputs (older summaries: none).
    draws: first.expectedLossRate?.reference?.scenario ?? null,
    failOnKafkaFindings: first.failOnKafkaFindings === true,
  });
  return { summary, results: prefix, shards, problems };
}

/** Trace/report paths as written on the shard's machine may not exist here; look in DIR. */
function relocate(v: ViolationEntry, dir: string): Partial<ViolationEntry> {
  const fix = (p: string | null) => {
    if (p === null || existsSync(p)) return p;
    const candidate = join(dir, basename(p));
    return existsSync(candidate) ? displayPath(candidate) : p;
  };
  const trace = fix(v.trace);
  return { trace, report: fix(v.report), replay: trace === null ? v.replay : `npm run replay -- ${trace}` };
}

/** Missing shards (of the N the inputs were cut into) and partial (interrupted) ones. */
function shardProblems(parts: readonly Part[]): string[] {
  const problems: string[] = [];
  const present = new Set<number>();
  let of = 0;
  for (const p of parts) {
    const shard = p.summary.shard;
    if (shard === null) {
      of = -1; // an unsharded run covers every seed
      continue;
    }
    const [k, n] = shard.split('/').map(Number);
    present.add(k);
    if (of === 0) of = n;
  }
  for (let k = 1; k <= of; k++)
    if (!present.has(k)) problems.push(`shard ${k}/${of} is missing: no summary-shard-${k}-of-${of}.json in any DIR`);
  for (const p of parts) {
    if (p.summary.interrupted) {
      problems.push(
        `${p.summary.shard === null ? 'the run' : `shard ${p.summary.shard}`} in ${p.dir} is partial: ` +
          `interrupted after ${p.summary.seeds} seeds`,
      );
    }
  }
  return problems;
}

/** Copies each violation's trace and report into the merged directory; points the summary at the copies. */
export function copyViolationFiles(outDir: string, summary: CampaignSummary, log: WriteLog): CampaignSummary {
  const copy = (p: string | null): string | null => {
    if (p === null) return null;
    const target = join(outDir, basename(p));
    try {
      if (!existsSync(target) || statSync(target).ino !== statSync(p).ino) copyFileSync(p, target);
      log.written.push(displayPath(target));
      return displayPath(target);
    } catch (err) {
      log.fail(target, err);
      return null;
    }
  };
  const violations = summary.violations.map((v) => {
    const trace = copy(v.trace);
    return { ...v, trace, report: copy(v.report), replay: trace === null ? null : `npm run replay -- ${trace}` };
  });
  return { ...summary, violations };
}
