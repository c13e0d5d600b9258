// A Kafka broker's ZooKeeper side in ZooKeeper mode (Kafka 2.8–3.x), the start of issue 16
// item 2: KafkaZkClient over ZooKeeperClient (requests retried until connected, a new session
// after expiry) and the part of KafkaController that elects the controller through the
// ephemeral /controller znode and /controller_epoch, with the broker's registration under
// /brokers/ids whose czxid is its broker epoch (KIP-380). Read at Kafka tag 3.6.2:
// core/src/main/scala/kafka/zk/KafkaZkClient.scala, kafka/zookeeper/ZooKeeperClient.scala,
// kafka/controller/KafkaController.scala, kafka/server/KafkaServer.scala.
//
// Rules:
// - KafkaServer.startup: the chroot and the persistent top-level paths are created if
//   missing (createChrootIfNecessary, createTopLevelPaths), the broker registers
//   (KafkaZkClient.registerBroker: CheckedEphemeral, a multi of an ephemeral create and a
//   setData at version 0; on NODEEXISTS it reads the node: its own session's node is kept,
//   one of the session it registered with before is deleted and created again (KAFKA-7165),
//   another's is an error), then the controller starts (KafkaController.startup → Startup →
//   elect).
// - The controller's events run one at a time, in order (ControllerEventManager); each is a
//   chain of ZooKeeper requests, each retried after CONNECTIONLOSS once connected again
//   (KafkaZkClient.retryRequestsUntilConnected).
// - elect: if /controller names a broker, that one is the active controller; else
//   registerControllerAndIncrementControllerEpoch: read /controller_epoch (created with 0 if
//   missing), then a multi creating the ephemeral /controller and setting /controller_epoch to
//   epoch + 1 at the version read; NODEEXISTS or BADVERSION means another broker won, unless
//   /controller names this broker and the epoch is the new one (checkControllerAndEpoch);
//   a lost election is maybeResign. Every read of /controller sets a watch (the
//   controllerChangeHandler is always registered): deleted → Reelect (maybeResign, elect),
//   created or changed → ControllerChange (maybeResign).
// - Session expiry (ZooKeeperClient.reinitialize): queued events are dropped, Expire runs
//   (the controller resigns: processExpire), a new session is opened and
//   RegisterBrokerAndReelect registers the broker again (a new broker epoch) and re-elects.
//   Until its client hears of the expiry, a broker cut from ZooKeeper still believes what it
//   believed: a controller stays active (the zombie controller of KAFKA-6082's family), and
//   only its controller epoch can fence it.
// - Partition state writes (KafkaZkClient.updateLeaderAndIsr): a setData (a create for a new
//   partition) at the version read, in a multi behind a check of /controller_epoch at the
//   controller's zkVersion (wrapRequestWithControllerEpochCheck).
// Not yet: everything the controller does once elected (ControllerContext, the partition
// and replica state machines, LeaderAndIsr / UpdateMetadata / StopReplica through
// ControllerChannelManager) and the brokers' side of it: see docs/readme-zookeeper.md.

import type { ModelContext, ModelProbe } from './cluster-api.ts';
import { codeProbe } from './code-probes.ts';
import { ZkClient, type ZkCallback, type ZkClientEvent } from './zk-client.ts';
import type { ZkErrorCode, ZkMessage, ZkOpResult } from './zk-protocol.ts';

export interface ZkKafkaOptions {
  readonly brokerId: number;
  readonly servers: readonly number[];
  /** zookeeper.session.timeout.ms (Kafka's default 18000). */
  readonly sessionTimeoutMs: number;
  /** The chroot of zookeeper.connect, e.g. '/kafka-broker'. */
  readonly chroot?: string;
}

