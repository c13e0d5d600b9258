// `kafka-metadata-quorum.sh describe --status` for a moment of a run, from the controller
// voters' Raft states (the timeline's 'quorum' events): shared by cli/demo.ts and the report's
// describe view, so it imports nothing.
//
// Assumes: each voter's latest state at the moment is given (role, epoch, leader, HW, and when
// that state was recorded). Kafka's leader reports each follower's log end offset and the last
// time it caught up (LeaderState.ReplicaState); the timeline carries HWs, so MaxFollowerLag is
// the leader's HW minus the furthest-behind voter's HW, and MaxFollowerLagTimeMs how long that
// voter has been behind: since the leader's HW first passed the voter's (0 when none lags).

export interface VoterAt {
  readonly id: number;
  readonly up: boolean;
  readonly role: string;
  readonly epoch: number;
  readonly leaderId: number;
  readonly hw: number;
  /** When this state was recorded, µs. */
  readonly sinceUs: number;
}

/** The leader's recorded (time, HW) pairs, in time order (its 'quorum' events). */
export type HwHistory = ReadonlyArray<readonly [timeUs: number, hw: number]>;

/** The lines kafka-metadata-quorum.sh describe --status prints (KIP-595, MetadataQuorumCommand). */
export function quorumStatusLines(
  clusterId: string,
  voters: readonly VoterAt[],
  observers: readonly number[],
  nowUs: number,
  leaderHws: HwHistory,
): string[] {
  let leader: VoterAt | undefined;
  for (const v of voters)
    if (v.up && v.role === 'leader' && (leader === undefined || v.epoch > leader.epoch)) leader = v;
  const hw = leader?.hw ?? -1;
  let maxLag = 0;
  let lagTimeMs = leader === undefined ? -1 : 0;
  for (const v of voters) {
    if (leader === undefined || v.id === leader.id) continue;
    const lag = Math.max(0, hw - v.hw);
    if (lag > maxLag) {
      maxLag = lag;
      const passed = leaderHws.find(([t, h]) => t >= v.sinceUs && h > v.hw);
      lagTimeMs = Math.round((nowUs - (passed?.[0] ?? nowUs)) / 1000);
    }
  }
  const pad = (k: string) => `${k}:`.padEnd(24);
  return [
    `${pad('ClusterId')}${clusterId}`,
    `${pad('LeaderId')}${leader?.id ?? -1}`,
    `${pad('LeaderEpoch')}${leader?.epoch ?? Math.max(-1, ...voters.map((v) => v.epoch))}`,
    `${pad('HighWatermark')}${hw}`,
    `${pad('MaxFollowerLag')}${maxLag}`,
    `${pad('MaxFollowerLagTimeMs')}${lagTimeMs}`,
    `${pad('CurrentVoters')}[${voters.map((v) => v.id).join(',')}]`,
    `${pad('CurrentObservers')}[${observers.join(',')}]`,
  ];
}

/** A trace node that runs a broker: a broker alone, or combined with a controller voter. */
export function isBrokerRole(role: string): boolean {
  return role === 'broker' || role === 'combined';
}

/** A trace node that runs a controller voter: dedicated, or combined with a broker. */
export function isVoterRole(role: string): boolean {
  return role === 'controller' || role === 'combined';
}

/**
 * Which process roles the voters run with, as a comment above the status: combined nodes
 * (process.roles=broker,controller, one process and one metadata log per node) or dedicated
 * controllers (process.roles=controller).
 */
export function quorumModeLine(voterIds: readonly number[], brokerIds: readonly number[]): string {
  const combined = voterIds.length > 0 && voterIds.every((id) => brokerIds.includes(id));
  const ids = voterIds.join(',');
  return combined
    ? `# combined mode: nodes ${ids} run process.roles=broker,controller (one process each)`
    : `# dedicated controllers: nodes ${ids} run process.roles=controller`;
}
