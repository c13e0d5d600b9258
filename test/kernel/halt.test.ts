// NodeContext.halt (a process's own Exit.halt): the handler unwinds at the call, the node goes
// down as by kill -9 (transition 'halt', its peers' connections reset, what it had sent still in
// flight dropped, its page cache kept), and it stays down until the driver starts it again.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../harness/index.ts';
import type { Actor, Message, NodeContext, NodeTransition } from '../../harness/types.ts';

class Halter implements Actor<Message> {
  constructor(
    readonly ctx: NodeContext<Message>,
    private readonly log: string[],
  ) {
    ctx.setTimer(10_000, 'later');
  }
  onMessage(from: number, msg: Message): void {
    this.log.push(`${this.ctx.name} got ${msg.type} from ${from}@${this.ctx.now()}`);
    if (msg.type !== 'poison') return;
    this.ctx.disk.append('log', 'written before the halt');
    this.ctx.send(2, { type: 'sent-before-halt' });
    this.ctx.halt('cannot apply poison');
    this.log.push('after the halt'); // never runs
  }
  onTimer(tag: unknown): void {
    this.log.push(`${this.ctx.name} timer ${String(tag)}@${this.ctx.now()}`);
  }
  onDisconnect(peer: number): void {
    this.log.push(`${this.ctx.name} lost ${peer}@${this.ctx.now()}`);
  }
}

function build(log: string[], transitions: string[]): Simulation {
  const s = new Simulation({ seed: 3, defaultLatency: { kind: 'constant', us: 100 } });
  for (const id of [1, 2])
    s.addNode({ id, name: `n${id}`, factory: (ctx) => new Halter(ctx as NodeContext<Message>, log) });
  s.onNodeTransition((node, t: NodeTransition, reason) =>
    transitions.push(`${node} ${t}${reason ? `: ${reason}` : ''}`),
  );
  s.start(1);
  s.start(2);
  return s;
}

describe('NodeContext.halt', () => {
  it('unwinds the handler and takes the node down as a crash, until the driver starts it', () => {
    const log: string[] = [];
    const transitions: string[] = [];
    const s = build(log, transitions);
    s.at(1_000, 'send', () => {
      const n2 = s.actor<Halter>(2)!;
      s.at(1_000, 'poison', () => n2.ctx.send(1, { type: 'poison' }));
    });
    s.run({ untilUs: 50_000 });
    expect(s.isUp(1)).toBe(false);
    expect(transitions).toEqual(['1 start', '2 start', '1 halt: cannot apply poison']);
    expect(log).not.toContain('after the halt');
    // n1's own timer never fires; n2 hears the reset; what n1 sent before the halt is dropped.
    expect(log).not.toContain('n1 timer later@10000');
    expect(log).toContain('n2 timer later@10000');
    expect(log.some((l) => l.startsWith('n2 lost 1@'))).toBe(true);
    expect(log.some((l) => l.includes('sent-before-halt'))).toBe(false);
    // The page cache survives a process death.
    expect(s.disk(1).read('log')).toEqual(['written before the halt']);
    s.start(1);
    expect(s.isUp(1)).toBe(true);
    expect(transitions.at(-1)).toBe('1 restart');
  });

  it('a halt while starting (recovery reads what it cannot apply) leaves the node down again', () => {
    const transitions: string[] = [];
    const s = new Simulation({ seed: 5 });
    s.addNode({
      id: 1,
      name: 'n1',
      factory: (ctx) => {
        const node = new Halter(ctx as NodeContext<Message>, []); // sets a timer
        if (ctx.disk.read('log').includes('unreadable')) ctx.halt('recovery failed');
        return node;
      },
    });
    s.onNodeTransition((node, t, reason) => transitions.push(`${node} ${t}${reason ? `: ${reason}` : ''}`));
    s.start(1);
    s.disk(1).append('log', 'unreadable');
    s.crash(1);
    s.start(1);
    expect(s.isUp(1)).toBe(false);
    expect(transitions).toEqual(['1 start', '1 crash', '1 restart', '1 halt: recovery failed']);
    expect(s.pending()).toBe(0); // the halted incarnation's timer left the queue
  });

  it('refuses a halt from outside the node’s own running handler', () => {
    const s = build([], []);
    const n1 = s.actor<Halter>(1)!;
    expect(() => n1.ctx.halt('from the driver')).toThrow(/outside its own running handler/);
    expect(s.isUp(1)).toBe(true);
  });
});
