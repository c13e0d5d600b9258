// The bare binary-heap event loop the benchmarks compare with (bench/kernel.ts, bench/fuzz.ts):
// a min-heap on (time, seq) of reused event objects, popping one and pushing one per event with
// a pseudo-random delay; no network, actors, hash or timers. Its standing population is given
// (the measured queue length of what it is compared with), so both heaps are equally deep.
// Timed in CPU time of this process (the machine is shared).

class BareEvent {
  constructor(
    public timeUs: number,
    public seq: number,
    public payload: number,
  ) {}
}

export function runBare(events: number, population: number): { ms: number; events: number; checksum: number } {
  const heap: BareEvent[] = [];
  let seq = 0;
  let rand = 0x9e3779b9;
  const nextRand = (): number => {
    rand ^= rand << 13;
    rand ^= rand >>> 17;
    rand ^= rand << 5;
    return (rand >>> 0) / 4294967296;
  };
  const less = (a: BareEvent, b: BareEvent): boolean => a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.seq < b.seq);
  const push = (ev: BareEvent): void => {
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (less(heap[parent], ev)) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = ev;
  };
  const pop = (): BareEvent => {
    const top = heap[0];
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const c = l + 1 < n && less(heap[l + 1], heap[l]) ? l + 1 : l;
        if (less(last, heap[c])) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  // The same standing population as the kernel's queue, so both heaps are equally deep.
  for (let i = 0; i < population; i++) push(new BareEvent(Math.floor(nextRand() * 1000), seq++, i));
  let checksum = 0;
  const t0 = cpuMs();
  for (let done = 0; done < events; done++) {
    const ev = pop();
    checksum = (checksum + ev.payload) | 0;
    ev.timeUs += 100 + Math.floor(-Math.log(1 - nextRand()) * 400);
    ev.seq = seq++;
    push(ev);
  }
  const ms = cpuMs() - t0;
  return { ms, events, checksum };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * CPU time of this process in ms. The machine is shared, so wall time would count the
 * moments another process held the core; both loops are timed the same way.
 */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
