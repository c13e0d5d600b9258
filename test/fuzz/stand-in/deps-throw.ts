// Deps module (campaign/tasks.ts loadDeps) for driver tests: the stand-in cluster whose controller throws 3 s into
// every run
// and the stand-in judges. Worker threads import it by URL.
import type { RunDeps } from '../../../driver/run.ts';
import { standInCluster } from './cluster.ts';
import { standInJudges } from './judges.ts';

export const deps: RunDeps = { buildCluster: standInCluster({ throwAtMs: 3000 }), judges: standInJudges };
