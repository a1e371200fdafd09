// After the integration tests: the topics this run created (each test's unique prefix) are deleted, so the
// project's broker does not keep every run's partitions. It ran out of file handles after a few full runs
// ("Too many open files", then "This server is not the leader for that topic-partition" and a broker that
// shut down). Another run on the same broker keeps its own topics. A broker that is gone is no failure here.
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers } from './env';
import { takeRecordedPrefixes } from './topic-registry';

export default async function globalTeardown(): Promise<void> {
  const prefixes = takeRecordedPrefixes();
  if (!prefixes.length) return;
  const admin = new Kafka({ clientId: 'lnbx-test-teardown', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
    // In slices: one request naming thousands of topics outlasts the broker's request timeout.
    for (let i = 0; i < topics.length; i += 200) await admin.deleteTopics({ topics: topics.slice(i, i + 200), timeout: 30_000 });
    process.stderr.write(`[test teardown] deleted ${topics.length} topics of ${prefixes.length} test prefixes\n`);
  } catch (err) {
    process.stderr.write(`[test teardown] could not delete this run's topics: ${(err as Error).message}\n`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
