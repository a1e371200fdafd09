// What the transport's tests share: starting it, and reading what it dead-letters.
import { topicName } from '@lnbx/contracts';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { KafkaEventTransport } from './transport';

export const listening = (transport: KafkaEventTransport): Promise<void> =>
  new Promise<void>((resolve, reject) => transport.listen((err?: unknown) => (err ? reject(err) : resolve())));

/** Every message of `<topic>.dlq` from the start, gathered into `messages` as it arrives. */
export async function readDeadLetters(kafka: Kafka, prefix: string, topic: string): Promise<{ messages: KafkaMessage[]; stop(): Promise<void> }> {
  const messages: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: `${prefix}dlq-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName(prefix, `${topic}.dlq`), fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
  return { messages, stop: () => consumer.disconnect() };
}
