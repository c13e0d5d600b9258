// History process ids of the simulated clients. A history process has at most one operation
// in flight (Jepsen's discipline, checkers/history.ts), but a Kafka producer has many sends
// outstanding and a consumer polls several partitions at once. So each client works through
// "lanes": a lane is one history process doing one operation at a time, and a client owns a
// block of lane ids: process = clientId * PROCESS_STRIDE + lane.
//
// Lanes are reused once their operation completed. A client that restarts (new incarnation)
// never reuses a lane of an earlier incarnation, because operations the crash cut off stay
// open (unknown outcome) in the history forever. The allocator lives in the client factory's
// closure: it is driver-side bookkeeping, like Jepsen's worker numbering, not client memory.

const PROCESS_STRIDE = 1000;

/** The history process id of `lane` of client `clientId`. */
export function processId(clientId: number, lane: number): number {
  if (!Number.isInteger(lane) || lane < 0 || lane >= PROCESS_STRIDE) {
    throw new Error(`client ${clientId}: lane ${lane} outside [0, ${PROCESS_STRIDE})`);
  }
  return clientId * PROCESS_STRIDE + lane;
}

/** The client (node id) a history process belongs to, or undefined for foreign processes. */
export function clientOfProcess(process: number | string): number | undefined {
  if (typeof process !== 'number' || !Number.isInteger(process) || process < PROCESS_STRIDE) return undefined;
  return Math.floor(process / PROCESS_STRIDE);
}

export class LaneAllocator {
  private nextLane = 0;
  private free: number[] = [];
  private incarnation = 0;

  constructor(readonly clientId: number) {}

  /** Call at the start of every incarnation: lanes of earlier incarnations are retired. */
  beginIncarnation(incarnation: number): void {
    if (incarnation !== this.incarnation) {
      this.incarnation = incarnation;
      this.free = [];
    }
  }

  /** A process id with no operation in flight. */
  take(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    return processId(this.clientId, this.nextLane++);
  }

  /** The process's operation completed; the lane may carry another. */
  release(process: number): void {
    this.free.push(process);
  }
}
