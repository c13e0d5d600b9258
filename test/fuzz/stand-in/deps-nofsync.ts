// Deps module (campaign/tasks.ts loadDeps) for driver tests: the stand-in cluster whose brokers never fsync (a power
// loss of the leader loses acknowledged records)
// and the stand-in judges. Worker threads import it by URL.
import type { RunDeps } from '../../../driver/run.ts';
import { standInCluster } from './cluster.ts';
import { standInJudges } from './judges.ts';

export const deps: RunDeps = { buildCluster: standInCluster({ noFsync: true }), judges: standInJudges };
