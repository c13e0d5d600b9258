// Prints the event hash and outcome of 1,000 swarm seeds of the correct model and of each zoo
// variant's first find, one line each: the behaviour fingerprint a refactoring must keep.
// Usage: npx tsx scripts/event-hashes.mts [RUN_MODULE DEPS_MODULE] > hashes.txt; diff two such files.
const here = new URL('..', import.meta.url);
const [runMod = new URL('driver/run.ts', here).href, depsMod = new URL('driver/default-deps.ts', here).href] =
  process.argv.slice(2);
const { generateInput, runScenario } = await import(runMod);
const { deps } = await import(depsMod);
const out: string[] = [];
for (let seed = 0; seed < 1000; seed++) {
  const input = generateInput('swarm', seed);
  const r = runScenario(deps, { seed, scenario: 'swarm', variant: 'correct', input });
  out.push(`swarm correct ${seed} ${r.hash} ${r.outcome} ${r.eventCount}`);
}
const SCANS: Record<string, number> = {
  'acks-1': 6,
  'min-insync-1': 4_000_009,
  'unclean-election': 2_000_004,
  'truncate-to-hw': 2_000_004,
  'kip-101': 50,
  'no-epoch-fencing': 34,
  'isr-expand-on-hw': 2_000_101,
  'hw-on-current-isr': 1_000_008,
  'unfenced-alter-partition': 1_000_288,
  'stale-broker-epoch': 2_000_018,
  'last-replica-standing': 15,
};
for (const [variant, seed] of Object.entries(SCANS)) {
  const input = generateInput('swarm', seed);
  const r = runScenario(deps, { seed, scenario: 'swarm', variant, input });
  out.push(`swarm ${variant} ${seed} ${r.hash} ${r.outcome} ${r.eventCount} ${r.failureKind}`);
}
console.log(out.join('\n'));
