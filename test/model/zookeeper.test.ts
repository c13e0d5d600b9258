// The ZooKeeper ensemble (model/zookeeper.ts) and its client (model/zk-client.ts) on the
// kernel, by hand-built schedules: elections, quorum writes, sessions and their expiry,
// ephemerals, versions, watches, a chroot, durability across crashes and power losses.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../harness/index.ts';
import type { Actor, Message, NodeContext } from '../../harness/types.ts';
import type { ModelProbe } from '../../model/cluster-api.ts';
import { recordingCodeProbes as recording } from './helpers.ts';
import { createZkServer, zkServerIds, type ZkServer } from '../../model/zookeeper.ts';
import { ZkClient, type ZkClientEvent, type ZkClientOptions } from '../../model/zk-client.ts';
import { isZkMessage, type ZkErrorCode, type ZkOpResult } from '../../model/zk-protocol.ts';
import { ZkCommittedState } from '../../model/zk-record.ts';

/** A test process hosting one ZooKeeper client; it logs events and answers in arrival order. */
class ZkTestClient implements Actor<Message> {
  readonly log: string[] = [];
  readonly events: ZkClientEvent[] = [];
  client: ZkClient;

  constructor(
    private readonly ctx: NodeContext<Message, ModelProbe>,
    private readonly opts: ZkClientOptions,
  ) {
    this.client = this.newClient();
  }

  newClient(): ZkClient {
    const client = new ZkClient(this.ctx, this.opts, (e) => {
      this.events.push(e);
      this.log.push(e.type === 'None' ? `state:${e.state}` : `event:${e.type}:${e.path}`);
    });
    this.client = client;
    client.start();
    return client;
  }

  onMessage(from: number, msg: Message): void {
    if (isZkMessage(msg)) this.client.handleMessage(from, msg);
  }

  onTimer(tag: unknown): void {
    this.client.handleTimer(tag);
  }

  onDisconnect(peer: number): void {
    this.client.handleDisconnect(peer);
  }
}

interface Answer {
  error: ZkErrorCode;
  result?: ZkOpResult;
}

const TIMEOUT_MS = 6000;

class Ensemble {
  readonly sim: Simulation<ModelProbe>;
  readonly servers: number[];
  private readonly clientOpts = new Map<number, ZkClientOptions>();

  /** ZooKeeper's committed state, as the leaders report their commits (model/zk-record.ts). */
  readonly committed = new ZkCommittedState();

  constructor(size: number, seed = 1) {
    this.sim = new Simulation<ModelProbe>({ seed });
    this.servers = zkServerIds(size);
    for (const id of this.servers) {
      const factory = createZkServer({ servers: this.servers }, (entry) => this.committed.onCommit(entry));
      this.sim.addNode({ id, name: `zk-${id}`, factory });
    }
    for (const id of this.servers) this.sim.start(id);
  }

  server(id: number): ZkServer {
    const s = this.sim.actor<ZkServer>(id);
    if (s === undefined) throw new Error(`zk ${id} is down`);
    return s;
  }

  leader(): number | undefined {
    return this.servers.find(
      (id) => this.sim.isUp(id) && this.server(id).state === 'leading' && this.server(id).serving,
    );
  }

  runUntil(cond: () => boolean, forMs: number): boolean {
    const until = this.sim.now() + forMs * 1000;
    this.sim.run({ untilUs: until, stopWhen: cond });
    return cond();
  }

  runFor(ms: number): void {
    this.sim.run({ untilUs: this.sim.now() + ms * 1000 });
  }

  /** Waits until every up server serves under one leader. */
  settle(): number {
    const allServing = () => {
      const leader = this.leader();
      return (
        leader !== undefined &&
        this.servers.every(
          (id) => !this.sim.isUp(id) || (this.server(id).serving && this.server(id).leaderId === leader),
        )
      );
    };
    const ok = this.runUntil(allServing, 150_000);
    if (!ok) {
      const show = (id: number) => {
        if (!this.sim.isUp(id)) return `${id}:down`;
        const s = this.server(id);
        const epochs = `e${s.currentEpoch}/a${s.acceptedEpoch}`;
        return `${id}:${s.state}/${s.leaderId}/${epochs}/z${s.lastLoggedZxid()}/serving=${s.serving}`;
      };
      throw new Error(`seed ${this.sim.seed}: no settled ensemble: ${this.servers.map(show).join(' ')}`);
    }
    return this.leader() as number;
  }

