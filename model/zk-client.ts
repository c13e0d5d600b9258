// A ZooKeeper client (org.apache.zookeeper.ZooKeeper with its ClientCnxn and ZKWatchManager,
// ZooKeeper 3.5–3.8), embedded in the actor that uses it (a broker, a controller, a test
// client): the host feeds it its messages, timers and disconnect notices and gets answers
// through callbacks, in the order the connection delivered them (the EventThread's order:
// a watch event that arrived before a reply is seen before it).
//
// Rules (each from the class named on it):
// - The connect string's servers are shuffled once (StaticHostProvider) and tried in turn;
//   a new attempt waits a random 0–999 ms (ClientCnxn.SendThread.startConnect), and another
//   second when every server was tried since the last connection (StaticHostProvider.next
//   spin delay). An attempt unanswered within sessionTimeout / servers is abandoned.
// - Connected, the client pings when it sent nothing for readTimeout / 2 (a second less once
//   that is over 2 s) and gives the server up when it heard nothing for readTimeout = 2/3 of
//   the negotiated timeout
//   (SendThread.run): Disconnected is delivered, every request waiting or queued fails with
//   CONNECTIONLOSS (cleanup), and it reconnects to the next server with its session id and
//   the last zxid it saw. It never decides expiry itself: a server tells it (timeout 0 in
//   the ConnectResponse), and it is then Expired for good (the host makes a new client, as
//   Kafka's ZooKeeperClient.reinitialize does).
// - Watches are one-shot and registered on success (ZKWatchManager: getData → data watch,
//   exists → data watch if the node exists, else exist watch, getChildren → child watch);
//   after a reconnect they are sent again with the last zxid seen (SetWatches,
//   primeConnection), so a change missed meanwhile fires at once.
// - A chroot (connect string "host:port/kafka-broker") is prepended to every path sent and
//   cut from every path received (ClientCnxn.prependChroot / stripChroot).
// Assumes the host passes every ZooKeeper message (isZkMessage) and timer it gets to it.

import type { ModelContext } from './cluster-api.ts';
import { codeProbe } from './code-probes.ts';
import { ZkConnectionEnd } from './zk-connection.ts';
import type { ZkErrorCode, ZkEventType, ZkMessage, ZkOp, ZkOpResult, ZkWriteOp } from './zk-protocol.ts';

export interface ZkClientOptions {
  /** Server node ids, as in zookeeper.connect. */
  readonly servers: readonly number[];
  /** The requested session timeout (zookeeper.session.timeout.ms). */
  readonly sessionTimeoutMs: number;
  /** e.g. '/kafka-broker'; absent: none. */
  readonly chroot?: string;
  /** Distinguishes this client's timers among the host's. */
  readonly timerKey: string;
}

export type ZkClientState = 'connecting' | 'connected' | 'expired' | 'closed';

/** What the default watcher hears (WatchedEvent): connection states and node events. */
export type ZkClientEvent =
  | { readonly type: 'None'; readonly state: 'SyncConnected' | 'Disconnected' | 'Expired' }
  | { readonly type: ZkEventType; readonly path: string };

export type ZkCallback = (error: ZkErrorCode, result?: ZkOpResult, results?: readonly ZkOpResult[]) => void;

interface Outstanding {
  readonly cxid: number;
  readonly op: ZkOp;
  readonly cb: ZkCallback;
}

interface TimerTag {
  readonly zkClient: string;
  readonly gen: number;
  readonly kind: 'check' | 'attempt';
}

/** SendThread's spin delay and reconnect jitter. */
const SPIN_DELAY_MS = 1000;
const RECONNECT_JITTER_MS = 1000;

export class ZkClient {
  state: ZkClientState = 'connecting';
  sessionId = 0;
  negotiatedTimeoutMs = 0;
  /** The server it is connected (or connecting) to; -1 between attempts. */
  server = -1;
  lastZxidSeen = 0;
  private readonly hosts: number[];
  private hostIndex = 0;
  private lastConnectedIndex = -1;
  private firstConnect = true;
  private nextCxid = 1;
  private readonly pending: Outstanding[] = [];
  private readonly outgoing: Outstanding[] = [];
  private readonly dataWatches = new Set<string>();
  private readonly existWatches = new Set<string>();
  private readonly childWatches = new Set<string>();
  private lastRecvUs = 0;
  /** The client's end of the current connection (model/zk-connection.ts). */
  private conn = new ZkConnectionEnd();
  private awaitingOpen = true;
  private lastSendUs = 0;
  private gen = 0;