/** What the broker hosting the controller hears. */
export interface ZkControllerHost {
  /** KafkaController.onControllerFailover: this broker won the election in `epoch`. */
  onControllerFailover(epoch: number, epochZkVersion: number): void;
  /** KafkaController.onControllerResignation (also on Expire, whether it was active or not). */
  onControllerResignation(): void;
  /** KafkaZkClient.registerBroker succeeded: `brokerEpoch` is the registration znode's czxid (KIP-380). */
  onRegistered?(brokerEpoch: number): void;
  /** KafkaServer.startup failed: the registration znode belongs to another session. */
  onRegistrationFailed?(error: ZkErrorCode): void;
  /** A watch fired on a path other than /controller (the controller's other handlers). */
  onZNodeEvent?(event: Extract<ZkClientEvent, { path: string }>): void;
}

/** A controller event of the host's, run in turn with the election's (ControllerEventManager). */
export type ZkControllerTask = (done: () => void) => void;

type ControllerEvent =
  | 'Startup'
  | 'Reelect'
  | 'ControllerChange'
  | 'Expire'
  | 'RegisterBrokerAndReelect'
  | ZkControllerTask;

/** KafkaZkClient's persistent paths the model uses (ZkData.PersistentZkPaths, a subset). */
const TOP_LEVEL_PATHS = ['/brokers/ids', '/brokers/topics', '/isr_change_notification'];
const CONTROLLER = '/controller';
const CONTROLLER_EPOCH = '/controller_epoch';
/** IsrChangeNotificationZNode.path. */
const ISR_CHANGE_NOTIFICATION = '/isr_change_notification';
/** How soon a broker whose startup failed on its registration tries again (its supervisor's restart). */
const REGISTRATION_RETRY_MS = 1000;
const REGISTRATION_RETRY_TAG = 'zk-kafka-register-retry';
/** KafkaController.InitialControllerEpoch. */
const INITIAL_CONTROLLER_EPOCH = 0;

export class ZkKafkaBroker {
  /** The czxid of this broker's registration znode (KIP-380), -1 before registering. */
  brokerEpoch = -1;
  activeControllerId = -1;
  /** ControllerContext.epoch and epochZkVersion, as this broker last won them. */
  controllerEpoch = 0;
  epochZkVersion = -1;
  client: ZkClient;
  private generation = 0;
  private readonly queue: ControllerEvent[] = [];
  private busy = false;
  /** The session the broker registered with (KafkaZkClient.currentZooKeeperSessionId). */
  private registeredSessionId = -1;
  private retryRegistration: (() => void) | undefined;
  /** The chroot-less client of createChrootIfNecessary, while it lives. */
  private bootstrap: ZkClient | undefined;
  /** How many chroot clients this broker made (one per startup attempt). */
  private chrootClients = 0;

  constructor(
    private readonly ctx: ModelContext,
    private readonly opts: ZkKafkaOptions,
    private readonly host: ZkControllerHost,
  ) {
    this.client = this.newClient();
  }

  isActive(): boolean {
    return this.activeControllerId === this.opts.brokerId;
  }

  private newClient(): ZkClient {
    const gen = ++this.generation;
    const client = new ZkClient(
      this.ctx,
      {
        servers: this.opts.servers,
        sessionTimeoutMs: this.opts.sessionTimeoutMs,
        chroot: this.opts.chroot,
        timerKey: `zk-kafka-${gen}`,
      },
      (e) => this.onEvent(gen, e),
    );
    return client;
  }

  /** KafkaServer.startup's ZooKeeper part, then KafkaController.startup. */
  start(): void {
    this.enqueue('Startup');
  }

  handleMessage(from: number, msg: ZkMessage): boolean {
    if (this.bootstrap !== undefined) return this.bootstrap.handleMessage(from, msg);
    return this.client.handleMessage(from, msg);
  }

  handleTimer(tag: unknown): boolean {
    if (tag === REGISTRATION_RETRY_TAG) {
      const retry = this.retryRegistration;
      this.retryRegistration = undefined;
      retry?.();
      return true;
    }
    return this.bootstrap?.handleTimer(tag) === true || this.client.handleTimer(tag);
  }

  handleDisconnect(peer: number): void {
    this.bootstrap?.handleDisconnect(peer);
    this.client.handleDisconnect(peer);
  }

