// Boots a worker thread that runs TypeScript: registers tsx's ESM loader in this thread,
// then imports the .ts entry named in workerData.entry. (On Node 20 a worker's
// `execArgv: ['--import', 'tsx']` does not register the loader for the worker's own
// imports, so the registration happens here.)
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
