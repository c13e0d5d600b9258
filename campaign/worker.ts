// The piscina worker: runs campaign tasks (campaign/tasks.ts) on a worker thread. Each
// thread loads the model and the checkers once, from the deps module the campaign names.

import { executeTask, loadDeps, type Task } from './tasks.ts';

export interface WorkerMessage {
  depsModule: string;
  task: Task;
}

export default async function run(msg: WorkerMessage): Promise<unknown> {
  const deps = await loadDeps(msg.depsModule);
  return executeTask(deps, msg.task);
}
