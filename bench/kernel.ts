// Benchmark: events per second of the simulation kernel on a message-heavy synthetic
// workload, against a bare binary-heap event loop running the same number of events in the
// same process (DESIGN §8). Prints both, their medians over several runs and the ratio; the
// last line is exactly `kernel/bare-loop ratio: X`.
//
// Workload (kernel): NODES actors talking in request/response RPCs, the pattern a
// replication protocol is made of. Every HEARTBEAT_US a node starts a chain: it sends a
// request to a random peer and sets a timeout timer; the peer answers with a response (the
// requester cancels its timeout) and passes the chain on with a request of its own, until the
// hop budget is spent. Latencies are exponential on the "net" stream; every actor draws its
// peers from its own stream. Trace recording and deep hashing are off, as in a fuzzing run.
// Per chain: 16 request and 16 response deliveries and one heartbeat timer; every request
// sets a timeout timer and its response cancels it (so ~97% of the events are deliveries,
// and the queue does a push, a cancel or both for most of them).
//
// Bare loop: a binary min-heap on (time, seq) of reused event objects, popping one and
// pushing one per event with a pseudo-random delay; no network, actors, hash or timers. Its
// standing population is the kernel's measured queue length, so both heaps are equally deep.
// Both are timed in CPU time (the machine is shared), in alternating order, and the ratio is
// the median of the per-run ratios.

import { Simulation } from '../harness/index.ts';
import type { Actor, NodeContext, TimerHandle } from '../harness/index.ts';
import { cpuMs, median, runBare } from './bare-loop.ts';

const NODES = 32;
const HOPS = 16;
const HEARTBEAT_US = 2_000;
const TIMEOUT_US = 50_000;
const EVENTS = Number(process.env.BENCH_KERNEL_EVENTS ?? 2_000_000);
const RUNS = Number(process.env.BENCH_KERNEL_RUNS ?? 5);
const TRACED_EVENTS = Math.min(EVENTS, 300_000);

type RpcMessage =
  | { readonly type: 'request'; readonly id: number; readonly hops: number }
  | { readonly type: 'response'; readonly id: number };

class RpcNode implements Actor<RpcMessage> {
  private nextRequestId = 0;
  /** Outstanding request id → its timeout timer. */
  private readonly timeouts = new Map<number, TimerHandle>();
  timedOut = 0;

  constructor(private readonly ctx: NodeContext<RpcMessage>) {
    ctx.setTimer(ctx.rng.intBetween(0, HEARTBEAT_US), 'heartbeat');
  }

  onMessage(from: number, msg: RpcMessage): void {
    switch (msg.type) {
      case 'request':
        this.ctx.send(from, { type: 'response', id: msg.id });
        if (msg.hops > 0) this.request(msg.hops - 1);
        return;
      case 'response': {
        const timer = this.timeouts.get(msg.id);
        if (timer !== undefined) {
          this.ctx.cancelTimer(timer);
          this.timeouts.delete(msg.id);
        }
        return;
      }
    }
  }

  onTimer(tag: unknown): void {
    if (tag === 'heartbeat') {
      this.request(HOPS);
      this.ctx.setTimer(HEARTBEAT_US, 'heartbeat');
    } else {
      this.timedOut++;
    }
  }

  private request(hops: number): void {
    let to = this.ctx.rng.intBetween(0, NODES - 2);
    if (to >= this.ctx.id) to++;
    const id = this.nextRequestId++;
    this.ctx.send(to, { type: 'request', id, hops });
    this.timeouts.set(id, this.ctx.setTimer(TIMEOUT_US, 'timeout'));
  }
}

function runKernel(events: number, trace = false): { ms: number; events: number; hash: string; queued: number } {
  const sim = new Simulation({ seed: 42, recordEvents: trace, deepHash: trace });
  for (let id = 0; id < NODES; id++) {
    sim.addNode<RpcMessage>({ id, name: `n${id}`, factory: (ctx) => new RpcNode(ctx) });
  }
  for (let id = 0; id < NODES; id++) sim.start(id);
  const t0 = cpuMs();
  sim.run({ maxEvents: events });
  const ms = cpuMs() - t0;
  return { ms, events: sim.eventCount, hash: sim.hash(), queued: sim.pending() };
}

function main(): void {
  // Warm both paths up so the JIT has compiled them before measuring. The warm-up also
  // measures the kernel's standing queue (live events only: cancelled timers leave the heap),
  // which becomes the bare loop's population.
  const warm = runKernel(Math.min(EVENTS, 200_000));
  runBare(Math.min(EVENTS, 200_000), warm.queued);
  const kernelRates: number[] = [];
  const bareRates: number[] = [];
  const ratios: number[] = [];
  let kernelHash = '';
  for (let run = 0; run < RUNS; run++) {
    // Alternate the order, and pair each kernel run with a bare run taken right next to it.
    let k: ReturnType<typeof runKernel>;
    let b: ReturnType<typeof runBare>;
    if (run % 2 === 0) {
      k = runKernel(EVENTS);
      b = runBare(k.events, warm.queued);
    } else {
      b = runBare(EVENTS, warm.queued);
      k = runKernel(EVENTS);
    }
    kernelHash = k.hash;
    const kernelRate = (k.events / k.ms) * 1000;
    const bareRate = (b.events / b.ms) * 1000;
    kernelRates.push(kernelRate);
    bareRates.push(bareRate);
    ratios.push(kernelRate / bareRate);
    console.log(
      `run ${run + 1}/${RUNS}: kernel ${fmt(kernelRate)} events/s, bare loop ${fmt(bareRate)} events/s, ratio ` +
        `${(kernelRate / bareRate).toFixed(3)} (${k.events} events, kernel queue ${k.queued}, bare queue ` +
        `${warm.queued}, checksum ${b.checksum})`,
    );
  }
  console.log(
    `workload: ${NODES} nodes, RPC chains of ${HOPS} hops every ${HEARTBEAT_US} µs per node, timeouts set and ` +
      `cancelled, trace off`,
  );
  console.log(`kernel hash (seed 42, ${EVENTS} events): ${kernelHash}`);
  console.log(`kernel events/s (median of ${RUNS}, CPU time): ${fmt(median(kernelRates))}`);
  console.log(`bare-loop events/s (median of ${RUNS}, CPU time): ${fmt(median(bareRates))}`);
  // For reference (not part of the ratio): the cost of --check-determinism's full tracing.
  const traced = runKernel(TRACED_EVENTS, true);
  console.log(
    `kernel events/s with recordEvents + deepHash (${TRACED_EVENTS} events, one run): ` +
      `${fmt((traced.events / traced.ms) * 1000)}`,
  );
  console.log(`target: ratio >= 0.40 (median of the per-run ratios)`);
  console.log(`kernel/bare-loop ratio: ${median(ratios).toFixed(3)}`);
}

function fmt(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}

main();
