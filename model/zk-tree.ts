// ZooKeeper's data tree on one server: znodes with their Stat, ephemeral nodes per session,
// the sessions the log has opened, and the watches this server's clients set. Every server
// applies the same committed transactions in zxid order (DataTree.processTxn) and fires its
// own clients' watches as it does (WatchManager.triggerWatch). The leader prepares client
// writes into transactions against the tree plus its not-yet-applied changes
// (PrepRequestProcessor with its outstandingChanges): version checks, sequential names and
// multi's all-or-nothing are decided there, once, and every server applies the outcome.
//
// Assumptions: ACLs, quotas, containers, TTL nodes and times (ctime/mtime) are not modelled;
// watches belong to a client connection (a kernel node id) as ServerCnxn does.

import { codeProbe } from './code-probes.ts';
import type { ZkErrorCode, ZkEventType, ZkLogEntry, ZkOpResult, ZkStat, ZkTxn, ZkWriteOp } from './zk-protocol.ts';

interface ZNode {
  data: string;
  stat: ZkStat;
  readonly children: Set<string>;
}

/** A watch firing this server must send to one client connection. */
export interface ZkWatchFiring {
  readonly client: number;
  readonly event: ZkEventType;
  readonly path: string;
}

/** The outcome of applying one committed transaction. */
export interface ZkApplied {
  readonly error: ZkErrorCode;
  readonly result?: ZkOpResult;
  readonly results?: readonly ZkOpResult[];
  readonly firings: readonly ZkWatchFiring[];
  /** Set for a closeSession: the ephemerals it removed. */
  readonly removedEphemerals?: readonly string[];
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function childName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const ROOT_STAT: ZkStat = {
  czxid: 0,
  mzxid: 0,
  pzxid: 0,
  version: 0,
  cversion: 0,
  ephemeralOwner: 0,
  numChildren: 0,
};

export class ZkDataTree {
  private readonly nodes = new Map<string, ZNode>([['/', { data: '', stat: ROOT_STAT, children: new Set() }]]);
  /** Session id → its ephemeral paths (DataTree.ephemerals). */
  private readonly ephemerals = new Map<number, Set<string>>();
  /** Open sessions and their timeouts (ZKDatabase.sessionsWithTimeouts). */
  readonly sessions = new Map<number, number>();
  lastProcessedZxid = 0;
  /** WatchManager dataWatches (exists watches on a missing node included): path → clients. */
  private readonly dataWatches = new Map<string, Set<number>>();
  private readonly childWatches = new Map<string, Set<number>>();

  get(
    path: string,
  ): { readonly data: string; readonly stat: ZkStat; readonly children: readonly string[] } | undefined {
    const node = this.nodes.get(path);
    if (node === undefined) return undefined;
    return { data: node.data, stat: node.stat, children: [...node.children].sort() };
  }

  ephemeralsOf(sessionId: number): string[] {
    return [...(this.ephemerals.get(sessionId) ?? [])].sort();
  }

  addWatch(kind: 'data' | 'child', path: string, client: number): void {
    const table = kind === 'data' ? this.dataWatches : this.childWatches;
    let set = table.get(path);
    if (set === undefined) {
      set = new Set();
      table.set(path, set);
    }
    set.add(client);
  }

  /** A connection closed: its watches go (WatchManager.removeWatcher). */
  removeWatcher(client: number): void {
    for (const table of [this.dataWatches, this.childWatches]) {
      for (const [path, set] of table) {
        set.delete(client);
        if (set.size === 0) table.delete(path);
      }
    }
  }

