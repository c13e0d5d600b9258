// Deps module (campaign/tasks.ts loadDeps) for driver tests: the stand-in cluster whose producers never finish their
// last send
// and the stand-in judges. Worker threads import it by URL.
import type { RunDeps } from '../../../driver/run.ts';
import { standInCluster } from './cluster.ts';
import { standInJudges } from './judges.ts';

export const deps: RunDeps = { buildCluster: standInCluster({ neverFinish: true }), judges: standInJudges };
