import { runSeed } from '/work/wt/retention/driver/run.ts';
import { deps } from '/work/wt/retention/driver/default-deps.ts';
const seed = Number(process.argv[2]);
const r: any = runSeed(deps as any, 'swarm', 'correct', seed, { trace: true });
for (const a of r.verdict.anomalies) console.log(a.kind, a.informational ? '(info)' : '', a.explanation.slice(0, 300));
console.log(JSON.stringify(r.trace?.input?.shape?.timing));
const tl = r.trace?.timeline ?? [];
for (const e of tl) if (e.kind === 'truncate' || e.kind === 'node' || e.kind==='fault') console.log(e.t, JSON.stringify(e).slice(0, 200));
