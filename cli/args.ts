// Flag parsing shared by the fuzz and replay commands: `--flag value`, `--flag=value`,
// boolean flags, a flag taking every following non-flag word (--merge DIR...), and strict
// number parsing. Any mistake is a UsageError (the CLIs print its one line and exit 2).

import { readFileSync } from 'node:fs';

export class UsageError extends Error {}

/** A JSON file's value; an unreadable file or bad JSON is a UsageError naming the file. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${path} is not JSON: ${(err as Error).message}`);
  }
}

export interface FlagSpec {
  /** 'value': one argument; 'bool': none; 'list': every following argument up to the next flag. */
  kind: 'value' | 'bool' | 'list';
}

export interface Parsed {
  flags: Map<string, string | true | string[]>;
  positional: string[];
}

export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>): Parsed {
  const flags = new Map<string, string | true | string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      if (arg !== '--') positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const s = spec[name];
    if (s === undefined) throw new UsageError(`unknown flag --${name} (see --help)`);
    if (flags.has(name)) throw new UsageError(`--${name} given twice`);
    switch (s.kind) {
      case 'bool':
        if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
        flags.set(name, true);
        break;
      case 'value': {
        const value = inline ?? argv[++i];
        if (value === undefined || (inline === undefined && value.startsWith('--')))
          throw new UsageError(`--${name} needs a value`);
        flags.set(name, value);
        break;
      }
      case 'list': {
        const values: string[] = inline === undefined ? [] : [inline];
        while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) values.push(argv[++i]);
        if (values.length === 0) throw new UsageError(`--${name} needs at least one value`);
        flags.set(name, values);
        break;
      }
    }
  }
  return { flags, positional };
}

/** A non-negative safe integer written in decimal digits only. */
export function parseCount(name: string, text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} is too large: ${text}`);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** `K/N` with 1 ≤ K ≤ N. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (m === null) throw new UsageError(`--shard must look like K/N (e.g. 2/4), got ${JSON.stringify(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1 || count > 100_000)
    throw new UsageError(`--shard: N must be between 1 and 100000, got ${m[2]}`);
  if (index < 1 || index > count) throw new UsageError(`--shard: K must be between 1 and N (${count}), got ${m[1]}`);
  return { index, count };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function bool(p: Parsed, name: string): boolean {
  return p.flags.get(name) === true;
}

export function list(p: Parsed, name: string): string[] | undefined {
  const v = p.flags.get(name);
  return Array.isArray(v) ? v : undefined;
}