  private onEvent(gen: number, e: ZkClientEvent): void {
    if (gen !== this.generation) return;
    if (e.type === 'None') {
      if (e.state === 'Expired') this.reinitialize();
      return;
    }
    if (e.path !== CONTROLLER) {
      this.host.onZNodeEvent?.(e);
      return;
    }
    // KafkaController.ControllerChangeHandler.
    if (e.type === 'NodeDeleted') this.enqueue('Reelect');
    else if (e.type === 'NodeCreated' || e.type === 'NodeDataChanged') this.enqueue('ControllerChange');
  }

  /** ZooKeeperClient.reinitialize with the controller's state change handler. */
  private reinitialize(): void {
    this.queue.length = 0;
    this.busy = false;
    this.client = this.newClient();
    this.client.start();
    this.queue.push('Expire', 'RegisterBrokerAndReelect');
    this.next();
  }

  /**
   * KafkaServer.shutdown → KafkaZkClient.close: the session closes (its ephemerals go at once)
   * and nothing of this client's runs any more.
   */
  close(): void {
    this.generation++;
    this.queue.length = 0;
    this.busy = true;
    this.client.close();
  }

  /** Queues a controller event of the host's (dropped if the session expires first). */
  submit(task: ZkControllerTask): void {
    this.enqueue(task);
  }

  /** KafkaController.triggerControllerMove after a ControllerMovedException: resign. */
  controllerMoved(): void {
    this.enqueue('ControllerChange');
  }

  private enqueue(ev: ControllerEvent): void {
    this.queue.push(ev);
    this.next();
  }

  private next(): void {
    if (this.busy) return;
    const ev = this.queue.shift();
    if (ev === undefined) return;
    this.busy = true;
    const gen = this.generation;
    this.process(ev, () => {
      if (gen !== this.generation) return;
      this.busy = false;
      this.next();
    });
  }

  private process(ev: ControllerEvent, done: () => void): void {
    if (typeof ev === 'function') return ev(done);
    switch (ev) {
      case 'Startup':
        return this.createChrootIfNecessary(() => {
          this.client.start();
          this.ensurePaths(0, () => this.registerBroker(() => this.watchController(() => this.elect(done))));
        });
      case 'Reelect':
        return this.maybeResign(() => this.elect(done));
      case 'ControllerChange':
        return this.maybeResign(done);
      case 'Expire':
        this.activeControllerId = -1;
        this.host.onControllerResignation();
        return done();
      case 'RegisterBrokerAndReelect':
        codeProbe('zk-broker-reregistered');
        return this.registerBroker(() => this.maybeResign(() => this.elect(done)));
    }
  }

  /**
   * retryRequestUntilConnected: CONNECTIONLOSS is retried; a stale session's answers are
   * dropped, and so is SESSIONEXPIRED (the request throws and its controller event ends; the
   * session's Expired event reinitializes the client: ZooKeeperClient's expiry handling).
   */
  request(
    issue: (client: ZkClient, cb: ZkCallback) => void,
    cb: ZkRetriedCallback,
    via?: ZkClient,
    /** The request threw (SESSIONEXPIRED, or its session is gone): the caller's exception path. */
    onThrow?: () => void,
  ): void {
    const gen = this.generation;
    let resent = false;
    const attempt = (): void =>
      issue(via ?? this.client, (error, result, results) => {
        if (gen !== this.generation || error === 'SESSIONEXPIRED') return onThrow?.();
        if (error === 'CONNECTIONLOSS') {
          resent = true;
          attempt();
        } else cb(error, result, results, resent);
      });
    attempt();
  }

  // =====================================================================================
  // KafkaServer.startup: paths and the broker registration

  /** makeSurePersistentPathExists for the chroot's top-level paths (createRecursive). */
  private ensurePaths(index: number, done: () => void): void {
    if (index >= TOP_LEVEL_PATHS.length) {
      done();
      return;
    }
    this.createRecursive(TOP_LEVEL_PATHS[index], () => this.ensurePaths(index + 1, done));
  }

