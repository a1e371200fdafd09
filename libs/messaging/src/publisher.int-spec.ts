// The publisher against the real broker: a batch of large events on one partition must not exceed
// what Kafka accepts in one record batch (message.max.bytes, 1 MB by default).
import { topicName } from '@lnbx/contracts';
import { kafkaBrokers, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { EventPublisher, type StoredMessage } from './publisher';

const TOPIC = 'lnb.invoice.detected.v1';

describe('EventPublisher (real Kafka)', () => {
  const prefix = uniqueTopicPrefix('publisher');
  const kafka = new Kafka({ clientId: 'publisher-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka, prefix);
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: `${prefix}reader` });

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: topicName(prefix, TOPIC), numPartitions: 1 }], waitForLeaders: true });
    await consumer.connect();
  });
  afterAll(async () => {
    await publisher.close();
    await consumer.disconnect();
    await admin.disconnect();
  });

  it('sends a batch of long invoices bigger than one Kafka record batch may be, in order', async () => {
    // 40 events of 60 kB (a 150-line invoice is about that) for one partition: 2.4 MB in all.
    const filler = 'x'.repeat(60_000);
    const messages: StoredMessage[] = Array.from({ length: 40 }, (_, i) => ({
      topic: TOPIC,
      key: `acme:invoice:${i % 2}`,
      type: 'InvoiceDetected',
      eventId: randomUUID(),
      json: JSON.stringify({ n: i, filler }),
    }));
    await publisher.publishStored(messages);

    const received: number[] = [];
    await consumer.subscribe({ topic: topicName(prefix, TOPIC), fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(JSON.parse(String(message.value)).n) });
    await waitFor('all 40 events consumed', () => received.length >= 40);
    expect(received).toEqual(messages.map((_, i) => i));
  });
});
