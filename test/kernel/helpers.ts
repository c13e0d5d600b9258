// Small scripted actors for the kernel's tests: a node whose behaviour is a list of
// callbacks, and a recorder that logs what each node receives and when.

import { Simulation } from '../../harness/index.ts';
import type { Actor, Message, NodeContext, NodeId, SimulationOptions } from '../../harness/index.ts';

export interface Received {
  readonly node: NodeId;
  readonly from: NodeId;
  readonly timeUs: number;
  readonly msg: Message & Record<string, unknown>;
  readonly incarnation: number;
}

export interface Disconnect {
  readonly node: NodeId;
  readonly peer: NodeId;
  readonly timeUs: number;
}

export interface FiredTimer {
  readonly node: NodeId;
  readonly tag: unknown;
  readonly timeUs: number;
  readonly incarnation: number;
}

/** Hooks a scripted node runs; each gets the node's context. */
export interface Script {
  onStart?(ctx: NodeContext): void;
  onMessage?(ctx: NodeContext, from: NodeId, msg: Message & Record<string, unknown>): void;
  onTimer?(ctx: NodeContext, tag: unknown): void;
  onShutdown?(ctx: NodeContext): void;
}

/** A simulation of `ids` scripted nodes that records every delivery and timer. */
export class Harness {
  readonly sim: Simulation;
  readonly received: Received[] = [];
  readonly timers: FiredTimer[] = [];
  readonly disconnects: Disconnect[] = [];
  /** The live context of each node, refreshed on every (re)start. */
  readonly ctx = new Map<NodeId, NodeContext>();
  /** Every context ever handed out, per node, in incarnation order. */
  readonly allContexts = new Map<NodeId, NodeContext[]>();

  constructor(options: SimulationOptions, ids: readonly NodeId[], script: (id: NodeId) => Script = () => ({})) {
    this.sim = new Simulation(options);
    for (const id of ids) {
      this.sim.addNode({
        id,
        name: `n${id}`,
        factory: (ctx): Actor => {
          this.ctx.set(id, ctx);
          const list = this.allContexts.get(id) ?? [];
          list.push(ctx);
          this.allContexts.set(id, list);
          const s = script(id);
          s.onStart?.(ctx);
          return {
            onMessage: (from, msg) => {
              this.received.push({
                node: id,
                from,
                timeUs: ctx.now(),
                msg: msg as Received['msg'],
                incarnation: ctx.incarnation,
              });
              s.onMessage?.(ctx, from, msg as Received['msg']);
            },
            onTimer: (tag) => {
              this.timers.push({ node: id, tag, timeUs: ctx.now(), incarnation: ctx.incarnation });
              s.onTimer?.(ctx, tag);
            },
            onShutdown: () => s.onShutdown?.(ctx),
            onDisconnect: (peer) => {
              this.disconnects.push({ node: id, peer, timeUs: ctx.now() });
            },
          };
        },
      });
    }
  }

  startAll(): this {
    for (const id of this.sim.nodeIds()) this.sim.start(id);
    return this;
  }

  /** Make node `from` send `msg` to `to` at virtual time `atUs` (a driver event). */
  sendAt(atUs: number, from: NodeId, to: NodeId, msg: Message & Record<string, unknown>): void {
    this.sim.at(atUs, `send ${from}->${to}`, () => this.ctx.get(from)!.send(to, msg));
  }

  receivedBy(node: NodeId): Received[] {
    return this.received.filter((r) => r.node === node);
  }
}
