// Readiness check for the local broker: a produce and a consume must both succeed before the deadline.
// A secured broker is checked as admin (kafka.sh passes KAFKA_SECURITY=sasl_ssl and the admin's credentials).
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
const { Kafka, logLevel } = kafkajs;

const deadline = Date.now() + Number(process.argv[2] ?? 90) * 1000;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const topic = '__lnbx.readiness.v1';
const secured =
  process.env.KAFKA_SECURITY === 'sasl_ssl'
    ? {
        ssl: { ca: [readFileSync(process.env.KAFKA_SSL_CA_FILE)] },
        sasl: {
          mechanism: 'scram-sha-512',
          username: process.env.KAFKA_SASL_USERNAME,
          password: readFileSync(process.env.KAFKA_SASL_PASSWORD_FILE, 'utf8').trim(),
        },
      }
    : {};

async function attempt() {
  const kafka = new Kafka({ clientId: 'readiness-check', brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 }, ...secured });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const marker = `ready-${process.pid}-${Date.now()}`;
  const [meta] = await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: marker }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `readiness-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise((resolve, reject) => {
      // One attempt gets at most 20 s: a consumer that crashed (its group's coordinator not loaded yet on a
      // busy machine) never delivers, and a fresh attempt with a new group gets on sooner than waiting it out.
      const timer = setTimeout(() => reject(new Error('consume timed out')), Math.max(1000, Math.min(20_000, deadline - Date.now())));
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        clearTimeout(timer);
        reject(payload.error);
      });
      consumer
        .run({
          eachMessage: async ({ message }) => {
            if (message.value?.toString() === marker) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return meta;
}

for (;;) {
  try {
    const meta = await attempt();
    console.error(`[kafka] produce+consume ok (partition ${meta.partition}, offset ${meta.baseOffset})`);
    process.exit(0);
  } catch (err) {
    if (Date.now() > deadline) {
      console.error(`[kafka] not ready: ${err.message}`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
