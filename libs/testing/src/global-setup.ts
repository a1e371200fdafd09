// Before any integration test: the project's Kafka broker answers (started here, or reused), and
// PostgreSQL answers. Fails loudly with the fix when either is missing: never skips silently.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { kafkaBrokers, postgresAdminUrl, useTestKafkaEnv } from './env';
import { startTopicRegistry } from './topic-registry';

export default async function globalSetup(): Promise<void> {
  // Before the workers start: they, and the services they spawn, inherit it.
  useTestKafkaEnv();
  // The run's topic prefixes are written down, so its teardown deletes its topics (global-teardown.ts).
  startTopicRegistry(randomBytes(6).toString('hex'));
  const root = path.resolve(__dirname, '../../..');
  const [host, port] = kafkaBrokers()[0].split(':');
  if (host !== '127.0.0.1' && host !== 'localhost') {
    throw new Error(`KAFKA_BROKERS points at ${host}: tests only use a broker on this machine`);
  }
  execFileSync('bash', [path.join(root, 'tools/kafka/kafka.sh'), 'start'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, KAFKA_PORT: port, KAFKA_SECURE: '0' },
  });
  const client = new Client({ connectionString: postgresAdminUrl() });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(
      `PostgreSQL does not answer at ${postgresAdminUrl()} (${(err as Error).message}). ` +
        'Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