  private createRecursive(path: string, done: () => void, via?: ZkClient): void {
    this.request(
      (c, cb) => c.create(path, '', { ephemeral: false, sequential: false }, cb),
      (error) => {
        const parent = path.slice(0, path.lastIndexOf('/'));
        if (error === 'NONODE' && parent !== '') {
          this.createRecursive(parent, () => this.createRecursive(path, done, via), via);
        } else done();
      },
      via,
    );
  }

  /** A fresh timer key for each chroot client, so no timer of an earlier one reaches it. */
  private chrootTimerKey(): string {
    this.chrootClients++;
    return this.chrootClients === 1 ? 'zk-kafka-chroot' : `zk-kafka-chroot-${this.chrootClients}`;
  }

  /** KafkaServer.createChrootIfNecessary: a client without the chroot makes sure it exists. */
  private createChrootIfNecessary(done: () => void): void {
    const chroot = this.opts.chroot;
    if (chroot === undefined || chroot === '' || chroot === '/') {
      done();
      return;
    }
    const gen = this.generation;
    const bootstrap = new ZkClient(
      this.ctx,
      { servers: this.opts.servers, sessionTimeoutMs: this.opts.sessionTimeoutMs, timerKey: this.chrootTimerKey() },
      (e) => {
        if (e.type === 'None' && e.state === 'Expired' && this.bootstrap === bootstrap && gen === this.generation)
          this.chrootStartupFailed(done);
      },
    );
    this.bootstrap = bootstrap;
    bootstrap.start();
    this.createRecursive(
      chroot,
      () =>
        bootstrap.close(() => {
          this.bootstrap = undefined;
          done();
        }),
      bootstrap,
    );
  }

  /**
   * The chroot client's session expired before it made sure of the chroot: its request fails
   * with SESSIONEXPIRED (KafkaZkClient.pathExists throws it; so does ZooKeeperClient's
   * constructor, waitUntilConnected, when the state is CLOSED), KafkaZkClient.apply with
   * createChrootIfNecessary throws, KafkaServer.startup fails ("Fatal error during KafkaServer
   * startup") and Kafka.main exits (Exit.exit(1)); its supervisor starts it again. As with
   * registrationFailed, the model keeps the process and starts over with a new chroot client
   * after REGISTRATION_RETRY_MS. Without this the broker waited on a dead client for good.
   */
  private chrootStartupFailed(done: () => void): void {
    codeProbe('zk-chroot-startup-failed');
    this.bootstrap?.close();
    this.bootstrap = undefined;
    const gen = this.generation;
    this.retryRegistration = () => {
      if (gen === this.generation) this.createChrootIfNecessary(done);
    };
    this.ctx.setTimer(REGISTRATION_RETRY_MS * 1000, REGISTRATION_RETRY_TAG);
  }

  /** KafkaZkClient.registerBroker (CheckedEphemeral.create): the czxid is the broker epoch. */
  private registerBroker(done: () => void): void {
    const path = `/brokers/ids/${this.opts.brokerId}`;
    const data = JSON.stringify({ version: 5, host: `broker-${this.opts.brokerId}`, port: 9092 });
    this.request(
      (c, cb) =>
        c.multi(
          [
            { op: 'create', path, data: '', ephemeral: true, sequential: false },
            { op: 'setData', path, data, version: 0 },
          ],
          cb,
        ),
      (error, _r, results) => {
        if (error === 'OK') return this.registered(results?.[1], done);
        if (error !== 'NODEEXISTS') return this.registrationFailed(error, done);
        // CheckedEphemeral.getAfterNodeExists.
        this.request(
          (c, cb) => c.getData(path, false, cb),
          (e2, r2) => {
            const owner = r2?.stat?.ephemeralOwner;
            if (e2 === 'NONODE') return this.registerBroker(done);
            if (e2 !== 'OK' || owner === undefined) return this.registrationFailed(e2, done);
            if (owner === this.client.sessionId) return this.registered(r2, done);
            if (owner === this.registeredSessionId) {
              // KAFKA-7165: a node of the session this broker registered with before.
              this.request(
                (c, cb) => c.delete(path, -1, cb),
                () => this.registerBroker(done),
              );
              return;
            }
            this.registrationFailed('NODEEXISTS', done);
          },
        );
      },
    );
  }

