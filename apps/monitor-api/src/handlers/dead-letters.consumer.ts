// Every dead-letter topic of the registry, read by a plain kafkajs consumer of its own group: a
// refused message must show in the task log even though no decoder can read it.
import { deadLetterTopic, EVENTS, topicName } from '@lnbx/contracts';
import { ensureTopics, EVENT_STORE } from '@lnbx/messaging';
import type { PostgresEventStore } from '@lnbx/event-store';
import { CONFIG, JsonLogger, KAFKA } from '@lnbx/platform';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Consumer, Kafka } from 'kafkajs';
import { MonitorConfig } from '../config';
import { parseDeadLetter } from '../domain/dead-letter';
import { DLQ_GROUP_SUFFIX, MonitorMetrics } from '../metrics';
import { takeDeadLetter } from '../store/projector';

@Injectable()
export class DeadLettersConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: Consumer;
  private readonly logger: JsonLogger;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: MonitorConfig,
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    private readonly metrics: MonitorMetrics,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'dead-letters' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const prefix = this.config.topicPrefix;
    const admin = this.kafka.admin();
    try {
      await ensureTopics(admin, prefix);
    } finally {
      await admin.disconnect();
    }
    const topics = EVENTS.map((d) => topicName(prefix, deadLetterTopic(d.topic)));
    this.consumer = this.kafka.consumer({ groupId: `${prefix}${DLQ_GROUP_SUFFIX}`, sessionTimeout: 15_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 250 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const record = parseDeadLetter(
          {
            dlqTopic: topic,
            partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
            headers: message.headers ?? {},
            timestamp: message.timestamp,
          },
          prefix,
        );
        // Idempotent by the letter's origin: a redelivery after a crash writes nothing twice.
        const fresh = await this.store.withTransaction((tx) => takeDeadLetter(tx, record, topic));
        if (fresh) {
          this.metrics.deadLetterSeen(record.topic, record.code);
          this.logger.info('dead letter recorded', { topic: record.topic, code: record.code, runId: record.correlationId });
        }
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
