export const kafkaBrokers = (): string[] => (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
export const postgresAdminUrl = (): string => process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The tests run on the project's local plaintext broker, and say so as every service must
 * (KAFKA_SECURITY, docs/security.md). Set in the process by the global setup, so services the tests
 * spawn inherit it; a developer's own Kafka credentials in the shell never reach them.
 */
export const TEST_KAFKA_ENV = { KAFKA_SECURITY: 'plaintext' } as const;
const SECURED_KAFKA_VARIABLES = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE', 'KAFKA_SSL_CA_FILE'];

export function useTestKafkaEnv(env: NodeJS.ProcessEnv = process.env): void {
  Object.assign(env, TEST_KAFKA_ENV);
  for (const name of SECURED_KAFKA_VARIABLES) delete env[name];
}

/** What a service started by a test needs to reach the test broker, KAFKA_SECURITY included (every service needs it said). */
export const testKafkaEnv = (): { KAFKA_BROKERS: string; KAFKA_SECURITY: 'plaintext' } => ({ KAFKA_BROKERS: kafkaBrokers().join(','), ...TEST_KAFKA_ENV });