  constructor(
    private readonly ctx: ModelContext,
    private readonly opts: ZkClientOptions,
    private readonly watcher: (event: ZkClientEvent) => void,
  ) {
    // StaticHostProvider: the connect string's addresses, shuffled.
    const hosts = opts.servers.slice();
    for (let i = hosts.length - 1; i > 0; i--) {
      const j = ctx.rng.intBetween(0, i);
      [hosts[i], hosts[j]] = [hosts[j], hosts[i]];
    }
    this.hosts = hosts;
  }

  start(): void {
    this.attempt();
  }

  private sessionTimeoutMs(): number {
    return this.negotiatedTimeoutMs > 0 ? this.negotiatedTimeoutMs : this.opts.sessionTimeoutMs;
  }

  private readTimeoutUs(): number {
    return Math.floor((this.sessionTimeoutMs() * 2) / 3) * 1000;
  }

  private connectTimeoutUs(): number {
    return Math.floor(this.sessionTimeoutMs() / this.hosts.length) * 1000;
  }

  private arm(kind: TimerTag['kind'], delayUs: number): void {
    this.gen++;
    this.ctx.setTimer(Math.max(1000, delayUs), {
      zkClient: this.opts.timerKey,
      gen: this.gen,
      kind,
    } satisfies TimerTag);
  }

  private send(msg: ZkMessage): void {
    if (this.server < 0) return;
    this.lastSendUs = this.ctx.now();
    this.ctx.send(this.server, this.conn.stamp(msg));
  }

  private attempt(): void {
    if (this.state !== 'connecting') return;
    if (this.lastConnectedIndex === -1) this.lastConnectedIndex = this.hostIndex;
    this.server = this.hosts[this.hostIndex];
    this.hostIndex = (this.hostIndex + 1) % this.hosts.length;
    this.lastRecvUs = this.ctx.now();
    // A new socket per attempt (ClientCnxnSocketNIO.connect): numbered by the attempt's time.
    this.conn = new ZkConnectionEnd(this.ctx.now());
    this.awaitingOpen = true;
    this.send({
      type: 'ZkConnect',
      sessionId: this.sessionId,
      timeoutMs: this.opts.sessionTimeoutMs,
      lastZxidSeen: this.lastZxidSeen,
    });
    this.arm('check', this.connectTimeoutUs());
  }

  /** The host's timers: true when the tag was this client's. */
  handleTimer(tag: unknown): boolean {
    const t = tag as Partial<TimerTag> | null;
    if (t === null || typeof t !== 'object' || t.zkClient !== this.opts.timerKey) return false;
    if (t.gen !== this.gen) return true;
    if (t.kind === 'attempt') this.attempt();
    else this.check();
    return true;
  }

  /** SendThread.run's loop: connect timeout, read timeout, pings. */
  private check(): void {
    const now = this.ctx.now();
    if (this.state === 'connecting') {
      if (now - this.lastRecvUs >= this.connectTimeoutUs()) this.disconnect();
      else this.arm('check', this.lastRecvUs + this.connectTimeoutUs() - now);
      return;
    }
    if (this.state === 'closed') {
      // Waiting for the closeSession answer: a read timeout gives it up.
      if (now - this.lastRecvUs >= this.readTimeoutUs()) this.failAll('CONNECTIONLOSS');
      else if (this.pending.length > 0) this.arm('check', this.lastRecvUs + this.readTimeoutUs() - now);
      return;
    }
    if (this.state !== 'connected') return;
    const readTimeoutUs = this.readTimeoutUs();
    if (now - this.lastRecvUs >= readTimeoutUs) {
      this.disconnect();
      return;
    }
    // SendThread.run: a ping when idle for readTimeout / 2, a second early once idle over 1 s.
    const halfUs = readTimeoutUs / 2;
    const pingIdleUs = halfUs > 2_000_000 ? halfUs - 1_000_000 : halfUs;
    if (now - this.lastSendUs >= pingIdleUs) this.send({ type: 'ZkClientPing', sessionId: this.sessionId });
    this.arm('check', Math.min(this.lastRecvUs + readTimeoutUs, this.lastSendUs + pingIdleUs) - now);
  }

  /** ClientCnxn.cleanup + startConnect: the connection is given up. */
  private disconnect(): void {
    if (this.state !== 'connected' && this.state !== 'connecting') return;
    const wasConnected = this.state === 'connected';
    if (this.server >= 0) this.send({ type: 'ZkClose', sessionId: this.sessionId });
    this.server = -1;
    this.state = 'connecting';
    this.failAll('CONNECTIONLOSS');
    if (wasConnected) this.watcher({ type: 'None', state: 'Disconnected' });
    let delayMs = this.firstConnect ? 0 : this.ctx.rng.intBetween(0, RECONNECT_JITTER_MS - 1);
    if (this.hostIndex === this.lastConnectedIndex) delayMs += SPIN_DELAY_MS;
    this.firstConnect = false;
    this.arm('attempt', delayMs * 1000);
  }

