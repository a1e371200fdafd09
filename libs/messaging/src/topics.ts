import { deadLetterTopic, EVENTS, topicName } from '@lnbx/contracts';
import type { Admin } from 'kafkajs';

/**
 * Creates the registry's topics (and their dead-letter topics) under `prefix` if they are missing.
 * Idempotent: every service calls it at boot, in any order.
 */
export async function ensureTopics(admin: Admin, prefix: string, { partitions = 3, replicationFactor = 1 } = {}): Promise<string[]> {
  const wanted = EVENTS.flatMap((d) => [topicName(prefix, d.topic), topicName(prefix, deadLetterTopic(d.topic))]);
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t));
  if (missing.length) {
    try {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })) });
    } catch (err) {
      // Another service created some at the same moment: fine, as long as they all exist now.
      const now = new Set(await admin.listTopics());
      const still = missing.filter((t) => !now.has(t));
      if (still.length) throw err;
    }
  }
  return wanted;
}
