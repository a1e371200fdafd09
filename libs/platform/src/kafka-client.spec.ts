// Kafka settings: plaintext is a choice that is said (and refused beyond this machine when it is not),
// sasl_ssl needs its credentials, and neither a password nor its file's content ever shows in an error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, describeConfig, loadConfig } from './config';
import { kafkaConnectionOptions, kafkaSecurityOf, plaintextWarning } from './kafka-client';
import { brokersAreLocal, KafkaConfig, ServiceConfig } from './service-config';

/** The config's problems as loadConfig reports them ('' when it is valid). */
const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig(ServiceConfig, env);
    return '';
  } catch (err) {
    return err instanceof ConfigError ? err.message : `not a ConfigError: ${String(err)}`;
  }
};

describe('Kafka security settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lnbx-kafka-config-'));
  const passwordFile = join(dir, 'password');
  const caFile = join(dir, 'ca.pem');
  writeFileSync(passwordFile, 's3cret-from-file\n');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const secured = { KAFKA_BROKERS: 'kafka:9092', KAFKA_SECURITY: 'sasl_ssl', KAFKA_SASL_PASSWORD_FILE: passwordFile, KAFKA_SSL_CA_FILE: caFile };

  it('refuses an unset KAFKA_SECURITY once a broker is beyond this machine', () => {
    expect(problemsOf({ KAFKA_BROKERS: 'kafka:9092' })).toMatch(
      /KAFKA_SECURITY=null: KAFKA_SECURITY must be set \(kafka:9092\): sasl_ssl, or plaintext for local development only/,
    );
    expect(problemsOf({ KAFKA_BROKERS: '127.0.0.1:19092,10.0.0.5:9092' })).toMatch(/KAFKA_SECURITY must be set/);
    expect(problemsOf({ KAFKA_SECURITY: 'ssl' })).toMatch(/KAFKA_SECURITY="ssl": KAFKA_SECURITY must be sasl_ssl or plaintext/);
    expect(problemsOf({ KAFKA_BROKERS: 'kafka:9092', KAFKA_SECURITY: 'plaintext' })).toBe('');
  });

  it('never implies plaintext, not even on this machine: unset, Kafka is refused; plaintext said is taken with a warning', () => {
    expect(brokersAreLocal('127.0.0.1:19092,localhost:1,[::1]:2')).toBe(true);
    // A command that reaches no Kafka (a rebuild) loads its configuration without it...
    const unset = loadConfig(ServiceConfig, {});
    expect(kafkaSecurityOf(unset)).toEqual({ mode: undefined, username: undefined });
    // ...and a process that reaches for Kafka is stopped, naming the variable.
    expect(() => kafkaConnectionOptions(unset)).toThrow(ConfigError);
    expect(() => kafkaConnectionOptions(unset)).toThrow(/KAFKA_SECURITY=null: must be set: sasl_ssl, or plaintext for local development only/);
    expect(plaintextWarning(unset)).toBeUndefined();
    const explicit = loadConfig(ServiceConfig, { KAFKA_SECURITY: 'plaintext' });
    expect(plaintextWarning(explicit)).toMatch(/KAFKA_SECURITY=plaintext.*no authentication, no encryption.*local development only/);
    expect(kafkaConnectionOptions(explicit)).toEqual({ brokers: ['127.0.0.1:19092'] });
  });

  it('needs exactly one password with sasl_ssl, and refuses credentials that plaintext would ignore', () => {
    expect(problemsOf({ ...secured, KAFKA_SASL_PASSWORD_FILE: '' })).toMatch(
      /KAFKA_SASL_PASSWORD=\(secret, not shown\): KAFKA_SECURITY=sasl_ssl needs KAFKA_SASL_PASSWORD_FILE/,
    );
    expect(problemsOf({ ...secured, KAFKA_SASL_PASSWORD: 'hunter22' })).toMatch(/not both/);
    const plain = problemsOf({ KAFKA_SECURITY: 'plaintext', KAFKA_SASL_USERNAME: 'mapper', KAFKA_SASL_PASSWORD: 'hunter22', KAFKA_SSL_CA_FILE: caFile });
    expect(plain).toMatch(/KAFKA_SASL_USERNAME="mapper": KAFKA_SASL_USERNAME is set but KAFKA_SECURITY is not sasl_ssl/);
    expect(plain).toMatch(/KAFKA_SASL_PASSWORD=\(secret, not shown\)/);
    expect(plain).toMatch(/KAFKA_SSL_CA_FILE=.*is set but KAFKA_SECURITY is not sasl_ssl/);
    expect(plain).not.toMatch(/hunter22/);
  });

  it('builds SCRAM-SHA-512 over TLS as the service unless a user is named, reading the password and the CA from their files', () => {
    const config = loadConfig(ServiceConfig, secured);
    expect(kafkaConnectionOptions(config, 'mapper')).toEqual({
      brokers: ['kafka:9092'],
      ssl: { ca: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'] },
      sasl: { mechanism: 'scram-sha-512', username: 'mapper', password: 's3cret-from-file' },
    });
    expect(kafkaConnectionOptions(loadConfig(KafkaConfig, { ...secured, KAFKA_SASL_USERNAME: 'admin' }), 'mapper').sasl).toMatchObject({ username: 'admin' });
    expect(plaintextWarning(config)).toBeUndefined();
    expect(
      JSON.stringify(describeConfig(loadConfig(ServiceConfig, { ...secured, KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: 'hunter22' }))),
    ).not.toMatch(/hunter22/);
  });

  it('stops on a file it cannot read, naming the variable and never the content', () => {
    const missing = loadConfig(ServiceConfig, { ...secured, KAFKA_SASL_PASSWORD_FILE: join(dir, 'nope') });
    expect(() => kafkaConnectionOptions(missing, 'mapper')).toThrow(/KAFKA_SASL_PASSWORD_FILE=".*nope": cannot read the password \(ENOENT\)/);
    const notPem = loadConfig(ServiceConfig, { ...secured, KAFKA_SSL_CA_FILE: passwordFile });
    let message = '';
    try {
      kafkaConnectionOptions(notPem, 'mapper');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/KAFKA_SSL_CA_FILE=.*not a PEM certificate/);
    expect(message).not.toMatch(/s3cret/);
  });
});
