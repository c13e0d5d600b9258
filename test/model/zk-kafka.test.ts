// Kafka's ZooKeeper-mode controller election and broker registration (model/zk-kafka.ts) on
// the ZooKeeper ensemble: one controller per controller epoch, broker epochs from the
// registration's czxid, a controller cut from ZooKeeper replaced while it still believes it
// leads (the zombie), re-registration after session expiry, the chroot of seed 002.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../harness/index.ts';
import type { Actor, Message, NodeContext } from '../../harness/types.ts';
import type { ModelProbe } from '../../model/cluster-api.ts';
import { createZkServer, zkServerIds, type ZkServer } from '../../model/zookeeper.ts';
import { ZkKafkaBroker, type ZkStateWrite } from '../../model/zk-kafka.ts';
import { isZkMessage } from '../../model/zk-protocol.ts';
import { recordingCodeProbes as recording } from './helpers.ts';

/** A broker process reduced to its ZooKeeper side. */
class ZkOnlyBroker implements Actor<Message> {
  readonly zk: ZkKafkaBroker;
  readonly failovers: number[] = [];
  resignations = 0;

  constructor(ctx: NodeContext<Message, ModelProbe>, servers: number[], chroot: string | undefined, wins: Won[]) {
    this.zk = new ZkKafkaBroker(
      ctx,
      { brokerId: ctx.id, servers, sessionTimeoutMs: 6000, chroot },
      {
        onControllerFailover: (epoch) => {
          this.failovers.push(epoch);
          wins.push({ broker: ctx.id, epoch });
        },
        onControllerResignation: () => {
          this.resignations++;
        },
      },
    );
    this.zk.start();
  }

  onMessage(from: number, msg: Message): void {
    if (isZkMessage(msg)) this.zk.handleMessage(from, msg);
  }

  onTimer(tag: unknown): void {
    this.zk.handleTimer(tag);
  }

  onDisconnect(peer: number): void {
    this.zk.handleDisconnect(peer);
  }
}

interface Won {
  broker: number;
  epoch: number;
}

function cluster(opts: { seed?: number; chroot?: string } = {}) {
  const sim = new Simulation<ModelProbe>({ seed: opts.seed ?? 1 });
  const servers = zkServerIds(3);
  for (const id of servers) sim.addNode({ id, name: `zk-${id}`, factory: createZkServer({ servers }) });
  const wins: Won[] = [];
  const brokers = [1, 2, 3];
  for (const id of brokers) {
    sim.addNode({ id, name: `broker-${id}`, factory: (ctx) => new ZkOnlyBroker(ctx, servers, opts.chroot, wins) });
  }
  for (const id of servers) sim.start(id);
  for (const id of brokers) sim.start(id);
  const broker = (id: number) => sim.actor<ZkOnlyBroker>(id) as ZkOnlyBroker;
  const runUntil = (cond: () => boolean, ms: number): boolean => {
    sim.run({ untilUs: sim.now() + ms * 1000, stopWhen: cond });
    return cond();
  };
  const leaderServer = () =>
    sim.actor<ZkServer>(servers.find((s) => sim.actor<ZkServer>(s)?.state === 'leading') as number) as ZkServer;
  const agreed = () => {
    const ids = brokers.map((b) => broker(b).zk.activeControllerId);
    return ids[0] !== -1 && ids.every((id) => id === ids[0]) ? ids[0] : -1;
  };
  return { sim, servers, brokers, wins, broker, runUntil, leaderServer, agreed };
}

