// A topic's id as `kafka-topics.sh --describe` prints it. Kafka's controller draws it at
// random when it creates the topic (Uuid.randomUuid, ReplicationControlManager.createTopic)
// and prints it as the URL-safe base64 of its 16 bytes without padding (Uuid.toString).
//
// Assumes: a simulated cluster's topic ids need only be stable and distinct per (seed, topic):
// they are derived from them with the event hash instead of drawn, so that no random stream
// shifts and the same seed always prints the same id.

import { canonicalJson, EventHash } from '../harness/hash.ts';

/** The topic id of `topic` in the run of `seed`: 22 URL-safe base64 characters. */
export function topicIdOf(seed: number, topic: string): string {
  const bytes: number[] = [];
  for (const half of ['hi', 'lo']) {
    const h = new EventHash();
    h.str(canonicalJson({ seed, topic, half }));
    const hex = h.hex();
    for (let i = 0; i < 16; i += 2) bytes.push(Number.parseInt(hex.slice(i, i + 2), 16));
  }
  return Buffer.from(bytes).toString('base64url');
}
