import { EventEnvelope, definitionForType, topicName } from '@lnbx/contracts';
import type { Kafka, Message, Producer } from 'kafkajs';

/**
 * The most one request carries, so that no partition's record batch in it can pass Kafka's default
 * message.max.bytes (1,048,588) whatever the spread over partitions. One event bigger than this still
 * goes, alone.
 */
export const MAX_REQUEST_BYTES = 900_000;
/** What a record adds to its key, value and headers in a record batch, rounded up. */
const MESSAGE_OVERHEAD_BYTES = 64;

/** An envelope as JSON with what Kafka needs beside it; `topic` is the registry topic, before the prefix. */
export interface StoredMessage {
  topic: string;
  key: string;
  type: string;
  eventId: string;
  json: string;
}

/**
 * Publishes envelopes with an idempotent producer (acks=all, one request in flight, so retries never
 * reorder or duplicate within a partition). The Kafka key is the envelope's key (the document key).
 */
export class EventPublisher {
  private readonly producer: Producer;
  private connected?: Promise<void>;

  constructor(
    kafka: Kafka,
    private readonly prefix: string,
  ) {
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
    await this.publishStored(
      envelopes.map((env) => {
        const d = definitionForType(env.type);
        if (!d) throw new Error(`no topic is registered for event type ${env.type}`);
        // The JSON that contracts' encode() writes, as text: publishStored turns it into bytes once.
        return { topic: d.topic, key: env.key, type: env.type, eventId: env.eventId, json: JSON.stringify(env) };
      }),
    );
  }

  /**
   * Sends envelopes already written as JSON (the outbox's rows, as Postgres holds them) without
   * parsing them again, in order. Kafka takes at most message.max.bytes (1 MB by default) in one
   * partition's record batch, so the messages go in requests of at most MAX_REQUEST_BYTES, one after
   * the other: a page of long invoices for one partition would otherwise be refused, again and again.
   */
  async publishStored(messages: StoredMessage[]): Promise<void> {
    let chunk = new Map<string, Message[]>();
    let bytes = 0;
    for (const m of messages) {
      const value = Buffer.from(m.json);
      const size = value.length + Buffer.byteLength(m.key) + Buffer.byteLength(m.type) + m.eventId.length + MESSAGE_OVERHEAD_BYTES;
      if (bytes > 0 && bytes + size > MAX_REQUEST_BYTES) {
        await this.send(chunk);
        chunk = new Map();
        bytes = 0;
      }
      const topic = topicName(this.prefix, m.topic);
      const list = chunk.get(topic) ?? [];
      list.push({ key: m.key, value, headers: { 'event-type': m.type, 'event-id': m.eventId } });
      chunk.set(topic, list);
      bytes += size;
    }
    if (bytes > 0) await this.send(chunk);
  }

  private async send(byTopic: Map<string, Message[]>): Promise<void> {
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