  private registered(result: ZkOpResult | undefined, done: () => void): void {
    this.brokerEpoch = result?.stat?.czxid ?? -1;
    this.registeredSessionId = this.client.sessionId;
    this.host.onRegistered?.(this.brokerEpoch);
    done();
  }

  /**
   * KafkaServer.startup fails ("node already exists and owner … does not match current
   * session": the previous process's session has not expired yet) and the process exits; its
   * supervisor starts it again. The model keeps the process and registers again after
   * REGISTRATION_RETRY_MS: it has served nothing yet, so a restart would rebuild the same state.
   */
  private registrationFailed(error: ZkErrorCode, done: () => void): void {
    codeProbe('zk-registration-failed');
    this.host.onRegistrationFailed?.(error);
    const gen = this.generation;
    this.retryRegistration = () => {
      if (gen === this.generation) this.registerBroker(done);
    };
    this.ctx.setTimer(REGISTRATION_RETRY_MS * 1000, REGISTRATION_RETRY_TAG);
  }

  // =====================================================================================
  // KafkaController: the election

  /** KafkaZkClient.getControllerId (the handler is registered: the read sets a watch). */
  private readControllerId(cb: (id: number) => void): void {
    this.request(
      (c, k) => c.getData(CONTROLLER, true, k),
      (error, result) => cb(error === 'OK' ? parseControllerId(result?.data) : -1),
    );
  }

  /** registerZNodeChangeHandlerAndCheckExistence: an exists watch, set even when absent. */
  private watchController(done: () => void): void {
    this.request(
      (c, k) => c.exists(CONTROLLER, true, k),
      () => done(),
    );
  }

  /** KafkaController.elect. */
  private elect(done: () => void): void {
    this.readControllerId((id) => {
      this.activeControllerId = id;
      if (id !== -1) return done();
      this.registerControllerAndIncrementControllerEpoch(done);
    });
  }

  private readControllerEpoch(cb: (epoch: number, zkVersion: number) => void): void {
    this.request(
      (c, k) => c.getData(CONTROLLER_EPOCH, false, k),
      (error, result) => {
        if (error === 'OK') return cb(Number(result?.data ?? 0), result?.stat?.version ?? 0);
        // maybeCreateControllerEpochZNode.
        this.request(
          (c, k) =>
            c.create(CONTROLLER_EPOCH, String(INITIAL_CONTROLLER_EPOCH), { ephemeral: false, sequential: false }, k),
          (e2) => (e2 === 'OK' ? cb(INITIAL_CONTROLLER_EPOCH, 0) : this.readControllerEpoch(cb)),
        );
      },
    );
  }

  /** KafkaZkClient.registerControllerAndIncrementControllerEpoch. */
  private registerControllerAndIncrementControllerEpoch(done: () => void): void {
    this.readControllerEpoch((epoch, zkVersion) => {
      const newEpoch = epoch + 1;
      const me = this.opts.brokerId;
      this.request(
        (c, k) =>
          c.multi(
            [
              { op: 'create', path: CONTROLLER, data: encodeController(me), ephemeral: true, sequential: false },
              { op: 'setData', path: CONTROLLER_EPOCH, data: String(newEpoch), version: zkVersion },
            ],
            k,
          ),
        (error, _r, results) => {
          if (error === 'OK') return this.won(newEpoch, results?.[1]?.stat?.version ?? -1, done);
          if (error !== 'NODEEXISTS' && error !== 'BADVERSION') return this.maybeResign(done);
          // checkControllerAndEpoch.
          this.readControllerId((id) => {
            if (id !== me) return this.maybeResign(done);
            this.readControllerEpoch((e, v) => (e === newEpoch ? this.won(newEpoch, v, done) : this.maybeResign(done)));
          });
        },
      );
    });
  }

