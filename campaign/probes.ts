// A campaign's code-probe counts (model/code-probes.ts; the mechanism is harness/code-probes.ts):
// for every probe of the catalog, how many judged seeds reached it. They go into the JSON
// summary (`probes`), a warning line of the terminal summary (the probes no seed reached) and
// a table of the campaign index.
//
// Assumes every seed result of a campaign comes from the same catalog (the per-seed bitsets
// of seeds.jsonl are positions in it); when no seed reached any probe (a stand-in model
// without probes) the count is empty, and there is no warning.

import { decodeProbeSet } from '../harness/code-probes.ts';
import { CODE_PROBE_INFO, CODE_PROBE_NAMES, type CodeProbeName } from '../model/code-probes.ts';
import type { SeedResult } from './tasks.ts';
import type { CodeProbeRow } from '../reports/campaign-index.ts';

/** Seeds per probe, every probe of the catalog in catalog order; empty when no seed reached any. */
export function countProbes(results: readonly SeedResult[]): Record<string, number> {
  const counts = new Map<string, number>(CODE_PROBE_NAMES.map((n) => [n, 0]));
  let recorded = false;
  for (const r of results) {
    if (r.codeProbes === undefined) continue;
    for (const name of decodeProbeSet(CODE_PROBE_NAMES, r.codeProbes)) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      recorded = true;
    }
  }
  return recorded ? Object.fromEntries(counts) : {};
}

/** Probes of a count that no seed reached, in catalog order. */
function neverHit(probes: Readonly<Record<string, number>>): string[] {
  return Object.entries(probes)
    .filter(([, seeds]) => seeds === 0)
    .map(([name]) => name);
}

/**
 * The terminal line: how many probes were hit; a warning naming the never-hit probes the
 * catalog expects a correct-model campaign to reach, and only counting those it marks
 * unreachable without a bug variant or a setting (their reasons: the index, docs/code-probes.md);
 * null when nothing was recorded.
 */
export function probeSummaryLine(probes: Readonly<Record<string, number>>): string | null {
  const total = Object.keys(probes).length;
  if (total === 0) return null;
  const missing = neverHit(probes);
  const hit = `${total - missing.length}/${total} code probes hit`;
  if (missing.length === 0) return `  ${hit}`;
  const expected = missing.filter((n) => !isCatalogName(n) || CODE_PROBE_INFO[n].reachable === undefined);
  const marked = missing.length - expected.length;
  const others = marked === 0 ? '' : `${marked} more never hit, marked unreachable without a bug variant or a setting`;
  if (expected.length === 0) return `  ${hit} (${others})`;
  return `  warning: ${hit}; never hit: ${expected.join(', ')}${others === '' ? '' : `; ${others}`}`;
}

/** The index's rows: every counted probe with its catalog entry (never-hit ones first). */
export function probeRows(probes: Readonly<Record<string, number>>): CodeProbeRow[] {
  const rows: CodeProbeRow[] = [];
  for (const [name, seeds] of Object.entries(probes)) {
    if (!isCatalogName(name)) continue;
    const info = CODE_PROBE_INFO[name];
    const row: CodeProbeRow = { name, kafka: info.kafka, description: info.description, seeds };
    if (info.reachable !== undefined) row.reachable = info.reachable;
    rows.push(row);
  }
  return rows.sort((a, b) => (a.seeds === 0 ? 0 : 1) - (b.seeds === 0 ? 0 : 1));
}

function isCatalogName(name: string): name is CodeProbeName {
  return Object.hasOwn(CODE_PROBE_INFO, name);
}
