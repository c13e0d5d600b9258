// Prints the code-probe catalog (model/code-probes.ts) as the Markdown table of
// docs/code-probes.md; `--write` rewrites that file. test/model/code-probes.test.ts checks the
// file is up to date, so the docs cannot drift from the catalog.
//
// Usage: npx tsx scripts/code-probes-table.ts [--write]

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CODE_PROBE_INFO, CODE_PROBE_NAMES } from '../model/code-probes.ts';

export const DOC_PATH = fileURLToPath(new URL('../docs/code-probes.md', import.meta.url));

/** docs/code-probes.md: the header and one row per probe, in catalog order. */
export function codeProbesDoc(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = CODE_PROBE_NAMES.map((name) => {
    const info = CODE_PROBE_INFO[name];
    return `| \`${name}\` | ${cell(info.description)} | ${cell(info.kafka)} | ${cell(info.reachable ?? 'yes')} |`;
  });
  return [
    '# Code probes',
    '',
    'Generated from `model/code-probes.ts` by `npx tsx scripts/code-probes-table.ts --write`; do not edit by hand.',
    'The mechanism, and how campaigns report these, is in [readme-fuzz.md](readme-fuzz.md#code-probes).',
    '"Reached by swarm seeds" says why a probe no seed of the correct model reaches cannot be reached',
    '("no: …") or what can reach it ("not in the correct model: …").',
    '',
    `${CODE_PROBE_NAMES.length} probes.`,
    '',
    '| probe | situation | Kafka | reached by swarm seeds |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--write')) writeFileSync(DOC_PATH, codeProbesDoc());
  else process.stdout.write(codeProbesDoc());
}