describe('ZooKeeper-mode controller election (KafkaController.elect)', () => {
  it('three brokers register with distinct czxid epochs and elect one controller in epoch 1', () => {
    const c = cluster();
    expect(c.runUntil(() => c.agreed() !== -1 && c.brokers.every((b) => c.broker(b).zk.brokerEpoch > 0), 60_000)).toBe(
      true,
    );
    expect(c.wins).toEqual([{ broker: c.agreed(), epoch: 1 }]);
    const epochs = c.brokers.map((b) => c.broker(b).zk.brokerEpoch);
    expect(new Set(epochs).size).toBe(3);
    const tree = c.leaderServer().tree;
    for (const b of c.brokers) expect(tree.get(`/brokers/ids/${b}`)?.stat.czxid).toBe(c.broker(b).zk.brokerEpoch);
    expect(tree.get('/controller_epoch')?.data).toBe('1');
    expect(JSON.parse(tree.get('/controller')?.data ?? '{}').brokerid).toBe(c.agreed());
  });

  it('a controller cut from ZooKeeper is replaced in a newer epoch while it still believes it leads', () => {
    const c = cluster({ seed: 3 });
    expect(c.runUntil(() => c.agreed() !== -1, 60_000)).toBe(true);
    const old = c.agreed();
    const oldEpoch = c.broker(old).zk.brokerEpoch;
    const cut = c.sim.network.cut({ kind: 'split', sideA: [old], sideB: c.servers });
    const others = c.brokers.filter((b) => b !== old);
    expect(
      c.runUntil(
        () =>
          others.every(
            (b) => c.broker(b).zk.activeControllerId === others[0] || c.broker(b).zk.activeControllerId === others[1],
          ) && c.wins.length === 2,
        60_000,
      ),
    ).toBe(true);
    const next = c.wins[1];
    expect(next.epoch).toBe(2);
    expect(next.broker).not.toBe(old);
    // The zombie: cut off, its client has not heard of the expiry, it still acts as controller of epoch 1.
    expect(c.broker(old).zk.isActive()).toBe(true);
    expect(c.broker(old).zk.controllerEpoch).toBe(1);
    expect(c.leaderServer().tree.get(`/brokers/ids/${old}`)).toBeUndefined();
    c.sim.network.heal(cut);
    const back = () =>
      !c.broker(old).zk.isActive() &&
      c.broker(old).zk.brokerEpoch > oldEpoch &&
      c.broker(old).zk.activeControllerId !== -1;
    const hit = recording(() => expect(c.runUntil(back, 60_000)).toBe(true));
    expect(hit).toContain('zk-broker-reregistered');
    expect(c.broker(old).resignations).toBeGreaterThan(0);
    expect(c.broker(old).zk.activeControllerId).toBe(next.broker);
    // One controller per epoch, over the whole run.
    const epochs = c.wins.map((w) => w.epoch);
    expect(new Set(epochs).size).toBe(epochs.length);
  });

  it('with the chroot of seed 002 the paths live under /kafka-broker', () => {
    const c = cluster({ chroot: '/kafka-broker' });
    expect(c.runUntil(() => c.agreed() !== -1 && c.brokers.every((b) => c.broker(b).zk.brokerEpoch > 0), 60_000)).toBe(
      true,
    );
    const tree = c.leaderServer().tree;
    expect(tree.get('/kafka-broker/controller')).toBeDefined();
    expect(tree.get('/kafka-broker/brokers/ids')?.children).toEqual(['1', '2', '3']);
    expect(tree.get('/controller')).toBeUndefined();
  });

  it('one controller per controller epoch across 10 seeds of cuts and ZooKeeper crashes; all agree once healed', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const c = cluster({ seed });
      const rng = c.sim.rng('test-faults');
      for (let step = 0; step < 25; step++) {
        const roll = rng.next();
        if (roll < 0.3) c.sim.network.cut({ kind: 'isolate', node: rng.pick(c.brokers) });
        else if (roll < 0.45) {
          const s = rng.pick(c.servers);
          if (c.sim.isUp(s)) c.sim.crash(s);
        } else if (roll < 0.7) c.sim.network.healAll();
        for (const s of c.servers) if (!c.sim.isUp(s) && rng.chance(0.5)) c.sim.start(s);
        c.sim.run({ untilUs: c.sim.now() + rng.intBetween(500, 8000) * 1000 });
        const epochs = c.wins.map((w) => w.epoch);
        expect(new Set(epochs).size, `seed ${seed}: ${JSON.stringify(c.wins)}`).toBe(epochs.length);
      }
      c.sim.network.healAll();
      for (const s of c.servers) if (!c.sim.isUp(s)) c.sim.start(s);
      expect(
        c.runUntil(() => c.agreed() !== -1, 200_000),
        `seed ${seed}`,
      ).toBe(true);
      const last = c.wins[c.wins.length - 1];
      expect(c.agreed()).toBe(last.broker);
      expect(c.leaderServer().tree.get('/controller_epoch')?.data).toBe(String(last.epoch));
    }
  });

  it("a zombie controller's partition state write is refused by the controller epoch check", () => {
    const c = cluster({ seed: 3 });
    expect(c.runUntil(() => c.agreed() !== -1, 60_000)).toBe(true);
    const old = c.agreed();
    const parent = (b: number, path: string) => {
      let ok = false;
      c.broker(b).zk.client.create(path, '', { ephemeral: false, sequential: false }, () => {
        ok = true;
      });
      expect(c.runUntil(() => ok, 10_000)).toBe(true);
    };
    parent(old, '/brokers/topics/t');
    parent(old, '/brokers/topics/t/partitions');
    parent(old, '/brokers/topics/t/partitions/0');
    let created: ZkStateWrite | undefined;
    const first = { leader: old, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 };
    c.broker(old).zk.writePartitionState('t', 0, first, -1, (r) => {
      created = r;
    });
    expect(c.runUntil(() => created !== undefined, 10_000)).toBe(true);
    expect(created).toEqual({ kind: 'ok', zkVersion: 0 });
    // The controller's own update at a stale znode version fails with BADVERSION.
    let stale: ZkStateWrite | undefined;
    c.broker(old).zk.writePartitionState('t', 0, { ...first, leaderEpoch: 1 }, 5, (r) => {
      stale = r;
    });
    expect(c.runUntil(() => stale !== undefined, 10_000)).toBe(true);
    expect(stale).toEqual({ kind: 'bad-version', resent: false });
    // Cut from ZooKeeper, it is replaced; back with a new session it still holds its old
    // epoch's zkVersion, and a write with it is fenced by the check on /controller_epoch.
    const oldBrokerEpoch = c.broker(old).zk.brokerEpoch;
    const cut = c.sim.network.cut({ kind: 'split', sideA: [old], sideB: c.servers });
    expect(c.runUntil(() => c.wins.length === 2, 60_000)).toBe(true);
    const next = c.wins[1].broker;
    c.sim.network.heal(cut);
    expect(c.runUntil(() => c.broker(old).zk.brokerEpoch > oldBrokerEpoch, 60_000)).toBe(true);
    expect(c.broker(old).zk.epochZkVersion).toBe(1);
    let zombie: ZkStateWrite | undefined;
    c.broker(old).zk.writePartitionState('t', 0, { ...first, leader: -1, leaderEpoch: 1, isr: [] }, 0, (r) => {
      zombie = r;
    });
    const hit = recording(() => expect(c.runUntil(() => zombie !== undefined, 30_000)).toBe(true));
    expect(zombie).toEqual({ kind: 'controller-moved' });
    expect(hit).toContain('zk-controller-moved');
    let fresh: ZkStateWrite | undefined;
    c.broker(next).zk.readPartitionState('t', 0, (state, version) => {
      expect(state).toEqual(first);
      const update = { ...first, leader: next, leaderEpoch: 1, controllerEpoch: 2 };
      c.broker(next).zk.writePartitionState('t', 0, update, version, (r) => {
        fresh = r;
      });
    });
    expect(c.runUntil(() => fresh !== undefined, 30_000)).toBe(true);
    expect(fresh).toEqual({ kind: 'ok', zkVersion: 1 });
    const tree = c.leaderServer().tree;
    expect(JSON.parse(tree.get('/brokers/topics/t/partitions/0/state')?.data ?? '{}').leader).toBe(next);
  });
});