  private failAll(error: ZkErrorCode): void {
    const all = [...this.pending, ...this.outgoing];
    this.pending.length = 0;
    this.outgoing.length = 0;
    for (const o of all) o.cb(error);
  }

  /** The host's disconnect notices (the server process died). */
  handleDisconnect(peer: number): void {
    if (peer === this.server) this.disconnect();
  }

  /**
   * One TCP connection loses nothing unless it breaks (model/zk-connection.ts): a gap in the
   * server's numbers is asked again, duplicates are dropped. Messages from before the current
   * connection's ConnectResponse belong to an earlier connection and are ignored, and so is
   * anything stamped with another connection's id (the answer to an abandoned attempt's
   * ConnectRequest, delivered late: its socket was closed by ClientCnxnSocketNIO.cleanup).
   */
  private acceptSeq(msg: ZkMessage): boolean {
    if (msg.type === 'ZkResend') {
      if (this.conn.other(msg)) codeProbe('zk-client-other-connection-dropped');
      else for (const m of this.conn.resendFrom(msg.from)) this.ctx.send(this.server, m);
      return false;
    }
    if (typeof (msg as { seq?: unknown }).seq !== 'number') return true;
    if (this.conn.other(msg)) {
      codeProbe('zk-client-other-connection-dropped');
      return false;
    }
    // Before the ConnectResponse (or a refusal) opens it, what comes is an earlier connection's.
    if (this.awaitingOpen && msg.type !== 'ZkConnectResponse' && msg.type !== 'ZkClose') return false;
    this.awaitingOpen = false;
    const arrival = this.conn.arrive(msg);
    if (arrival === 'gap') {
      codeProbe('zk-client-connection-resend');
      this.ctx.send(this.server, this.conn.resendRequest());
    }
    return arrival === 'deliver';
  }

  /** The host's messages: true when it was this client's. */
  handleMessage(from: number, msg: ZkMessage): boolean {
    if (from !== this.server) return msg.type === 'ZkResponse' || msg.type === 'ZkWatchEvent' || msg.type === 'ZkClose';
    if (!this.acceptSeq(msg)) return true;
    this.lastRecvUs = this.ctx.now();
    switch (msg.type) {
      case 'ZkConnectResponse':
        this.onConnected(msg.sessionId, msg.timeoutMs);
        return true;
      case 'ZkResponse':
        this.onResponse(msg);
        return true;
      case 'ZkWatchEvent':
        this.onWatchEvent(msg.event, msg.path, msg.zxid);
        return true;
      case 'ZkClose':
        // A FIN on this session's connection (not a late one of an earlier connection).
        if (msg.sessionId === this.sessionId) this.disconnect();
        return true;
      case 'ZkClientPong':
        return true;
      default:
        return false;
    }
  }

  private onConnected(sessionId: number, timeoutMs: number): void {
    if (this.state !== 'connecting') return;
    if (timeoutMs <= 0) {
      // SendThread.onConnected: "session expired": Expired, and the client is dead.
      this.state = 'expired';
      this.server = -1;
      this.gen++;
      this.failAll('SESSIONEXPIRED');
      this.watcher({ type: 'None', state: 'Expired' });
      return;
    }
    const resumed = this.sessionId !== 0;
    this.sessionId = sessionId;
    this.negotiatedTimeoutMs = timeoutMs;
    this.state = 'connected';
    this.lastConnectedIndex = (this.hostIndex - 1 + this.hosts.length) % this.hosts.length;
    if (resumed && this.dataWatches.size + this.existWatches.size + this.childWatches.size > 0) {
      this.send({
        type: 'ZkSetWatches',
        sessionId,
        relativeZxid: this.lastZxidSeen,
        dataWatches: [...this.dataWatches].sort(),
        existWatches: [...this.existWatches].sort(),
        childWatches: [...this.childWatches].sort(),
      });
    }
    const queued = this.outgoing.splice(0);
    for (const o of queued) this.transmit(o);
    this.watcher({ type: 'None', state: 'SyncConnected' });
    this.arm('check', this.readTimeoutUs() / 2);
  }

