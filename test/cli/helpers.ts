// Spawns the fuzz and replay CLIs as real processes (node with tsx's loader), optionally
// with a preloaded test fixture, and collects stdout, stderr and the exit code.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FUZZ = join(ROOT, 'cli/fuzz.ts');
export const REPLAY = join(ROOT, 'cli/replay.ts');
const TSX_LOADER = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function nodeArgs(script: string, args: readonly string[], preload?: string): string[] {
  const pre = preload === undefined ? [] : ['--import', join(ROOT, 'test/cli/fixtures', preload)];
  return ['--import', TSX_LOADER, ...pre, script, ...args];
}

/** Runs a CLI to completion. */
export function runCli(
  script: string,
  args: readonly string[],
  opts: { cwd?: string; preload?: string } = {},
): CliResult {
  const r = spawnSync(process.execPath, nodeArgs(script, args, opts.preload), {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a CLI; the caller may signal it. */
export function startCli(script: string, args: readonly string[], opts: { cwd?: string } = {}) {
  const child = spawn(process.execPath, nodeArgs(script, args), {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** The JSON summary: the last non-empty stdout line. */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
