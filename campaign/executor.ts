// Where campaign tasks run: in this thread (one worker) or on a piscina pool of worker
// threads. Both give the same results for the same task; the pool only changes when they
// arrive, and the campaign puts them back in seed order.
//
// Assumes the worker threads can load TypeScript: each starts at worker.mjs, which registers
// tsx's hooks in the thread, whether the parent runs under tsx, vitest or plain node.

import { Piscina } from 'piscina';
import { executeTask, loadDeps, type Task } from './tasks.ts';

export interface Executor {
  readonly workers: number;
  run(task: Task, signal?: AbortSignal): Promise<unknown>;
  destroy(): Promise<void>;
}

export function createExecutor(workers: number, depsModule: string): Executor {
  return workers <= 1 ? new InProcessExecutor(depsModule) : new PoolExecutor(workers, depsModule);
}

class InProcessExecutor implements Executor {
  readonly workers = 1;
  constructor(private readonly depsModule: string) {}

  async run(task: Task, signal?: AbortSignal): Promise<unknown> {
    const deps = await loadDeps(this.depsModule);
    // Yield to the event loop between tasks so Ctrl-C and progress output get their turn.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted === true) throw new Error('aborted');
    return executeTask(deps, task);
  }

  async destroy(): Promise<void> {}
}

class PoolExecutor implements Executor {
  private readonly pool: Piscina;
  constructor(
    readonly workers: number,
    private readonly depsModule: string,
  ) {
    this.pool = new Piscina({
      filename: new URL('./worker.mjs', import.meta.url).href,
      minThreads: workers,
      maxThreads: workers,
      // One task per thread at a time: a seed is CPU-bound, queueing is done by the campaign.
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      execArgv: [],
    });
    // A worker answering a task the campaign has already aborted is not an error.
    this.pool.on('error', () => {});
  }

  run(task: Task, signal?: AbortSignal): Promise<unknown> {
    return this.pool.run({ depsModule: this.depsModule, task }, signal === undefined ? {} : { signal });
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
