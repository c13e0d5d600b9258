// `npm run bench [-- NAME...]`: runs every benchmark in bench/ (each *.ts here but this one and
// dotfiles) in turn, in alphabetical order, or only the ones named (`kernel`, `kernel.ts` or
// `bench/kernel.ts`). Each runs in its own Node process under tsx, so one benchmark's JIT
// state and heap never colour another's figures; its output passes straight through.
// Exit code: 0 when every benchmark ran and exited 0, 1 when one failed, 2 for an unknown name.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const self = basename(fileURLToPath(import.meta.url));

function available(): string[] {
  return readdirSync(benchDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('.') && f !== self)
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

function main(argv: readonly string[]): number {
  const names = available();
  const wanted = argv.filter((a) => a !== '--').map((a) => basename(a).replace(/\.ts$/, ''));
  const unknown = wanted.filter((w) => !names.includes(w));
  if (unknown.length > 0) {
    console.error(`bench: no benchmark named ${unknown.join(', ')}; available: ${names.join(', ')}`);
    return 2;
  }
  const selected = wanted.length > 0 ? wanted : names;
  const failed: string[] = [];
  for (const name of selected) {
    console.log(`\n=== bench/${name}.ts ===`);
    const started = performance.now();
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, `${name}.ts`)], {
      stdio: 'inherit',
      cwd: join(benchDir, '..'),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (result.status !== 0) {
      failed.push(name);
      console.log(`=== bench/${name}.ts failed (${result.status ?? result.signal}) after ${seconds} s ===`);
    } else {
      console.log(`=== bench/${name}.ts done in ${seconds} s ===`);
    }
  }
  if (failed.length > 0) {
    console.error(`bench: ${failed.length} of ${selected.length} failed: ${failed.join(', ')}`);
    return 1;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
