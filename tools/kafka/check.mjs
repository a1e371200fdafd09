// Readiness check for the local broker: a produce and a consume must both succeed before the deadline.
import kafkajs from 'kafkajs';
const { Kafka, logLevel } = kafkajs;

const deadline = Date.now() + Number(process.argv[2] ?? 90) * 1000;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const topic = '__lnbx.readiness.v1';

async function attempt() {
  const kafka = new Kafka({ clientId: 'readiness-check', brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } });
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
      const timer = setTimeout(() => reject(new Error('consume timed out')), Math.max(1000, deadline - Date.now()));
      consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value?.toString() === marker) { clearTimeout(timer); resolve(); }
        },
      }).catch(reject);
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
    if (Date.now() > deadline) { console.error(`[kafka] not ready: ${err.message}`); process.exit(1); }
    await new Promise((r) => setTimeout(r, 500));
  }
}
