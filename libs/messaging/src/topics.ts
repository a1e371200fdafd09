import { CodedError, deadLetterTopic, EVENTS, topicName } from '@lnbx/contracts';
import type { Admin } from 'kafkajs';

export interface EnsureTopicsOptions {
  partitions?: number;
  replicationFactor?: number;
  /** Registry names (before the prefix) to ensure; every registry topic and dead-letter topic when unset. */
  topics?: readonly string[];
  /**
   * False on a secured broker: the services hold no CREATE permission, the admin's setup step made the
   * topics, so a missing one is reported (naming that step) instead of created.
   */
  create?: boolean;
}

/** Every topic of the registry and its dead-letter topic, before the prefix. */
export const registryTopics = (): string[] => EVENTS.flatMap((d) => [d.topic, deadLetterTopic(d.topic)]);

export class MissingTopicsError extends CodedError<'KAFKA.TOPICS_MISSING'> {
  constructor(
    readonly topics: string[],
    cause?: unknown,
  ) {
    super(
      'KAFKA.TOPICS_MISSING',
      `Kafka topics missing: ${topics.join(', ')}. On a secured broker the services may not create topics: ` +
        "run its setup step as admin (tools/kafka/kafka.sh setup, or docker-compose's kafka-setup)",
      { cause },
    );
  }
}

const isAuthorizationError = (err: unknown): boolean =>
  /AUTHORIZATION_FAILED/.test(String((err as { type?: unknown })?.type ?? '')) || ((err as { errors?: unknown[] })?.errors ?? []).some(isAuthorizationError);

/**
 * Creates the registry's topics (and their dead-letter topics) under `prefix` if they are missing.
 * Idempotent: every service calls it at boot, in any order. On a secured broker (`create: false`) it
 * only checks that the topics a service uses exist.
 */
export async function ensureTopics(
  admin: Admin,
  prefix: string,
  { partitions = 3, replicationFactor = 1, topics, create = true }: EnsureTopicsOptions = {},
): Promise<string[]> {
  const wanted = (topics ?? registryTopics()).map((t) => topicName(prefix, t));
  await admin.connect();
  // On a secured broker this lists only the topics the principal may describe: enough for its own.
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t));
  if (!missing.length) return wanted;
  if (!create) throw new MissingTopicsError(missing);
  try {
    await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })) });
  } catch (err) {
    // Another service created some at the same moment: fine, as long as they all exist now.
    const now = new Set(await admin.listTopics());
    const still = missing.filter((t) => !now.has(t));
    if (still.length) throw isAuthorizationError(err) ? new MissingTopicsError(still, err) : err;
  }
  return wanted;
}
