// ZooKeeper's wire vocabulary as the model uses it: the client protocol (connect, requests,
// replies, watch events), the transactions the ensemble logs and replicates, and the quorum
// messages between servers (leader election notifications and Zab's discovery, sync and
// broadcast packets). The rules that give them meaning are in model/zookeeper.ts (servers),
// model/zk-tree.ts (the data tree) and model/zk-client.ts (the client).
//
// Assumptions: plain data, never mutated after sending (the kernel's rule). Paths are
// absolute ZooKeeper paths without a trailing slash; data is a string. Zxids are numbers:
// epoch × 2^32 + counter, as ZooKeeper packs them in a long (ZxidUtils.makeZxid); epochs
// and counters stay far below 2^53 in a simulation.

/** KeeperException.Code, the ones the model can answer. */
export type ZkErrorCode =
  | 'OK'
  | 'NONODE'
  | 'NODEEXISTS'
  | 'BADVERSION'
  | 'NOTEMPTY'
  | 'NOCHILDRENFOREPHEMERALS'
  | 'SESSIONEXPIRED'
  | 'SESSIONMOVED'
  | 'CONNECTIONLOSS'
  | 'RUNTIMEINCONSISTENCY';

/** org.apache.zookeeper.data.Stat (times left out: the model has no wall clock). */
export interface ZkStat {
  readonly czxid: number;
  readonly mzxid: number;
  readonly pzxid: number;
  readonly version: number;
  readonly cversion: number;
  /** Session id of an ephemeral node's owner, 0 for a persistent node. */
  readonly ephemeralOwner: number;
  readonly numChildren: number;
}

/** One operation of a multi (org.apache.zookeeper.Op), or a lone write. */
export type ZkWriteOp =
  | {
      readonly op: 'create';
      readonly path: string;
      readonly data: string;
      readonly ephemeral: boolean;
      readonly sequential: boolean;
    }
  /** version -1: any version (ZooKeeper's "no check"). */
  | { readonly op: 'setData'; readonly path: string; readonly data: string; readonly version: number }
  | { readonly op: 'delete'; readonly path: string; readonly version: number }
  | { readonly op: 'check'; readonly path: string; readonly version: number };

/** A client request (the operation of a RequestHeader + record). */
export type ZkOp =
  | ZkWriteOp
  | { readonly op: 'multi'; readonly ops: readonly ZkWriteOp[] }
  | { readonly op: 'getData'; readonly path: string; readonly watch: boolean }
  | { readonly op: 'exists'; readonly path: string; readonly watch: boolean }
  | { readonly op: 'getChildren'; readonly path: string; readonly watch: boolean }
  | { readonly op: 'closeSession' };

/** What a successful operation returns (one per op of a multi). */
export interface ZkOpResult {
  /** The created path (create), the path otherwise. */
  readonly path?: string;
  readonly stat?: ZkStat;
  readonly data?: string;
  readonly children?: readonly string[];
  /** Per op of a failed multi: OK before the failing op, its code, RUNTIMEINCONSISTENCY after. */
  readonly error?: ZkErrorCode;
}

/** A transaction as the leader prepared it (PrepRequestProcessor) and every server applies it. */
export type ZkTxn =
  | { readonly kind: 'createSession'; readonly timeoutMs: number }
  | { readonly kind: 'closeSession' }
  | {
      readonly kind: 'create';
      /** The final path (a sequential node's counter already appended). */
      readonly path: string;
      readonly data: string;
      readonly ephemeralOwner: number;
      /** The parent's cversion after this create (CreateTxn.parentCVersion). */
      readonly parentCversion: number;
    }
  | { readonly kind: 'setData'; readonly path: string; readonly data: string; readonly version: number }
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'check'; readonly path: string; readonly version: number }
  | { readonly kind: 'multi'; readonly txns: readonly ZkTxn[] }
  /** ErrorTxn: a refused request still takes a zxid, so its answer keeps the session's order. */
  | { readonly kind: 'error'; readonly code: ZkErrorCode; readonly opErrors?: readonly ZkErrorCode[] };

/** One entry of the transaction log (TxnHeader + txn). */
export interface ZkLogEntry {
  readonly zxid: number;
  /** The session that asked (TxnHeader.clientId); for createSession the new session's id. */
  readonly sessionId: number;
  /** The client's request id (TxnHeader.cxid); -1 for the leader's own (session expiry). */
  readonly cxid: number;
  readonly txn: ZkTxn;
}

export type ZkEventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';

// ---------------------------------------------------------------------------------------
// Client ↔ server

type ZkClientMessage =
  /** ConnectRequest: sessionId 0 asks for a new session. */
  | {
      readonly type: 'ZkConnect';
      readonly sessionId: number;
      readonly timeoutMs: number;
      readonly lastZxidSeen: number;
    }
  /** ConnectResponse: timeoutMs 0 means the session is expired (or unknown). */
  | { readonly type: 'ZkConnectResponse'; readonly sessionId: number; readonly timeoutMs: number }
  | { readonly type: 'ZkRequest'; readonly sessionId: number; readonly cxid: number; readonly op: ZkOp }
  | {
      readonly type: 'ZkResponse';
      readonly cxid: number;
      /** The server's last processed zxid (ReplyHeader.zxid). */
      readonly zxid: number;
      readonly error: ZkErrorCode;
      readonly result?: ZkOpResult;
      readonly results?: readonly ZkOpResult[];
    }
  | { readonly type: 'ZkWatchEvent'; readonly event: ZkEventType; readonly path: string; readonly zxid: number }
  | { readonly type: 'ZkClientPing'; readonly sessionId: number }
  | { readonly type: 'ZkClientPong' }
  /** Send again from `from` on (model/zk-connection.ts: what TCP would have retransmitted). */
  | { readonly type: 'ZkResend'; readonly from: number; readonly conn?: number }
  /** SetWatches after a reconnect (ClientCnxn.primeConnection). */
  | {
      readonly type: 'ZkSetWatches';
      readonly sessionId: number;
      readonly relativeZxid: number;
      readonly dataWatches: readonly string[];
      readonly existWatches: readonly string[];
      readonly childWatches: readonly string[];
    }
  /** Either side closed the TCP connection (a FIN; lost like any message under a cut). */
  | { readonly type: 'ZkClose'; readonly sessionId: number };

