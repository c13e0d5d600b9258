// Worker-thread entry: runs the example counter for the seeds it is given and posts back
// their outcomes, plus evidence of what ran (this module's URL, a TypeScript-only construct).
// Loaded through worker-boot.mjs, which registers tsx in the worker first.

import { isMainThread, parentPort, threadId, workerData } from 'node:worker_threads';
import { exampleOutcomes } from './hashes.ts';

/** A TypeScript enum: plain Node cannot parse this file, only a TS loader can. */
enum Evidence {
  TypeScript = 'typescript',
}

const { seeds } = workerData as { entry: string; seeds: number[] };
parentPort!.postMessage({
  outcomes: exampleOutcomes(seeds),
  moduleUrl: import.meta.url,
  evidence: Evidence.TypeScript,
  isMainThread,
  threadId,
});
