// Combined mode (process.roles=broker,controller): one process that is both a broker and a
// KRaft controller voter, as Kafka's KafkaRaftServer builds it. What the two roles share is
// SharedServer's: the single KafkaRaftManager (one Raft client, one `__cluster_metadata` log in
// the one metadata log dir of the node's disk) and the metadata loader, so the broker applies
// the committed metadata of the voter's own log instead of fetching it as an observer.
//
// Assumptions and rules:
// - One process, one disk: kill -9, power loss, a pause or a cut of the node hits both roles
//   at once (the kernel's node is the process).
// - KafkaRaftServer.startup starts the controller before the broker; shutdown stops the broker
//   first (its controlled shutdown may need the controller), so a clean stop is the broker's.
// - The broker registers with the Raft client as a listener (SharedServer.start:
//   raftManager.register(loader)); a listener registered late is caught up from the log
//   (KafkaRaftClient.pollListeners), so it applies what is already committed at once.
// - Messages go to the role that handles them: Raft's to the shared replica, the brokers'
//   requests to the controller (QuorumController, on the controller listener, even from this
//   node's own broker), everything else to the broker. Timers go back to the role that set them.
// - LogManager.loadLogs skips the metadata topic's directory (broker.ts partitionDirs).

import type { Actor, Message } from '../harness/types.ts';
import type { ModelActorFactory } from './cluster-api.ts';
import { Broker, type BrokerParams } from './broker.ts';
import { KraftController, type ControllerParams } from './controller.ts';

export class CombinedServer implements Actor<Message> {
  readonly controller: KraftController;
  readonly broker: Broker;

  constructor(ctx: Parameters<ModelActorFactory>[0], broker: BrokerParams, controller: ControllerParams) {
    this.controller = new KraftController(ctx, controller);
    this.broker = new Broker(ctx, { ...broker, metadataRaft: this.controller.raft });
    this.controller.addRaftListener(this.broker);
  }

  onMessage(from: number, message: Message): void {
    if (KraftController.serves((message as { type: string }).type)) this.controller.onMessage(from, message);
    else this.broker.onMessage(from, message);
  }

  onTimer(tag: unknown): void {
    if (KraftController.ownsTimer(tag)) this.controller.onTimer(tag);
    else this.broker.onTimer(tag);
  }

  /** KafkaRaftServer.shutdown: the broker first (controlled shutdown), then the controller. */
  onStopRequested(): void {
    this.broker.onStopRequested();
  }

  onShutdown(): void {
    this.broker.onShutdown();
  }

  onDisconnect(peer: number): void {
    this.broker.onDisconnect(peer);
  }
}

/** How a cluster builds a combined node. */
export function createCombinedServer(broker: BrokerParams, controller: ControllerParams): ModelActorFactory {
  return (ctx) => new CombinedServer(ctx, broker, controller);
}

/** What reads a node's actor (the kernel's SimulationApi.actor). */
interface ActorSource {
  actor<T>(id: number): T | undefined;
}

/** The broker running on node `id`, alone or combined (undefined when it is down). */
export function brokerOn(sim: ActorSource, id: number): Broker | undefined {
  const a = sim.actor<Broker | CombinedServer>(id);
  return a instanceof CombinedServer ? a.broker : a;
}

/** The controller voter running on node `id`, alone or combined (undefined when it is down). */
export function controllerOn(sim: ActorSource, id: number): KraftController | undefined {
  const a = sim.actor<KraftController | CombinedServer>(id);
  return a instanceof CombinedServer ? a.controller : a;
}