  /**
   * DataTree.setWatches after a client reconnected: what changed since `relativeZxid` fires
   * at once, the rest is registered again.
   */
  setWatches(
    client: number,
    relativeZxid: number,
    data: readonly string[],
    exist: readonly string[],
    child: readonly string[],
  ): ZkWatchFiring[] {
    const firings: ZkWatchFiring[] = [];
    for (const path of data) {
      const node = this.nodes.get(path);
      if (node === undefined) firings.push({ client, event: 'NodeDeleted', path });
      else if (node.stat.mzxid > relativeZxid) firings.push({ client, event: 'NodeDataChanged', path });
      else this.addWatch('data', path, client);
    }
    for (const path of exist) {
      if (this.nodes.has(path)) firings.push({ client, event: 'NodeCreated', path });
      else this.addWatch('data', path, client);
    }
    for (const path of child) {
      const node = this.nodes.get(path);
      if (node === undefined) firings.push({ client, event: 'NodeDeleted', path });
      else if (node.stat.pzxid > relativeZxid) firings.push({ client, event: 'NodeChildrenChanged', path });
      else this.addWatch('child', path, client);
    }
    return firings;
  }

  /** DataTree.processTxn: apply a committed transaction. */
  apply(entry: ZkLogEntry): ZkApplied {
    const firings: ZkWatchFiring[] = [];
    const out = this.applyTxn(entry.txn, entry, firings);
    this.lastProcessedZxid = entry.zxid;
    return { ...out, firings };
  }

  private applyTxn(txn: ZkTxn, entry: ZkLogEntry, firings: ZkWatchFiring[]): Omit<ZkApplied, 'firings'> {
    switch (txn.kind) {
      case 'createSession':
        this.sessions.set(entry.sessionId, txn.timeoutMs);
        return { error: 'OK' };
      case 'closeSession': {
        // DataTree.killSession: the session's ephemerals go, each a delete with its watches.
        const removed = this.ephemeralsOf(entry.sessionId);
        for (const path of removed) this.deleteNode(path, entry.zxid, firings);
        this.ephemerals.delete(entry.sessionId);
        this.sessions.delete(entry.sessionId);
        return { error: 'OK', removedEphemerals: removed };
      }
      case 'create':
        this.createNode(txn.path, txn.data, txn.ephemeralOwner, txn.parentCversion, entry.zxid, firings);
        return { error: 'OK', result: { path: txn.path, stat: this.nodes.get(txn.path)?.stat } };
      case 'setData': {
        const node = this.nodes.get(txn.path);
        if (node === undefined) throw new Error(`zk: setData on missing ${txn.path} at ${entry.zxid}`);
        node.data = txn.data;
        node.stat = { ...node.stat, version: txn.version, mzxid: entry.zxid };
        this.fire(this.dataWatches, txn.path, 'NodeDataChanged', firings);
        return { error: 'OK', result: { path: txn.path, stat: node.stat } };
      }
      case 'delete':
        this.deleteNode(txn.path, entry.zxid, firings);
        return { error: 'OK', result: { path: txn.path } };
      case 'check':
        return { error: 'OK', result: { path: txn.path, stat: this.nodes.get(txn.path)?.stat } };
      case 'multi': {
        const results = txn.txns.map((t) => this.applyTxn(t, entry, firings).result ?? {});
        return { error: 'OK', results };
      }
      case 'error': {
        const results = txn.opErrors?.map((error) => ({ error }));
        return results === undefined ? { error: txn.code } : { error: txn.code, results };
      }
    }
  }

  private createNode(
    path: string,
    data: string,
    ephemeralOwner: number,
    parentCversion: number,
    zxid: number,
    firings: ZkWatchFiring[],
  ): void {
    const parent = this.nodes.get(parentOf(path));
    if (parent === undefined) throw new Error(`zk: create ${path} without its parent at ${zxid}`);
    const stat: ZkStat = {
      czxid: zxid,
      mzxid: zxid,
      pzxid: zxid,
      version: 0,
      cversion: 0,
      ephemeralOwner,
      numChildren: 0,
    };
    this.nodes.set(path, { data, stat, children: new Set() });
    parent.children.add(childName(path));
    parent.stat = { ...parent.stat, cversion: parentCversion, pzxid: zxid, numChildren: parent.children.size };
    if (ephemeralOwner !== 0) {
      let set = this.ephemerals.get(ephemeralOwner);
      if (set === undefined) {
        set = new Set();
        this.ephemerals.set(ephemeralOwner, set);
      }
      set.add(path);
    }
    this.fire(this.dataWatches, path, 'NodeCreated', firings);
    this.fire(this.childWatches, parentOf(path), 'NodeChildrenChanged', firings);
  }