  addClient(id: number, opts: Partial<ZkClientOptions> = {}): ZkTestClient {
    const full: ZkClientOptions = { servers: this.servers, sessionTimeoutMs: TIMEOUT_MS, timerKey: 'zk', ...opts };
    this.clientOpts.set(id, full);
    this.sim.addNode({ id, name: `client-${id}`, factory: (ctx) => new ZkTestClient(ctx, full) });
    this.sim.start(id);
    const c = this.client(id);
    expect(this.runUntil(() => c.client.state === 'connected', 30_000)).toBe(true);
    return c;
  }

  client(id: number): ZkTestClient {
    const c = this.sim.actor<ZkTestClient>(id);
    if (c === undefined) throw new Error(`client ${id} is down`);
    return c;
  }

  /** Issues a call and runs until its callback. */
  call(issue: (cb: (error: ZkErrorCode, result?: ZkOpResult) => void) => void, ms = 30_000): Answer {
    let answer: Answer | undefined;
    issue((error, result) => {
      answer = { error, result };
    });
    this.runUntil(() => answer !== undefined, ms);
    if (answer === undefined) throw new Error('no answer');
    return answer;
  }

  create(c: ZkTestClient, path: string, data = '', ephemeral = false, sequential = false): Answer {
    return this.call((cb) => c.client.create(path, data, { ephemeral, sequential }, cb));
  }
}

