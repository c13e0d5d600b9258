// Where campaign tasks run: in this thread (one worker) or on a piscina pool of worker
// threads. Both give the same results for the same task; the pool only changes when they
// arrive, and the campaign puts them back in seed order.
//
// Assumes the worker threads can load TypeScript: each starts at worker.mjs, which registers
// tsx's hooks in the thread, whether the parent runs under tsx, vitest or plain node.
//
// A pool thread holds its next batch of seeds while it runs one (prefetch): when a batch ends,
// the next is already in the thread's port, so the thread does not wait for this thread to
// wake up, take the result and post more (about 12 ms per task at load average 16, 3–4% of a
// 300-seed scan's worker time; 15% with a seed per task). piscina stacks a task behind a
// running one only if neither is abortable (worker_pool/balancer LeastBusyBalancer), so seed
// batches go to it without their AbortSignal: an abort rejects the caller's promise at once
// and the thread finishes the batch (a few seconds at most), its results dropped. Other tasks
// (shrinks, traces: long) go abortable, one per thread, so none waits behind another.

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
      // A running seed batch and the next one (prefetch, above); the campaign does the queueing.
      concurrentTasksPerWorker: 2,
      idleTimeout: 60_000,
      execArgv: [],
    });
    // A worker answering a task the campaign has already aborted is not an error.
    this.pool.on('error', () => {});
  }

  run(task: Task, signal?: AbortSignal): Promise<unknown> {
    const message = { depsModule: this.depsModule, task };
    if (task.type !== 'seed' && task.type !== 'seeds') {
      // Abortable (a signal that never fires if none is given): alone on its thread.
      return this.pool.run(message, { signal: signal ?? new AbortController().signal });
    }
    if (signal === undefined) return this.pool.run(message);
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    return abandonOnAbort(this.pool.run(message), signal);
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/** `result`, or a rejection as soon as `signal` aborts (what `result` brings then is dropped). */
function abandonOnAbort(result: Promise<unknown>, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    result.then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