// ---------------------------------------------------------------------------------------
// Server ↔ server

export type ZkServerState = 'looking' | 'following' | 'leading';

/**
 * Messages of one leader–learner connection carry `seq`, their position on it in their
 * direction (stamped by the sender): TCP loses nothing without breaking the connection, so a
 * gap is a broken connection (the kernel's cuts drop what is in flight silently).
 */
type ZkQuorumMessage = ZkQuorumBody & { readonly seq?: number };

type ZkQuorumBody =
  /** FastLeaderElection.Notification. */
  | {
      readonly type: 'ZkNotification';
      readonly leader: number;
      readonly zxid: number;
      readonly peerEpoch: number;
      readonly electionEpoch: number;
      readonly state: ZkServerState;
    }
  /** Learner.registerWithLeader: FOLLOWERINFO. */
  | { readonly type: 'ZkFollowerInfo'; readonly acceptedEpoch: number; readonly lastZxid: number }
  /** LEADERINFO with the epoch the leader proposes (Leader.getEpochToPropose). */
  | { readonly type: 'ZkLeaderInfo'; readonly newEpoch: number }
  /** ACKEPOCH with the follower's current epoch and last logged zxid. */
  | { readonly type: 'ZkAckEpoch'; readonly newEpoch: number; readonly currentEpoch: number; readonly lastZxid: number }
  /**
   * The leader's history for this follower (DIFF/TRUNC/SNAP collapsed: the whole log), then
   * NEWLEADER. committedZxid -1: everything in it commits with UPTODATE.
   */
  | {
      readonly type: 'ZkSync';
      readonly newEpoch: number;
      readonly log: readonly ZkLogEntry[];
      readonly committedZxid: number;
    }
  | { readonly type: 'ZkAckNewLeader'; readonly newEpoch: number; readonly lastZxid: number }
  | { readonly type: 'ZkUpToDate'; readonly newEpoch: number; readonly committedZxid: number }
  | { readonly type: 'ZkProposal'; readonly epoch: number; readonly entry: ZkLogEntry }
  | { readonly type: 'ZkAck'; readonly epoch: number; readonly zxid: number }
  | { readonly type: 'ZkCommit'; readonly epoch: number; readonly zxid: number }
  | { readonly type: 'ZkPing'; readonly epoch: number }
  /** The follower's PING answer carries the sessions its clients touched (LearnerSessionTracker). */
  | { readonly type: 'ZkPingReply'; readonly epoch: number; readonly touched: readonly number[] }
  /** A write a follower's client asked for (Learner.request). owner: the follower. */
  | {
      readonly type: 'ZkForward';
      readonly epoch: number;
      readonly sessionId: number;
      readonly cxid: number;
      readonly op: ZkOp | { readonly op: 'createSession'; readonly timeoutMs: number };
    }
  /** REVALIDATE: may this session move to the asking server? */
  | { readonly type: 'ZkRevalidate'; readonly epoch: number; readonly sessionId: number; readonly client: number }
  | {
      readonly type: 'ZkRevalidateReply';
      readonly epoch: number;
      readonly sessionId: number;
      readonly client: number;
      readonly valid: boolean;
      readonly timeoutMs: number;
    };

export type ZkMessage = ZkClientMessage | ZkQuorumMessage;

/** ZxidUtils.makeZxid. */
export function makeZxid(epoch: number, counter: number): number {
  return epoch * 2 ** 32 + counter;
}

/** Messages of a leader–learner connection (everything between servers but notifications). */
export const ZK_STREAM_TYPES: ReadonlySet<string> = new Set<string>([
  'ZkFollowerInfo',
  'ZkLeaderInfo',
  'ZkAckEpoch',
  'ZkSync',
  'ZkAckNewLeader',
  'ZkUpToDate',
  'ZkProposal',
  'ZkAck',
  'ZkCommit',
  'ZkPing',
  'ZkPingReply',
  'ZkForward',
  'ZkRevalidate',
  'ZkRevalidateReply',
]);

const ZK_TYPES = new Set<string>([
  'ZkConnect',
  'ZkConnectResponse',
  'ZkRequest',
  'ZkResponse',
  'ZkWatchEvent',
  'ZkClientPing',
  'ZkClientPong',
  'ZkResend',
  'ZkSetWatches',
  'ZkClose',
  'ZkNotification',
  ...ZK_STREAM_TYPES,
]);

/** Whether a message belongs to ZooKeeper's protocols (for actors that host a client). */
export function isZkMessage(msg: { readonly type: string }): msg is ZkMessage {
  return ZK_TYPES.has(msg.type);
}