  private deleteNode(path: string, zxid: number, firings: ZkWatchFiring[]): void {
    const node = this.nodes.get(path);
    if (node === undefined) return;
    this.nodes.delete(path);
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath);
    if (parent !== undefined) {
      parent.children.delete(childName(path));
      parent.stat = { ...parent.stat, pzxid: zxid, numChildren: parent.children.size };
    }
    if (node.stat.ephemeralOwner !== 0) this.ephemerals.get(node.stat.ephemeralOwner)?.delete(path);
    // DataTree.deleteNode: data and child watchers of the node hear NodeDeleted once each.
    const told = this.fire(this.dataWatches, path, 'NodeDeleted', firings);
    this.fire(this.childWatches, path, 'NodeDeleted', firings, told);
    this.fire(this.childWatches, parentPath, 'NodeChildrenChanged', firings);
  }

  /** WatchManager.triggerWatch: one-shot, the watch is removed as it fires. */
  private fire(
    table: Map<string, Set<number>>,
    path: string,
    event: ZkEventType,
    firings: ZkWatchFiring[],
    suppress?: ReadonlySet<number>,
  ): Set<number> {
    const set = table.get(path);
    const fired = new Set<number>();
    if (set === undefined) return fired;
    table.delete(path);
    for (const client of [...set].sort((a, b) => a - b)) {
      if (suppress?.has(client)) continue;
      fired.add(client);
      firings.push({ client, event, path });
    }
    return fired;
  }
}

// ---------------------------------------------------------------------------------------
// The leader's preparation of writes (PrepRequestProcessor)

/** A node as the leader's outstanding changes see it (ChangeRecord). */
interface ChangeRecord {
  readonly zxid: number;
  /** undefined: deleted by an outstanding change. */
  readonly node: { readonly data: string; readonly stat: ZkStat } | undefined;
}

class ZkPrepError extends Error {
  constructor(readonly code: ZkErrorCode) {
    super(code);
  }
}

/**
 * The leader's view for preparing transactions: the tree plus outstanding (proposed, not yet
 * applied) changes (ZooKeeperServer.outstandingChanges, getRecordForPath).
 */
export class ZkPrepView {
  private readonly outstanding = new Map<string, ChangeRecord>();

  constructor(private readonly tree: ZkDataTree) {}

  /** FinalRequestProcessor: changes at or below an applied zxid leave the outstanding list. */
  applied(zxid: number): void {
    for (const [path, rec] of this.outstanding) if (rec.zxid <= zxid) this.outstanding.delete(path);
  }

  clear(): void {
    this.outstanding.clear();
  }

  private record(path: string): { readonly data: string; readonly stat: ZkStat } | undefined {
    const rec = this.outstanding.get(path);
    if (rec !== undefined) return rec.node;
    return this.tree.get(path);
  }