describe('ZooKeeper ensemble', () => {
  it('elects one leader by highest zxid, and a lone server serves alone', () => {
    const zk = new Ensemble(3);
    const leader = zk.settle();
    expect(zk.servers.filter((id) => zk.server(id).state === 'leading')).toEqual([leader]);
    expect(zk.servers.map((id) => zk.server(id).currentEpoch)).toEqual([1, 1, 1]);
    const solo = new Ensemble(1);
    solo.settle();
    const c = solo.addClient(600);
    expect(solo.create(c, '/a', 'x').error).toBe('OK');
  });

  it('a write needs a quorum: alone, the leader acks nothing and gives up; with one follower it commits', () => {
    const zk = new Ensemble(3);
    const leader = zk.settle();
    const followers = zk.servers.filter((id) => id !== leader);
    const c = zk.addClient(600, { servers: [leader] });
    expect(zk.create(c, '/before').error).toBe('OK');
    // One follower away: a quorum (leader + one) remains.
    const one = zk.sim.network.cut({ kind: 'isolate', node: followers[0] });
    expect(zk.create(c, '/with-one-follower').error).toBe('OK');
    // Both away: the proposal is logged by the leader alone and never acknowledged.
    const two = zk.sim.network.cut({ kind: 'isolate', node: followers[1] });
    let answer: ZkErrorCode | undefined;
    const hit = recording(() => {
      c.client.create('/alone', '', { ephemeral: false, sequential: false }, (e) => {
        answer = e;
      });
      zk.runFor(2000);
      expect(answer).toBeUndefined();
      expect(zk.runUntil(() => zk.server(leader).state === 'looking', 20_000)).toBe(true);
    });
    expect(hit).toContain('zk-leader-lost-quorum');
    expect(zk.runUntil(() => answer !== undefined, 1000)).toBe(true);
    expect(answer).toBe('CONNECTIONLOSS');
    for (const f of followers) expect(zk.server(f).tree.get('/alone')).toBeUndefined();
    zk.sim.network.heal(one);
    zk.sim.network.heal(two);
    zk.settle();
    for (const id of zk.servers) expect(zk.server(id).tree.get('/with-one-follower')).toBeDefined();
  });

  it('a cut client loses its session after the timeout: its ephemerals vanish and watchers are told', () => {
    const zk = new Ensemble(3);
    zk.settle();
    const broker = zk.addClient(600);
    const watcher = zk.addClient(601);
    expect(zk.create(broker, '/brokers').error).toBe('OK');
    expect(zk.create(broker, '/brokers/ids').error).toBe('OK');
    expect(zk.create(broker, '/brokers/ids/1', 'b1', true).error).toBe('OK');
    const seen = zk.call((cb) => watcher.client.getData('/brokers/ids/1', true, cb));
    expect(seen.result?.data).toBe('b1');
    expect(zk.call((cb) => watcher.client.getChildren('/brokers/ids', true, cb)).result?.children).toEqual(['1']);
    const session = broker.client.sessionId;
    const cutAt = zk.sim.now();
    const cut = zk.sim.network.cut({ kind: 'isolate', node: 600 });
    const hit = recording(() => {
      expect(zk.runUntil(() => watcher.log.includes('event:NodeDeleted:/brokers/ids/1'), 3 * TIMEOUT_MS)).toBe(true);
    });
    expect(hit).toContain('zk-session-expired');
    expect(hit).toContain('zk-watch-fired');
    // Not before the timeout, and within it plus a tick of rounding and a ping interval.
    const goneAfterMs = (zk.sim.now() - cutAt) / 1000;
    expect(goneAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(goneAfterMs).toBeLessThan(TIMEOUT_MS + 2 * 2000 + TIMEOUT_MS / 3);
    zk.runFor(500);
    expect(watcher.log).toContain('event:NodeChildrenChanged:/brokers/ids');
    for (const id of zk.servers) {
      expect(zk.server(id).tree.get('/brokers/ids/1')).toBeUndefined();
      expect(zk.server(id).tree.sessions.has(session)).toBe(false);
    }
    // Back on the network, the client is told its session expired.
    zk.sim.network.heal(cut);
    const hit2 = recording(() => {
      expect(zk.runUntil(() => broker.client.state === 'expired', 30_000)).toBe(true);
    });
    expect(hit2).toContain('zk-reconnect-expired');
    expect(broker.log).toContain('state:Expired');
    // A new session registers again, with a newer czxid (the KIP-380 broker epoch).
    const oldCzxid = seen.result?.stat?.czxid ?? 0;
    broker.newClient();
    expect(zk.runUntil(() => broker.client.state === 'connected', 30_000)).toBe(true);
    const again = zk.create(broker, '/brokers/ids/1', 'b1', true);
    expect(again.error).toBe('OK');
    expect(again.result?.stat?.czxid).toBeGreaterThan(oldCzxid);
  });

  it('a conditional setData with a stale version fails with BADVERSION, and leaves the data', () => {
    const zk = new Ensemble(3);
    zk.settle();
    const c = zk.addClient(600);
    expect(zk.create(c, '/state', 'v0').error).toBe('OK');
    const first = zk.call((cb) => c.client.setData('/state', 'v1', 0, cb));
    expect(first.error).toBe('OK');
    expect(first.result?.stat?.version).toBe(1);
    const hit = recording(() => {
      expect(zk.call((cb) => c.client.setData('/state', 'stale', 0, cb)).error).toBe('BADVERSION');
    });
    expect(hit).toContain('zk-bad-version');
    expect(zk.call((cb) => c.client.setData('/state', 'v2', 1, cb)).error).toBe('OK');
    const read = zk.call((cb) => c.client.getData('/state', false, cb));
    expect(read.result?.data).toBe('v2');
    expect(read.result?.stat?.version).toBe(2);
    // A multi with a stale check changes nothing (all or nothing).
    const multi = zk.call((cb) =>
      c.client.multi(
        [
          { op: 'check', path: '/state', version: 1 },
          { op: 'setData', path: '/state', data: 'never', version: -1 },
        ],
        cb,
      ),
    );
    expect(multi.error).toBe('BADVERSION');
    expect(zk.call((cb) => c.client.getData('/state', false, cb)).result?.data).toBe('v2');
  });

  it('a watch fires once, and before the data of a later read', () => {
    const zk = new Ensemble(3);
    const leader = zk.settle();
    const writer = zk.addClient(600, { servers: [leader] });
    const reader = zk.addClient(601, { servers: zk.servers.filter((id) => id !== leader) });
    expect(zk.create(writer, '/a', 'x0').error).toBe('OK');
    expect(zk.runUntil(() => zk.servers.every((id) => zk.server(id).tree.get('/a') !== undefined), 5000)).toBe(true);
    expect(zk.call((cb) => reader.client.getData('/a', true, cb)).result?.data).toBe('x0');
    let sawX1 = -1;
    for (const v of ['x1', 'x2']) {
      expect(zk.call((cb) => writer.client.setData('/a', v, -1, cb)).error).toBe('OK');
    }
    for (let i = 0; i < 50 && sawX1 < 0; i++) {
      reader.client.getData('/a', false, (_e, r) => {
        reader.log.push(`read:${r?.data}`);
      });
      zk.runFor(1);
      sawX1 = reader.log.findIndex((l) => l === 'read:x1' || l === 'read:x2');
    }
    expect(sawX1).toBeGreaterThanOrEqual(0);
    const events = reader.log.filter((l) => l.startsWith('event:'));
    expect(events).toEqual(['event:NodeDataChanged:/a']);
    expect(reader.log.indexOf('event:NodeDataChanged:/a')).toBeLessThan(sawX1);
  });

  it('a chroot: the client sees paths under /kafka-broker as its root', () => {
    const zk = new Ensemble(3);
    zk.settle();
    const admin = zk.addClient(600);
    expect(zk.create(admin, '/kafka-broker').error).toBe('OK');
    const broker = zk.addClient(601, { chroot: '/kafka-broker' });
    expect(zk.create(broker, '/brokers').error).toBe('OK');
    expect(zk.create(broker, '/brokers/seq-', '', false, true).result?.path).toBe('/brokers/seq-0000000000');
    expect(zk.call((cb) => broker.client.exists('/controller', true, cb)).result?.stat).toBeUndefined();
    expect(zk.create(admin, '/kafka-broker/controller', '{"brokerid":1}', true).error).toBe('OK');
    expect(zk.runUntil(() => broker.log.includes('event:NodeCreated:/controller'), 5000)).toBe(true);
    const leader = zk.leader() as number;
    expect(zk.server(leader).tree.get('/kafka-broker/brokers/seq-0000000000')).toBeDefined();
    expect(zk.server(leader).tree.get('/brokers')).toBeUndefined();
    expect(zk.call((cb) => broker.client.getChildren('/', false, cb)).result?.children).toEqual([
      'brokers',
      'controller',
    ]);
  });

  it('committed state: a leader that dies right after committing leaves it logged, unapplied, then kept', () => {
    // Leader.tryToCommit applies and answers before the followers' COMMIT arrives; kill -9
    // drops those COMMITs. The survivors hold the write logged but not applied until the next
    // leader commits its whole history (Leader.waitForNewLeaderAck): only the leaders' commit
    // record has it meanwhile, which is what model/zk-record.ts judges brokers against.
    const zk = new Ensemble(3);
    const leader = zk.settle();
    const followers = zk.servers.filter((id) => id !== leader);
    const c = zk.addClient(600, { servers: [leader] });
    c.client.create('/state', 'epoch-1', { ephemeral: false, sequential: false }, () => {});
    expect(zk.runUntil(() => zk.server(leader).tree.get('/state') !== undefined, 10_000)).toBe(true);
    zk.sim.crash(leader);
    expect(zk.committed.tree.get('/state')?.data).toBe('epoch-1');
    // The leader's own ACK and one follower's made the quorum; no follower has applied it.
    for (const f of followers) expect(zk.server(f).tree.get('/state')).toBeUndefined();
    const logged = followers.filter((f) => zk.server(f).log.some((e) => e.txn.kind === 'create'));
    expect(logged.length).toBeGreaterThanOrEqual(1);
    const next = zk.settle();
    expect(zk.server(next).tree.get('/state')?.data).toBe('epoch-1');
    expect(zk.committed.tree.get('/state')?.data).toBe('epoch-1');
  });

  it('crashes and power losses of every server lose no acknowledged write', () => {
    const zk = new Ensemble(3, 7);
    zk.settle();
    const c = zk.addClient(600);
    const acked: string[] = [];
    for (let i = 0; i < 10; i++) {
      if (zk.create(c, `/n${i}`, `v${i}`).error === 'OK') acked.push(`/n${i}`);
    }
    expect(acked.length).toBe(10);
    // The leader crashes (kill -9) and comes back; then every machine loses power at once.
    zk.sim.crash(zk.leader() as number);
    const hit = recording(() => {
      for (const id of zk.servers) if (!zk.sim.isUp(id)) zk.sim.start(id);
      zk.settle();
    });
    expect(hit).toContain('zk-leader-change');
    expect(zk.create(c, '/after-crash', 'x').error).toBe('OK');
    acked.push('/after-crash');
    for (const id of zk.servers) zk.sim.powerLoss(id, { tornTail: true });
    zk.runFor(1000);
    for (const id of zk.servers) zk.sim.start(id);
    zk.settle();
    const reader = zk.addClient(601);
    for (const path of acked) expect(zk.call((cb) => reader.client.getData(path, false, cb)).error).toBe('OK');
  });

  it('a session moves to another server when it loses its own, keeping its ephemerals and watches', () => {
    const zk = new Ensemble(3);
    zk.settle();
    const c = zk.addClient(600);
    const first = c.client.server;
    const session = c.client.sessionId;
    expect(zk.create(c, '/eph', '', true).error).toBe('OK');
    expect(zk.create(c, '/w', 'w0').error).toBe('OK');
    expect(zk.call((cb) => c.client.getData('/w', true, cb)).error).toBe('OK');
    const cut = zk.sim.network.cut({ kind: 'link', a: 600, b: first });
    const hit = recording(() => {
      expect(zk.runUntil(() => c.client.state === 'connected' && c.client.server !== first, 30_000)).toBe(true);
    });
    expect(hit).toContain('zk-session-moved');
    expect(c.log).toContain('state:Disconnected');
    expect(c.client.sessionId).toBe(session);
    const other = zk.addClient(601, { servers: [first] });
    expect(zk.call((cb) => other.client.setData('/w', 'w1', -1, cb)).error).toBe('OK');
    expect(zk.runUntil(() => c.log.includes('event:NodeDataChanged:/w'), 5000)).toBe(true);
    zk.runFor(3 * TIMEOUT_MS);
    for (const id of zk.servers) expect(zk.server(id).tree.get('/eph')?.stat.ephemeralOwner).toBe(session);
    zk.sim.network.heal(cut);
  });
});

describe('ZooKeeper ensemble under random faults', () => {
  /** Committed prefixes of every pair of up servers agree (Zab's prefix order). */
  function committedAgree(zk: Ensemble): void {
    const logs = zk.servers
      .filter((id) => zk.sim.isUp(id))
      .map((id) =>
        zk
          .server(id)
          .log.filter((e) => e.zxid <= zk.server(id).committedZxid)
          .map((e) => e.zxid),
      );
    for (const a of logs) for (const b of logs) expect(a.slice(0, b.length)).toEqual(b.slice(0, a.length));
  }

  it('loses no acknowledged create, keeps one committed history: 12 seeds of cuts, crashes, power losses', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const zk = new Ensemble(3, seed);
      zk.settle();
      const c = zk.addClient(600);
      const rng = zk.sim.rng('test-faults');
      const acked: string[] = [];
      let next = 0;
      let inflight = false;
      const issue = (): void => {
        if (inflight) return;
        inflight = true;
        const path = `/k${next++}`;
        c.client.create(path, '', { ephemeral: false, sequential: false }, (e) => {
          inflight = false;
          if (e === 'OK') acked.push(path);
        });
      };
      for (let step = 0; step < 40; step++) {
        issue();
        const victim = rng.pick(zk.servers);
        const roll = rng.next();
        if (roll < 0.15 && zk.sim.isUp(victim)) zk.sim.crash(victim);
        else if (roll < 0.25 && zk.sim.isUp(victim)) zk.sim.powerLoss(victim, { tornTail: rng.chance(0.5) });
        else if (roll < 0.45) zk.sim.network.cut({ kind: 'isolate', node: victim });
        else if (roll < 0.6) zk.sim.network.healAll();
        for (const id of zk.servers) if (!zk.sim.isUp(id) && rng.chance(0.5)) zk.sim.start(id);
        zk.runFor(rng.intBetween(100, 4000));
        committedAgree(zk);
        if (c.client.state === 'expired') c.newClient();
      }
      zk.sim.network.healAll();
      for (const id of zk.servers) if (!zk.sim.isUp(id)) zk.sim.start(id);
      zk.settle();
      committedAgree(zk);
      const leader = zk.leader() as number;
      for (const path of acked) expect(zk.server(leader).tree.get(path), `seed ${seed} ${path}`).toBeDefined();
      expect(acked.length, `seed ${seed}`).toBeGreaterThan(0);
    }
  });
});

describe('ZooKeeper ensemble determinism', () => {
  it('the same seed and schedule give the same run (event hash)', () => {
    const run = (): string => {
      const zk = new Ensemble(3, 42);
      zk.settle();
      const c = zk.addClient(600);
      zk.create(c, '/a', '', true);
      zk.sim.network.cut({ kind: 'isolate', node: zk.leader() as number });
      zk.runFor(30_000);
      zk.sim.network.healAll();
      zk.settle();
      return zk.sim.hash();
    };
    expect(run()).toBe(run());
  });
});