  private onResponse(msg: Extract<ZkMessage, { type: 'ZkResponse' }>): void {
    const head = this.pending[0];
    if (head === undefined || head.cxid !== msg.cxid) return;
    this.pending.shift();
    if (msg.zxid > this.lastZxidSeen) this.lastZxidSeen = msg.zxid;
    const op = head.op;
    if (msg.error === 'OK' && 'watch' in op && op.watch) {
      if (op.op === 'getData') this.dataWatches.add(op.path);
      else if (op.op === 'getChildren') this.childWatches.add(op.path);
      else if (msg.result?.stat !== undefined) this.dataWatches.add(op.path);
      else this.existWatches.add(op.path);
    }
    head.cb(
      msg.error,
      this.stripResult(msg.result),
      msg.results?.map((r) => this.stripResult(r) ?? r),
    );
  }

  /** ZKWatchManager.materialize: the watches the event consumes; the watcher hears it once. */
  private onWatchEvent(event: ZkEventType, serverPath: string, zxid: number): void {
    if (zxid > this.lastZxidSeen) this.lastZxidSeen = zxid;
    let had = false;
    const take = (set: Set<string>): void => {
      if (set.delete(serverPath)) had = true;
    };
    if (event === 'NodeDataChanged' || event === 'NodeCreated') {
      take(this.dataWatches);
      take(this.existWatches);
    } else if (event === 'NodeChildrenChanged') take(this.childWatches);
    else {
      take(this.dataWatches);
      take(this.existWatches);
      take(this.childWatches);
    }
    if (had) this.watcher({ type: event, path: this.strip(serverPath) });
  }

  private prepend(path: string): string {
    const chroot = this.opts.chroot;
    if (chroot === undefined || chroot === '' || chroot === '/') return path;
    return path === '/' ? chroot : chroot + path;
  }

  private strip(path: string): string {
    const chroot = this.opts.chroot;
    if (chroot === undefined || chroot === '' || chroot === '/') return path;
    if (path === chroot) return '/';
    return path.startsWith(`${chroot}/`) ? path.slice(chroot.length) : path;
  }

  private stripResult(r: ZkOpResult | undefined): ZkOpResult | undefined {
    if (r === undefined || r.path === undefined) return r;
    return { ...r, path: this.strip(r.path) };
  }

  private submit(op: ZkOp, cb: ZkCallback): void {
    if (this.state === 'expired') {
      cb('SESSIONEXPIRED');
      return;
    }
    if (this.state === 'closed') {
      cb('CONNECTIONLOSS');
      return;
    }
    const o: Outstanding = { cxid: this.nextCxid++, op, cb };
    if (this.state === 'connected') this.transmit(o);
    else this.outgoing.push(o);
  }

  private transmit(o: Outstanding): void {
    this.pending.push(o);
    this.send({ type: 'ZkRequest', sessionId: this.sessionId, cxid: o.cxid, op: o.op });
  }

  private chrootOp(op: ZkWriteOp): ZkWriteOp {
    return { ...op, path: this.prepend(op.path) };
  }

  // =====================================================================================
  // The API (ZooKeeper's asynchronous methods)

  getData(path: string, watch: boolean, cb: ZkCallback): void {
    this.submit({ op: 'getData', path: this.prepend(path), watch }, cb);
  }

  exists(path: string, watch: boolean, cb: ZkCallback): void {
    this.submit({ op: 'exists', path: this.prepend(path), watch }, cb);
  }

  getChildren(path: string, watch: boolean, cb: ZkCallback): void {
    this.submit({ op: 'getChildren', path: this.prepend(path), watch }, cb);
  }

  create(path: string, data: string, mode: { ephemeral: boolean; sequential: boolean }, cb: ZkCallback): void {
    this.submit(this.chrootOp({ op: 'create', path, data, ...mode }), cb);
  }

  setData(path: string, data: string, version: number, cb: ZkCallback): void {
    this.submit(this.chrootOp({ op: 'setData', path, data, version }), cb);
  }

  delete(path: string, version: number, cb: ZkCallback): void {
    this.submit(this.chrootOp({ op: 'delete', path, version }), cb);
  }

  multi(ops: readonly ZkWriteOp[], cb: ZkCallback): void {
    this.submit({ op: 'multi', ops: ops.map((o) => this.chrootOp(o)) }, cb);
  }

  /**
   * ZooKeeper.close: the session ends now (its ephemerals go) if the server hears it; `done`
   * once the server answered, or at once when not connected, or when the answer times out.
   */
  close(done: () => void = () => {}): void {
    if (this.state !== 'connected') {
      this.state = 'closed';
      this.gen++;
      done();
      return;
    }
    this.submit({ op: 'closeSession' }, () => done());
    this.state = 'closed';
  }
}