  private won(epoch: number, epochZkVersion: number, done: () => void): void {
    this.controllerEpoch = epoch;
    this.epochZkVersion = epochZkVersion;
    this.activeControllerId = this.opts.brokerId;
    codeProbe('zk-controller-elected');
    this.host.onControllerFailover(epoch, epochZkVersion);
    done();
  }

  // =====================================================================================
  // The controller's writes of partition state, fenced by the controller epoch's zkVersion

  /**
   * KafkaZkClient.getTopicPartitionStates: the state and its zkVersion (undefined: none). `onThrow`: the
   * read threw (the session expired while it waited: ZooKeeperClientExpiredException).
   */
  readPartitionState(
    topic: string,
    partition: number,
    cb: (state: ZkPartitionState | undefined, zkVersion: number) => void,
    onThrow?: () => void,
  ): void {
    this.request(
      (c, k) => c.getData(statePath(topic, partition), false, k),
      (error, result) =>
        error === 'OK' && result?.data !== undefined
          ? cb(decodeState(result.data), result.stat?.version ?? -1)
          : cb(undefined, -1),
      undefined,
      onThrow,
    );
  }

  /**
   * KafkaZkClient.updateLeaderAndIsr (setTopicPartitionStatesRaw): a setData at the version
   * read, in a multi behind a check of /controller_epoch at this controller's zkVersion
   * (wrapRequestWithControllerEpochCheck, KAFKA-6082): a controller that lost its epoch
   * cannot write. `expectedZkVersion` -1 creates the znode (createTopicPartitionStatesRaw). `onThrow`:
   * the write threw (as readPartitionState's).
   */
  writePartitionState(
    topic: string,
    partition: number,
    state: ZkPartitionState,
    expectedZkVersion: number,
    cb: (result: ZkStateWrite) => void,
    onThrow?: () => void,
  ): void {
    const path = statePath(topic, partition);
    const data = encodeState(state);
    const write =
      expectedZkVersion < 0
        ? { op: 'create' as const, path, data, ephemeral: false, sequential: false }
        : { op: 'setData' as const, path, data, version: expectedZkVersion };
    const check = { op: 'check' as const, path: CONTROLLER_EPOCH, version: this.epochZkVersion };
    this.request(
      (c, k) => c.multi([check, write], k),
      (error, _r, results, resent) => {
        if (error === 'OK') return cb({ kind: 'ok', zkVersion: results?.[1]?.stat?.version ?? 0 });
        // handleUnwrappedCheckOp: a failed check on /controller_epoch is ControllerMovedException.
        if (results?.[0]?.error === 'BADVERSION') {
          codeProbe('zk-controller-moved');
          return cb({ kind: 'controller-moved' });
        }
        if (error === 'BADVERSION') return cb({ kind: 'bad-version', resent });
        cb({ kind: 'error', code: error });
      },
      undefined,
      onThrow,
    );
  }

  // =====================================================================================
  // The pre-2.7 ISR path (IBP < 2.7-IV2): the leader's own write, the change notifications

