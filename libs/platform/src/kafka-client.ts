// How a process reaches Kafka, from its KafkaConfig: SASL/SCRAM-SHA-512 over TLS, or plaintext for local
// development. The one place that turns the settings into kafkajs options, for the services (PlatformModule),
// the admin setup and the tests.
import type { KafkaConfig as KafkajsConfig } from 'kafkajs';
import { ConfigError, readSettingFile } from './config';
import type { KafkaConfig, KafkaSecurity } from './service-config';

export interface KafkaSecuritySummary {
  /** Undefined when KAFKA_SECURITY is unset: such a process is refused its Kafka connection. */
  mode: KafkaSecurity | undefined;
  /** The SCRAM user, with sasl_ssl. */
  username?: string;
}

export function kafkaSecurityOf(config: KafkaConfig, defaultUsername?: string): KafkaSecuritySummary {
  const mode = config.kafkaSecurity;
  return { mode, username: mode === 'sasl_ssl' ? (config.kafkaSaslUsername ?? defaultUsername) : undefined };
}

/** The line every service logs at start when its Kafka traffic is neither authenticated nor encrypted. */
export function plaintextWarning(config: KafkaConfig): string | undefined {
  if (config.kafkaSecurity !== 'plaintext') return undefined;
  return 'Kafka over PLAINTEXT (KAFKA_SECURITY=plaintext): no authentication, no encryption, no ACLs. For local development only; set KAFKA_SECURITY=sasl_ssl anywhere else (docs/security.md)';
}

/**
 * kafkajs options for `config`: brokers, and with sasl_ssl the TLS trust (KAFKA_SSL_CA_FILE, else the
 * system's CAs) and the SCRAM-SHA-512 credentials, the password read from KAFKA_SASL_PASSWORD_FILE when
 * given. `defaultUsername` is the service's name: its principal unless KAFKA_SASL_USERNAME says otherwise.
 * A file that cannot be read stops the process with the variable's name, never the password.
 */
export function kafkaConnectionOptions(config: KafkaConfig, defaultUsername?: string): Pick<KafkajsConfig, 'brokers' | 'ssl' | 'sasl'> {
  const brokers = config.kafkaBrokers.split(',');
  const { mode, username } = kafkaSecurityOf(config, defaultUsername);
  // Said, never assumed: not even a broker on this machine is reached without it (docs/security.md).
  if (mode === undefined) throw new ConfigError(['KAFKA_SECURITY=null: must be set: sasl_ssl, or plaintext for local development only']);
  if (mode === 'plaintext') return { brokers };
  if (!username) throw new ConfigError(['KAFKA_SASL_USERNAME=null: KAFKA_SECURITY=sasl_ssl needs a user']);
  const password = config.kafkaSaslPassword ?? readSettingFile('KAFKA_SASL_PASSWORD_FILE', config.kafkaSaslPasswordFile ?? '', 'password');
  const ca = config.kafkaSslCaFile ? readSettingFile('KAFKA_SSL_CA_FILE', config.kafkaSslCaFile, 'CA certificate') : undefined;
  if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError([`KAFKA_SSL_CA_FILE=${JSON.stringify(config.kafkaSslCaFile)}: not a PEM certificate`]);
  }
  return { brokers, ssl: ca ? { ca: [ca] } : true, sasl: { mechanism: 'scram-sha-512', username, password } };
}
