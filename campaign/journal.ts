// The campaign journal, DIR/journal[-shard-K-of-N].jsonl: a header line naming the campaign
// (scenario, variant, seed range, every flag that changes its results), then one line per seed
// appended as soon as the seed finishes, in completion order. It is what survives a Ctrl-C, a
// killed process or a full disk, and what `--resume DIR` continues from.
//
// Assumes one campaign per journal file: a new campaign into the same DIR (and shard) starts a
// new journal. Appends are synchronous, so a line is on its way to the disk before the next
// seed is dispatched; a torn line (the process killed mid-write) is ignored on resume.

import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VariantName } from '../model/config.ts';
import { formatShard, type SeedRange } from './seeds.ts';
import { shardSuffix } from './output.ts';
import type { InputPlan, SeedResult } from './tasks.ts';

const JOURNAL_FORMAT = 'gregor-fuzz-journal';
const JOURNAL_VERSION = 1;
const JOURNAL_NAME = /^journal(-shard-\d+-of-\d+)?\.jsonl$/;

export interface JournalHeader {
  format: typeof JOURNAL_FORMAT;
  version: number;
  scenario: string;
  variant: VariantName;
  range: SeedRange;
  maxViolations: number;
  checkDeterminism: boolean;
  shrinkRuns: number;
  report: boolean;
  /** --scenario-file or the shape knobs: the inputs other than the scenario's own draws. */
  input?: InputPlan;
  /** The flags that chose those inputs (for the re-run command). */
  scenarioFlags?: string;
  /** --guided (campaign/guided.ts): a resume recomputes the mutated inputs from the seeds journaled. */
  guided?: boolean;
  /** --fail-on-kafka-findings (absent: false). */
  failOnKafkaFindings?: boolean;
}

export class JournalError extends Error {}

export function journalPath(dir: string, range: SeedRange): string {
  return join(dir, `journal${shardSuffix(formatShard(range.shard))}.jsonl`);
}

/** Starts a new journal (replacing one of the same name). Throws what the file system throws. */
export function startJournal(path: string, header: Omit<JournalHeader, 'format' | 'version'>): void {
  writeFileSync(path, JSON.stringify({ format: JOURNAL_FORMAT, version: JOURNAL_VERSION, ...header }) + '\n');
}

/** Appends one finished seed (without its wall time, so journals compare across machines). */
export function appendSeed(path: string, r: SeedResult): void {
  const { wallMs: _wall, ...line } = r;
  appendFileSync(path, JSON.stringify(line) + '\n');
}

export interface ReadJournal {
  path: string;
  header: JournalHeader;
  /** Finished seeds by seed number (a seed journaled twice keeps its first line). */
  done: Map<number, SeedResult>;
}

/** Reads the one journal in DIR; a JournalError says why it cannot be resumed. */
export function readJournal(dir: string): ReadJournal {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => JOURNAL_NAME.test(n));
  } catch (err) {
    throw new JournalError(`--resume: cannot read ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (names.length === 0) throw new JournalError(`--resume: ${dir} holds no journal*.jsonl (no campaign to resume)`);
  if (names.length > 1)
    throw new JournalError(
      `--resume: ${dir} holds ${names.length} journals (${names.join(', ')}); resume each shard from its own directory`,
    );
  const path = join(dir, names[0]);
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = parseHeader(lines[0], path);
  const done = new Map<number, SeedResult>();
  for (let i = 1; i < lines.length; i++) {
    // A torn line (the process killed mid-append) is skipped: its seed simply runs again.
    const r = parseSeedLine(lines[i]);
    if (r !== undefined && !done.has(r.seed)) done.set(r.seed, r);
  }
  // Appends must start on a line of their own.
  if (lines[lines.length - 1] !== '') {
    try {
      appendFileSync(path, '\n');
    } catch {
      // still no room: the campaign's first append fails too, and is reported
    }
  }
  return { path, header, done };
}

function parseHeader(line: string | undefined, path: string): JournalHeader {
  let h: Partial<JournalHeader>;
  try {
    h = JSON.parse(line ?? '') as Partial<JournalHeader>;
  } catch {
    throw new JournalError(`--resume: ${path} does not start with a journal header`);
  }
  if (
    h.format !== JOURNAL_FORMAT ||
    h.version !== JOURNAL_VERSION ||
    h.range === undefined ||
    typeof h.scenario !== 'string'
  ) {
    throw new JournalError(`--resume: ${path} is not a ${JOURNAL_FORMAT} v${JOURNAL_VERSION} file`);
  }
  return h as JournalHeader;
}

/** A seed line, or undefined for a blank or torn one. */
function parseSeedLine(line: string): SeedResult | undefined {
  if (line.trim() === '') return undefined;
  try {
    const r = JSON.parse(line) as SeedResult;
    if (!Number.isSafeInteger(r.seed) || typeof r.outcome !== 'string' || typeof r.hash !== 'string') return undefined;
    return { ...r, wallMs: 0 };
  } catch {
    return undefined;
  }
}