  /**
   * ReplicationUtils.updateLeaderAndIsr as ZkAlterPartitionManager.submit calls it (3.9.0-rc3):
   * KafkaZkClient.conditionalUpdatePath, a lone setData of the state znode at `expectedZkVersion`
   * (no controller-epoch check: the leader is no controller). OK gives the new version;
   * BADVERSION runs checkLeaderAndIsrZkData (the znode read again: the write succeeded if it
   * holds exactly this state, as after a resent write whose first send was applied, at its
   * version); NONODE fails; any other code throws (`onThrow`). `expectedZkVersion` -1 is
   * ZooKeeper's any-version (the variant isr-write-ignores-zkversion).
   */
  updateLeaderAndIsr(
    topic: string,
    partition: number,
    state: ZkPartitionState,
    expectedZkVersion: number,
    cb: (succeeded: boolean, zkVersion: number) => void,
    onThrow: () => void,
  ): void {
    const path = statePath(topic, partition);
    this.request(
      (c, k) => c.setData(path, encodeState(state), expectedZkVersion, k),
      (error, result) => {
        if (error === 'OK') return cb(true, result?.stat?.version ?? -1);
        if (error === 'NONODE') return cb(false, -1);
        if (error !== 'BADVERSION') return onThrow();
        codeProbe('zk-leader-isr-write-bad-version');
        // getDataAndStat; its exceptions are caught: (false, -1).
        this.request(
          (c, k) => c.getData(path, false, k),
          (e2, r2) => {
            const written = e2 === 'OK' && r2?.data !== undefined ? decodeState(r2.data) : undefined;
            const same = written !== undefined && sameState(written, state);
            if (same) codeProbe('zk-leader-isr-write-found-written');
            cb(same, same ? (r2?.stat?.version ?? -1) : -1);
          },
          undefined,
          () => cb(false, -1),
        );
      },
      undefined,
      onThrow,
    );
  }

  /**
   * KafkaZkClient.propagateIsrChanges: a persistent sequential znode
   * /isr_change_notification/isr_change_NNNNNNNNNN naming the partitions
   * (IsrChangeNotificationSequenceZNode.encode); `onThrow` when the create throws.
   */
  propagateIsrChanges(
    partitions: readonly { readonly topic: string; readonly partition: number }[],
    done: () => void,
    onThrow: () => void,
  ): void {
    const data = JSON.stringify({ version: 1, partitions: partitions.map((p) => ({ ...p })) });
    this.request(
      (c, k) => c.create(`${ISR_CHANGE_NOTIFICATION}/isr_change_`, data, { ephemeral: false, sequential: true }, k),
      (error) => (error === 'OK' ? done() : onThrow()),
      undefined,
      onThrow,
    );
  }

  /** KafkaZkClient.getAllIsrChangeNotifications: the children, the child watch set. */
  readIsrChangeNotifications(cb: (children: readonly string[]) => void): void {
    this.request(
      (c, k) => c.getChildren(ISR_CHANGE_NOTIFICATION, true, k),
      (error, result) => cb(error === 'OK' ? (result?.children ?? []).slice().sort() : []),
    );
  }

  /** KafkaZkClient.getPartitionsFromIsrChangeNotifications: each child's partitions (NONODE: none). */
  readIsrChangePartitions(
    children: readonly string[],
    cb: (partitions: { topic: string; partition: number }[]) => void,
  ): void {
    const out: { topic: string; partition: number }[] = [];
    const readOne = (i: number): void => {
      if (i >= children.length) return cb(out);
      this.request(
        (c, k) => c.getData(`${ISR_CHANGE_NOTIFICATION}/${children[i]}`, false, k),
        (error, result) => {
          if (error === 'OK' && result?.data !== undefined && result.data !== '')
            out.push(...(JSON.parse(result.data) as { partitions: { topic: string; partition: number }[] }).partitions);
          readOne(i + 1);
        },
      );
    };
    readOne(0);
  }

  /**
   * KafkaZkClient.deleteIsrChangeNotifications(sequenceNumbers, epochZkVersion): each a delete
   * at any version behind the controller-epoch check (retryRequestsUntilConnected with
   * expectedControllerEpochZkVersion); a failed check is ControllerMovedException (`moved`).
   */
  deleteIsrChangeNotifications(children: readonly string[], done: () => void, moved: () => void): void {
    const check = { op: 'check' as const, path: CONTROLLER_EPOCH, version: this.epochZkVersion };
    const deleteOne = (i: number): void => {
      if (i >= children.length) return done();
      const path = `${ISR_CHANGE_NOTIFICATION}/${children[i]}`;
      this.request(
        (c, k) => c.multi([check, { op: 'delete', path, version: -1 }], k),
        (_error, _r, results) => {
          if (results?.[0]?.error === 'BADVERSION') {
            codeProbe('zk-controller-moved');
            return moved();
          }
          deleteOne(i + 1);
        },
      );
    };
    deleteOne(0);
  }

