// The kernel's asynchronous stop (SimulationApi.requestStop, NodeContext.readyToStop): the
// node stays up until it says it is done or the timeout passes, then shuts down cleanly in
// an event of its own; `whenDown` runs once it is down, however it went down.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../harness/index.ts';
import type { Actor, Message, NodeContext } from '../../harness/types.ts';

class Stopper implements Actor<Message> {
  shutdowns = 0;
  constructor(
    readonly ctx: NodeContext<Message>,
    private readonly doneAfterUs: number | null,
    private readonly log: string[],
  ) {}
  onMessage(): void {}
  onTimer(tag: unknown): void {
    if (tag === 'done') this.ctx.readyToStop();
  }
  onStopRequested(): void {
    this.log.push(`asked@${this.ctx.now()}`);
    if (this.doneAfterUs !== null) this.ctx.setTimer(this.doneAfterUs, 'done');
  }
  onShutdown(): void {
    this.log.push(`shutdown@${this.ctx.now()}`);
  }
}

function sim(doneAfterUs: number | null, log: string[]): Simulation {
  const s = new Simulation({ seed: 7 });
  s.addNode({ id: 1, name: 'n1', factory: (ctx) => new Stopper(ctx as NodeContext<Message>, doneAfterUs, log) });
  s.start(1);
  return s;
}

describe('requestStop', () => {
  it('stays up until the node is ready, then shuts down cleanly and calls back', () => {
    const log: string[] = [];
    const s = sim(5_000, log);
    s.at(1_000, 'stop', () => s.requestStop(1, 1_000_000, () => log.push(`down@${s.now()}`)));
    s.run({ untilUs: 3_000 });
    expect(s.isUp(1)).toBe(true);
    expect(s.isStopping(1)).toBe(true);
    s.run();
    expect(log).toEqual(['asked@1000', 'shutdown@6000', 'down@6000']);
    expect(s.isUp(1)).toBe(false);
    expect(s.isStopping(1)).toBe(false);
    expect(s.pending()).toBe(0); // the timeout left the queue
  });

  it('shuts down at the timeout when the node never says it is ready', () => {
    const log: string[] = [];
    const s = sim(null, log);
    s.requestStop(1, 2_000, () => log.push(`down@${s.now()}`));
    s.run();
    expect(log).toEqual(['asked@0', 'shutdown@2000', 'down@2000']);
  });

  it('a crash while stopping also runs the callback; a second request only adds its callback', () => {
    const log: string[] = [];
    const s = sim(null, log);
    s.requestStop(1, 2_000, () => log.push('first'));
    s.requestStop(1, 2_000, () => log.push('second'));
    s.at(500, 'crash', () => s.crash(1));
    s.run();
    expect(log).toEqual(['asked@0', 'first', 'second']);
    expect(s.isUp(1)).toBe(false);
  });
});
