// The determinism guard's scanner (DESIGN §2): simulated code — the kernel, the model, the
// scenarios and the harness code that runs inside a simulation — must not read the real
// clock or real randomness, schedule real timers, or go asynchronous. This scans those
// sources (comments and string literals blanked out, so prose and messages do not count)
// and lists every use of a forbidden name, with file, line and the offending line.
//
// Drivers may use real time and promises: cli/**, campaign/** and the driver files named in
// DRIVER_FILES are exempt (driver/ itself runs inside a simulation and is scanned). A single line elsewhere can be
// exempted
// with a trailing comment `determinism-guard: allow (<reason>)`; use sparingly.
//
// Run directly (`npx tsx test/kernel/guard-scan.ts`, or scripts/check-determinism-grep) to
// print offenders and exit 1 if there are any.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders whose sources are simulated code. */
export const SCANNED_ROOTS = ['harness', 'model', 'scenarios', 'driver'] as const;

/** Driver code that may use real time, promises and async. */
export const EXEMPT_PREFIXES = ['cli/', 'campaign/'] as const;
export const DRIVER_FILES = ['driver/determinism.ts'] as const;

export const ALLOW_MARKER = 'determinism-guard: allow';

/** Forbidden uses in code (after comments and strings are blanked). */
export const FORBIDDEN: ReadonlyArray<{ readonly name: string; readonly pattern: RegExp }> = [
  { name: 'Math.random', pattern: /\bMath\s*\.\s*random\b/ },
  { name: 'Date', pattern: /\bDate\b/ },
  { name: 'performance.now', pattern: /\bperformance\s*\.\s*now\b/ },
  { name: 'process.hrtime', pattern: /\bprocess\s*\.\s*hrtime\b/ },
  { name: 'setTimeout', pattern: /\bsetTimeout\b/ },
  { name: 'setImmediate', pattern: /\bsetImmediate\b/ },
  { name: 'setInterval', pattern: /\bsetInterval\b/ },
  { name: 'queueMicrotask', pattern: /\bqueueMicrotask\b/ },
  { name: 'process.nextTick', pattern: /\bprocess\s*\.\s*nextTick\b/ },
  { name: 'crypto', pattern: /\bcrypto\b/ },
  { name: 'async', pattern: /\basync(?=\s|\()/ },
  { name: 'await', pattern: /\bawait\b/ },
  { name: 'Promise', pattern: /\bPromise\b/ },
];

/** Modules that are real time, real randomness or real scheduling. */
const FORBIDDEN_MODULES = /^(node:)?(crypto|perf_hooks|timers|timers\/promises)$/;

export interface Offence {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly text: string;
}

/**
 * Blank out comments and string/template/regex literal text, keeping line structure and
 * the code inside template `${...}` expressions.
 */
export function codeOnly(source: string): string {
  const out = source.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  /** Stack of brace depths at which an enclosing template literal resumes. */
  const templateStack: number[] = [];
  let depth = 0;
  let i = 0;
  let lastSignificant = '';
  const n = source.length;
  const scanTemplateText = (start: number): number => {
    // From just after ` or }, up to the closing ` or the next ${.
    let j = start;
    while (j < n) {
      const c = source[j];
      if (c === '\\') j += 2;
      else if (c === '`') {
        blank(start, j);
        return j + 1;
      } else if (c === '$' && source[j + 1] === '{') {
        blank(start, j);
        templateStack.push(depth);
        depth++;
        return j + 2;
      } else j++;
    }
    blank(start, n);
    return n;
  };
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      blank(i + 1, j);
      i = j + 1;
      lastSignificant = 'x';
    } else if (c === '`') {
      i = scanTemplateText(i + 1);
      lastSignificant = 'x';
    } else if (c === '/' && (lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant))) {
      // A regular expression literal.
      let j = i + 1;
      let inClass = false;
      while (j < n && source[j] !== '\n') {
        const d = source[j];
        if (d === '\\') j += 2;
        else {
          if (d === '[') inClass = true;
          else if (d === ']') inClass = false;
          else if (d === '/' && !inClass) break;
          j++;
        }
      }
      blank(i + 1, j);
      i = j + 1;
      lastSignificant = 'x';
    } else {
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (templateStack.length > 0 && templateStack[templateStack.length - 1] === depth) {
          templateStack.pop();
          i = scanTemplateText(i + 1);
          lastSignificant = 'x';
          continue;
        }
      }
      if (!/\s/.test(c)) lastSignificant = /[A-Za-z0-9_$)\]]/.test(c) ? 'x' : c;
      i++;
    }
  }
  return out.join('');
}

/** Offences in one source text. */
export function scanSource(file: string, source: string): Offence[] {
  const offences: Offence[] = [];
  const rawLines = source.split('\n');
  const codeLines = codeOnly(source).split('\n');
  codeLines.forEach((code, k) => {
    const raw = rawLines[k] ?? '';
    if (raw.includes(ALLOW_MARKER)) return;
    for (const { name, pattern } of FORBIDDEN) {
      if (pattern.test(code)) offences.push({ file, line: k + 1, name, text: raw.trim() });
    }
    // Imports of forbidden modules (their names are string literals, blanked above).
    const imported = /\b(?:from|import|require)\s*\(?\s*['"]([^'"]+)['"]/g;
    for (const m of raw.matchAll(imported)) {
      if (FORBIDDEN_MODULES.test(m[1])) offences.push({ file, line: k + 1, name: `import ${m[1]}`, text: raw.trim() });
    }
  });
  return offences;
}

export function isExempt(relPath: string): boolean {
  return EXEMPT_PREFIXES.some((p) => relPath.startsWith(p)) || (DRIVER_FILES as readonly string[]).includes(relPath);
}

/** Every .ts/.mts/.js/.mjs source under the scanned roots, relative to `repoRoot`. */
export function scannedFiles(repoRoot: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) files.push(relative(repoRoot, full));
    }
  };
  for (const root of SCANNED_ROOTS) walk(join(repoRoot, root));
  return files.filter((f) => !isExempt(f));
}

export function scanRepository(repoRoot: string): { files: string[]; offences: Offence[] } {
  const files = scannedFiles(repoRoot);
  const offences = files.flatMap((f) => scanSource(f, readFileSync(join(repoRoot, f), 'utf8')));
  return { files, offences };
}

export function formatOffences(offences: readonly Offence[]): string {
  return offences.map((o) => `${o.file}:${o.line}: ${o.name} — ${o.text}`).join('\n');
}

// Run as a script: print offenders, exit 1 if any.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  const { files, offences } = scanRepository(repoRoot);
  if (offences.length === 0) {
    console.log(`determinism guard: ${files.length} simulated-code files clean`);
  } else {
    console.log(`determinism guard: ${offences.length} forbidden uses in simulated code:\n${formatOffences(offences)}`);
    process.exitCode = 1;
  }
}
