import { encode, EventEnvelope, definitionForType, topicName } from '@lnbx/contracts';
import type { Kafka, Message, Producer } from 'kafkajs';

/**
 * Publishes envelopes with an idempotent producer (acks=all, one request in flight, so retries never
 * reorder or duplicate within a partition). The Kafka key is the envelope's key (the document key).
 */
export class EventPublisher {
  private readonly producer: Producer;
  private connected?: Promise<void>;

  constructor(kafka: Kafka, private readonly prefix: string) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  private connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((err) => {
      this.connected = undefined;
      throw err;
    });
    return this.connected;
  }

  /** Sends envelopes (of any types) in one batch; resolves once the broker acknowledged all of them. */
  async publish(envelopes: EventEnvelope[]): Promise<void> {
    if (!envelopes.length) return;
    const byTopic = new Map<string, Message[]>();
    for (const env of envelopes) {
      const d = definitionForType(env.type);
      if (!d) throw new Error(`no topic is registered for event type ${env.type}`);
      const topic = topicName(this.prefix, d.topic);
      const list = byTopic.get(topic) ?? [];
      list.push({ key: env.key, value: encode(env), headers: { 'event-type': env.type, 'event-id': env.eventId } });
      byTopic.set(topic, list);
    }
    await this.connect();
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  /** Sends raw bytes (dead letters keep the original bytes untouched). */
  async sendRaw(topic: string, messages: Message[]): Promise<void> {
    await this.connect();
    await this.producer.send({ topic, acks: -1, messages });
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect().catch(() => undefined);
    this.connected = undefined;
  }
}
