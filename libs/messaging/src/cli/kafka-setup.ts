// The admin's setup step of a secured broker (tools/kafka/kafka.sh setup; docker-compose's kafka-setup):
// creates the registry's topics under KAFKA_TOPIC_PREFIX and every service's ACLs, then exits.
//   KAFKA_SECURITY=sasl_ssl KAFKA_SASL_USERNAME=admin KAFKA_SASL_PASSWORD_FILE=... KAFKA_SSL_CA_FILE=... node .../kafka-setup
//   ... kafka-setup --matrix    prints the access matrix of docs/security.md instead (no broker needed)
import 'reflect-metadata';
import { ConfigError, Env, KafkaConfig, kafkaConnectionOptions, loadConfig } from '@lnbx/platform';
import { IsInt, Max, Min } from 'class-validator';
import { Kafka, logLevel } from 'kafkajs';
import { renderAccessMatrix } from '../access';
import { setUpKafka } from '../kafka-setup';

class KafkaSetupConfig extends KafkaConfig {
  @Env('KAFKA_TOPIC_PARTITIONS')
  @IsInt()
  @Min(1)
  @Max(1000)
  partitions = 3;

  @Env('KAFKA_TOPIC_REPLICATION_FACTOR')
  @IsInt()
  @Min(1)
  @Max(10)
  replicationFactor = 1;
}

async function main(): Promise<void> {
  if (process.argv.includes('--matrix')) {
    process.stdout.write(`${renderAccessMatrix()}\n`);
    return;
  }
  const config = loadConfig(KafkaSetupConfig);
  const kafka = new Kafka({ clientId: 'lnbx-kafka-setup', ...kafkaConnectionOptions(config), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const admin = kafka.admin();
  try {
    const done = await setUpKafka(admin, { prefix: config.topicPrefix, partitions: config.partitions, replicationFactor: config.replicationFactor });
    for (const r of done.revoked)
      process.stderr.write(`[kafka-setup] revoked ${r.operation} on ${r.resourceType} ${r.name} from ${r.principal}: no longer in the plan\n`);
    process.stderr.write(`[kafka-setup] ${done.topics} topics and ${done.grants} ACLs in place for prefix "${config.topicPrefix}" on ${config.kafkaBrokers}\n`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((err) => {
  process.stderr.write(`[kafka-setup] failed: ${err instanceof ConfigError ? err.message : ((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