  /** KafkaController.maybeResign. */
  private maybeResign(done: () => void): void {
    const wasActive = this.isActive();
    this.watchController(() =>
      this.readControllerId((id) => {
        this.activeControllerId = id;
        if (wasActive && !this.isActive()) this.host.onControllerResignation();
        done();
      }),
    );
  }
}

/** A request's answer, and whether it was sent again after a CONNECTIONLOSS before it. */
type ZkRetriedCallback = (
  error: Parameters<ZkCallback>[0],
  result: Parameters<ZkCallback>[1],
  results: Parameters<ZkCallback>[2],
  resent: boolean,
) => void;

/** LeaderIsrAndControllerEpoch as TopicPartitionStateZNode stores it. */
export interface ZkPartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly controllerEpoch: number;
}

/**
 * The `partition` probe for a state written to ZooKeeper at `zkVersion` (the partition epoch), as the driver
 * reads every write of the state znode: the controller's, and at IBP < 2.7 the leader's own.
 */
export function partitionWrittenProbe(
  p: { readonly topic: string; readonly partition: number; readonly replicas: readonly number[] },
  state: ZkPartitionState,
  zkVersion: number,
): ModelProbe {
  return {
    kind: 'partition',
    topic: p.topic,
    partition: p.partition,
    leader: state.leader,
    leaderEpoch: state.leaderEpoch,
    partitionEpoch: zkVersion,
    replicas: p.replicas.slice(),
    isr: state.isr.slice(),
    elr: [],
  };
}

/** The outcome of a controller's write of a partition state (UpdateLeaderAndIsrResult). */
export type ZkStateWrite =
  | { readonly kind: 'ok'; readonly zkVersion: number }
  /**
   * The state znode moved on since the version read: retry from a fresh read. `resent`: the
   * multi was sent again after a CONNECTIONLOSS (retryRequestsUntilConnected), so the
   * znode may have moved on by this very write, applied before the connection went.
   */
  | { readonly kind: 'bad-version'; readonly resent: boolean }
  /** /controller_epoch is not at this controller's version: ControllerMovedException. */
  | { readonly kind: 'controller-moved' }
  | { readonly kind: 'error'; readonly code: ZkErrorCode };

function statePath(topic: string, partition: number): string {
  return `/brokers/topics/${topic}/partitions/${partition}/state`;
}

/** TopicPartitionStateZNode.encode. */
function encodeState(s: ZkPartitionState): string {
  return JSON.stringify({
    version: 1,
    leader: s.leader,
    leader_epoch: s.leaderEpoch,
    controller_epoch: s.controllerEpoch,
    isr: s.isr,
  });
}

/** TopicPartitionStateZNode.decode. */
function decodeState(data: string): ZkPartitionState {
  const js = JSON.parse(data) as { leader: number; leader_epoch: number; controller_epoch: number; isr: number[] };
  return { leader: js.leader, leaderEpoch: js.leader_epoch, isr: js.isr, controllerEpoch: js.controller_epoch };
}

/** checkLeaderAndIsrZkData's comparison of the decoded states (LeaderIsrAndControllerEpoch equality). */
function sameState(a: ZkPartitionState, b: ZkPartitionState): boolean {
  return (
    a.leader === b.leader &&
    a.leaderEpoch === b.leaderEpoch &&
    a.controllerEpoch === b.controllerEpoch &&
    a.isr.length === b.isr.length &&
    a.isr.every((r, i) => b.isr[i] === r)
  );
}

/** ControllerZNode.encode. */
function encodeController(brokerId: number): string {
  return JSON.stringify({ version: 1, brokerid: brokerId });
}

/** ControllerZNode.decode. */
function parseControllerId(data: string | undefined): number {
  if (data === undefined) return -1;
  const parsed = JSON.parse(data) as { brokerid?: number };
  return typeof parsed.brokerid === 'number' ? parsed.brokerid : -1;
}
