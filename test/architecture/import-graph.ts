// The repository's import graph, read from the sources with a small scanner (no compiler):
// every static import and re-export, side-effect import, dynamic `import('…')` and
// `new URL('…', import.meta.url)` whose target is a relative path. Used by the layering test
// and runnable on its own (`npx tsx test/architecture/import-graph.ts`) to print the
// folder-level graph.
//
// Assumes: module specifiers are string literals in single quotes (the code style), and a
// type-only import is written `import type …` or `export type … from` (a mixed import with
// inline `type` markers counts as a value import, which errs on the strict side).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ImportEdge {
  /** Repository-relative path of the importing file. */
  from: string;
  /** Repository-relative path of the imported file. */
  to: string;
  /** Only types cross this edge (erased at run time). */
  typeOnly: boolean;
  /** 1-based line of the import. */
  line: number;
}

const SOURCE_FILE = /\.(ts|mts|mjs|js)$/;
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'gregor-out', 'coverage']);

/** Every source file under `dir`, repository-relative. */
export function sourceFiles(root: string = REPO_ROOT, dir = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    if (SKIPPED_DIRS.has(name) || name.startsWith('.')) continue;
    const rel = dir === '' ? name : `${dir}/${name}`;
    if (statSync(join(root, rel)).isDirectory()) out.push(...sourceFiles(root, rel));
    else if (SOURCE_FILE.test(name)) out.push(rel);
  }
  return out;
}

const PATTERNS: ReadonlyArray<{ re: RegExp; typeGroup?: number; specGroup: number }> = [
  // import … from '…' / export … from '…' (possibly over several lines)
  { re: /\b(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?)\s+from\s+'([^']+)'/g, typeGroup: 1, specGroup: 2 },
  // import '…' (side effects)
  { re: /\bimport\s+'([^']+)'/g, specGroup: 1 },
  // import('…')
  { re: /\bimport\(\s*'([^']+)'\s*\)/g, specGroup: 1 },
  // new URL('…', import.meta.url)
  { re: /\bnew URL\(\s*'([^']+)'\s*,\s*import\.meta\.url\s*\)/g, specGroup: 1 },
];

/** The relative imports of one file. */
export function importsOf(file: string, source: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const { re, typeGroup, specGroup } of PATTERNS) {
    for (const m of source.matchAll(re)) {
      const spec = m[specGroup];
      if (spec === undefined || !spec.startsWith('.')) continue;
      const to = normalize(join(dirname(file), spec))
        .split('\\')
        .join('/');
      const line = source.slice(0, m.index).split('\n').length;
      edges.push({ from: file, to, typeOnly: typeGroup !== undefined && m[typeGroup] !== undefined, line });
    }
  }
  return edges;
}

/** All relative import edges of the repository. */
export function importGraph(root: string = REPO_ROOT): ImportEdge[] {
  return sourceFiles(root).flatMap((f) => importsOf(f, readFileSync(join(root, f), 'utf8')));
}

/** The top-level folder of a repository-relative path ('' for a file at the root). */
export function layerOf(path: string): string {
  const i = path.indexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Cycles among value (run-time) imports: each as the list of files around it. */
export function valueCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (e.typeOnly) continue;
    const list = next.get(e.from) ?? [];
    list.push(e.to);
    next.set(e.from, list);
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of next.get(f) ?? []) {
      const s = state.get(t);
      if (s === 'open') cycles.push(stack.slice(stack.indexOf(t)));
      else if (s === undefined) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...next.keys()].sort()) if (!state.has(f)) visit(f);
  return cycles;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const counts = new Map<string, number>();
  for (const e of importGraph()) {
    const key = `${layerOf(e.from)} -> ${layerOf(e.to)}${e.typeOnly ? ' (types)' : ''}`;
    if (layerOf(e.from) !== layerOf(e.to)) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [k, n] of [...counts].sort()) console.log(`${String(n).padStart(4)}  ${k}`);
  console.log(relative(process.cwd(), REPO_ROOT) || '.');
}
