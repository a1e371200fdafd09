// End to end through the project's real Kafka broker: the relay publishes with a kafkajs producer, a
// process dies after the broker has a batch but before the checkpoint, its successor republishes,
// and a consumer that deduplicates by eventId sees every event once, each stream in order.
import { kafkaBrokers, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { OutboxMessage } from './event-store';
import { OutboxRelay } from './outbox-relay';
import { anEvent, anOutboxEvent, killBackend, relayLockHolder, type StoreFixture, storeFixture } from './testing';

describe('OutboxRelay through a real Kafka broker', () => {
  const prefix = uniqueTopicPrefix('event-store');
  const invoices = `${prefix}lnb.invoice.detected.v1`;
  const creditNotes = `${prefix}lnb.credit-note.detected.v1`;
  const kafka = new Kafka({ clientId: 'event-store-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  let fx: StoreFixture;
  let producer: Producer;
  let consumer: Consumer;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    fx = await storeFixture('outbox_kafka');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [invoices, creditNotes].map((topic) => ({ topic, numPartitions: 3 })), waitForLeaders: true });
    await admin.disconnect();
    // One request in flight, idempotent: a retried send cannot overtake the one before it.
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    consumer = kafka.consumer({ groupId: `${prefix}reader` });
    await consumer.connect();
  });
  afterAll(async () => {
    await Promise.all(relays.map((r) => r.stop()));
    await consumer?.disconnect();
    await producer?.disconnect();
    await fx?.close();
  });

  const send = async (batch: OutboxMessage[]) => {
    await producer.send({
      topic: batch[0].topic,
      messages: batch.map((m) => ({
        key: m.kafkaKey,
        value: m.json,
        headers: { eventId: m.eventId, streamVersion: String(m.streamVersion) },
      })),
    });
  };
  // A batch may mix topics; sending topic by topic in batch order keeps each stream (one topic per
  // stream here) in order, which is what the relay promises.
  const publish = async (batch: OutboxMessage[]) => {
    for (const topic of new Set(batch.map((m) => m.topic))) await send(batch.filter((m) => m.topic === topic));
  };

  it('delivers every outbox event at least once, each stream in order, across a crash before the checkpoint', async () => {
    const store = await fx.store('kafka_e2e');
    const streams = { 'conn:invoice:1': invoices, 'conn:invoice:2': invoices, 'conn:credit_note:3': creditNotes };
    for (let round = 0; round < 4; round++) {
      for (const [streamId, topic] of Object.entries(streams)) {
        await store.append(streamId, [anOutboxEvent({ topic, data: { round } }), anEvent()], { expectedVersion: 'any' });
      }
    }

    const received: { key: string; eventId: string; streamVersion: number }[] = [];
    await consumer.subscribe({ topics: [invoices, creditNotes], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({
          key: String(message.key),
          eventId: String(message.headers?.eventId),
          streamVersion: Number(String(message.headers?.streamVersion)),
        });
      },
    });

    const dying = new OutboxRelay(store, {
      name: 'kafka',
      batchSize: 5,
      retryBaseMs: 20,
      onError: () => undefined,
      publish: async (batch) => {
        await publish(batch);
        const pid = await relayLockHolder(fx.pool, 'kafka_e2e', 'kafka');
        if (pid !== undefined) await killBackend(fx.pool, pid);
      },
    });
    relays.push(dying);
    dying.start();
    await waitFor('the first batch on Kafka', () => received.length >= 5);
    await dying.stop();
    expect(await store.readCheckpoint('kafka')).toBeUndefined();

    const successor = new OutboxRelay(store, { name: 'kafka', batchSize: 5, pollIntervalMs: 50, publish });
    relays.push(successor);
    successor.start();
    await waitFor('the outbox drained', async () => (await successor.lag()) === 0);

    const outbox = (await store.readAll({ limit: 1000 })).filter((e) => e.topic !== null);
    expect(outbox).toHaveLength(12);
    await waitFor('every outbox event on Kafka', () => outbox.every((e) => received.some((r) => r.eventId === e.eventId)));
    expect(received.length).toBeGreaterThan(12); // the dead relay's batch came twice

    const seen = new Set<string>();
    const deduped = received.filter((r) => !seen.has(r.eventId) && seen.add(r.eventId));
    for (const key of Object.keys(streams)) {
      expect(deduped.filter((r) => r.key === key).map((r) => r.streamVersion)).toEqual([1, 3, 5, 7]);
    }
  });
});