  /** PrepRequestProcessor.pRequest2Txn for one write op (throws ZkPrepError). */
  private prepOp(op: ZkWriteOp, sessionId: number, zxid: number, changes: Map<string, ChangeRecord>): ZkTxn {
    const put = (path: string, node: ChangeRecord['node']): void => {
      if (!changes.has(path)) changes.set(path, this.outstanding.get(path) ?? { zxid: -1, node: this.tree.get(path) });
      this.outstanding.set(path, { zxid, node });
    };
    switch (op.op) {
      case 'create': {
        const parentPath = parentOf(op.path);
        const parent = this.record(parentPath);
        if (parent === undefined) throw new ZkPrepError('NONODE');
        if (parent.stat.ephemeralOwner !== 0) throw new ZkPrepError('NOCHILDRENFOREPHEMERALS');
        const path = op.sequential ? op.path + String(parent.stat.cversion).padStart(10, '0') : op.path;
        if (this.record(path) !== undefined) throw new ZkPrepError('NODEEXISTS');
        const parentCversion = parent.stat.cversion + 1;
        const ephemeralOwner = op.ephemeral ? sessionId : 0;
        const stat: ZkStat = { ...ROOT_STAT, czxid: zxid, mzxid: zxid, pzxid: zxid, ephemeralOwner };
        put(path, { data: op.data, stat });
        const ps = parent.stat;
        put(parentPath, {
          data: parent.data,
          stat: { ...ps, cversion: parentCversion, pzxid: zxid, numChildren: ps.numChildren + 1 },
        });
        return { kind: 'create', path, data: op.data, ephemeralOwner, parentCversion };
      }
      case 'setData': {
        const node = this.record(op.path);
        if (node === undefined) throw new ZkPrepError('NONODE');
        const version = checkAndIncVersion(node.stat.version, op.version);
        put(op.path, { data: op.data, stat: { ...node.stat, version, mzxid: zxid } });
        return { kind: 'setData', path: op.path, data: op.data, version };
      }
      case 'delete': {
        const node = this.record(op.path);
        if (node === undefined) throw new ZkPrepError('NONODE');
        checkAndIncVersion(node.stat.version, op.version);
        if (node.stat.numChildren > 0) throw new ZkPrepError('NOTEMPTY');
        const parentPath = parentOf(op.path);
        const parent = this.record(parentPath);
        put(op.path, undefined);
        if (parent !== undefined) {
          const ps = parent.stat;
          put(parentPath, { data: parent.data, stat: { ...ps, pzxid: zxid, numChildren: ps.numChildren - 1 } });
        }
        return { kind: 'delete', path: op.path };
      }
      case 'check': {
        const node = this.record(op.path);
        if (node === undefined) throw new ZkPrepError('NONODE');
        checkAndIncVersion(node.stat.version, op.version);
        return { kind: 'check', path: op.path, version: op.version };
      }
    }
  }

  /** Prepares one write or a multi; a refused request becomes an ErrorTxn (its changes rolled back). */
  prepare(ops: readonly ZkWriteOp[], isMulti: boolean, sessionId: number, zxid: number): ZkTxn {
    const changes = new Map<string, ChangeRecord>();
    const txns: ZkTxn[] = [];
    for (let i = 0; i < ops.length; i++) {
      try {
        txns.push(this.prepOp(ops[i], sessionId, zxid, changes));
      } catch (e) {
        if (!(e instanceof ZkPrepError)) throw e;
        // PrepRequestProcessor.rollbackPendingChanges.
        for (const [path, before] of changes) {
          if (before.zxid === -1) this.outstanding.delete(path);
          else this.outstanding.set(path, before);
        }
        if (!isMulti) return { kind: 'error', code: e.code };
        const opErrors = ops.map((_, k): ZkErrorCode => (k < i ? 'OK' : k === i ? e.code : 'RUNTIMEINCONSISTENCY'));
        return { kind: 'error', code: e.code, opErrors };
      }
    }
    return isMulti ? { kind: 'multi', txns } : txns[0];
  }

  /** A closing session's ephemerals are deleted as outstanding changes (pRequest2Txn closeSession). */
  prepareClose(sessionId: number, zxid: number): ZkTxn {
    const paths = new Set(this.tree.ephemeralsOf(sessionId));
    for (const [path, rec] of this.outstanding) {
      if (rec.node?.stat.ephemeralOwner === sessionId) paths.add(path);
      else if (rec.node === undefined) paths.delete(path);
    }
    for (const path of [...paths].sort()) {
      const parent = this.record(parentOf(path));
      this.outstanding.set(path, { zxid, node: undefined });
      if (parent === undefined) continue;
      const ps = parent.stat;
      const stat = { ...ps, pzxid: zxid, numChildren: ps.numChildren - 1 };
      this.outstanding.set(parentOf(path), { zxid, node: { data: parent.data, stat } });
    }
    return { kind: 'closeSession' };
  }
}

/** PrepRequestProcessor.checkAndIncVersion: -1 matches any version. */
function checkAndIncVersion(current: number, expected: number): number {
  if (expected !== -1 && expected !== current) {
    codeProbe('zk-bad-version');
    throw new ZkPrepError('BADVERSION');
  }
  return current + 1;
}
