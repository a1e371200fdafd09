import {
  IsInt,
  IsNotEmpty,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { Env, Secret } from './config';

export const KAFKA_SECURITY_MODES = ['sasl_ssl', 'plaintext'] as const;
export type KafkaSecurity = (typeof KAFKA_SECURITY_MODES)[number];

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;
/** Whether every broker is on this machine (a missing KAFKA_SECURITY is then refused only when Kafka is reached). */
export const brokersAreLocal = (brokers: string): boolean => brokers.split(',').every((b) => LOOPBACK.test(b.slice(0, b.lastIndexOf(':'))));

/**
 * KAFKA_SECURITY: `sasl_ssl`, or `plaintext` (local development only; every service warns at start). Unset is
 * refused here as soon as a broker is not on this machine, and in any case when the process reaches for Kafka
 * (kafkaConnectionOptions): plaintext is never implied, not even on 127.0.0.1. A command that uses no Kafka
 * (a rebuild, the key CLI) needs no setting.
 */
@ValidatorConstraint({ name: 'kafkaSecurity' })
class KafkaSecurityRule implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    if (value === undefined) return brokersAreLocal(String((args.object as KafkaConfig).kafkaBrokers));
    return (KAFKA_SECURITY_MODES as readonly unknown[]).includes(value);
  }
  defaultMessage(args: ValidationArguments): string {
    return args.value === undefined
      ? `KAFKA_SECURITY must be set (${(args.object as KafkaConfig).kafkaBrokers}): sasl_ssl, or plaintext for local development only`
      : 'KAFKA_SECURITY must be sasl_ssl or plaintext';
  }
}

const isSecured = (o: object): boolean => (o as KafkaConfig).kafkaSecurity === 'sasl_ssl';

/** Credentials and a CA mean nothing without sasl_ssl: refused, so nobody believes a plaintext service is secured. */
@ValidatorConstraint({ name: 'kafkaOnlyWithSaslSsl' })
class OnlyWithSaslSsl implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    return value === undefined || isSecured(args.object);
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.constraints[0]} is set but KAFKA_SECURITY is not sasl_ssl: it would not be used`;
  }
}

/** With sasl_ssl, exactly one of KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE. */
@ValidatorConstraint({ name: 'kafkaPassword' })
class OnePassword implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    const o = args.object as KafkaConfig;
    if (!isSecured(o)) return o.kafkaSaslPassword === undefined;
    return (o.kafkaSaslPassword === undefined) !== (o.kafkaSaslPasswordFile === undefined);
  }
  defaultMessage(args: ValidationArguments): string {
    const o = args.object as KafkaConfig;
    if (!isSecured(o)) return 'KAFKA_SASL_PASSWORD is set but KAFKA_SECURITY is not sasl_ssl: it would not be used';
    return o.kafkaSaslPassword === undefined
      ? 'KAFKA_SECURITY=sasl_ssl needs KAFKA_SASL_PASSWORD_FILE (or KAFKA_SASL_PASSWORD)'
      : 'set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both';
  }
}

/** Where Kafka is and how to reach it: what every service and the admin tools need. */
export class KafkaConfig {
  @Env('KAFKA_BROKERS')
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port...]' })
  kafkaBrokers = '127.0.0.1:19092';

  /** Prepended to every topic name: one per environment, or one per test run. */
  @Env('KAFKA_TOPIC_PREFIX')
  @IsString()
  @Matches(/^[a-zA-Z0-9._-]*$/, { message: 'KAFKA_TOPIC_PREFIX may hold letters, digits, dot, dash, underscore' })
  topicPrefix = '';

  @Env('KAFKA_SECURITY')
  @Validate(KafkaSecurityRule)
  kafkaSecurity?: KafkaSecurity;

  /** The SCRAM-SHA-512 user; a service's own name when unset (the principals and ACLs of docs/security.md). */
  @Env('KAFKA_SASL_USERNAME')
  @Validate(OnlyWithSaslSsl, ['KAFKA_SASL_USERNAME'])
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  kafkaSaslUsername?: string;

  @Env('KAFKA_SASL_PASSWORD')
  @Secret()
  @Validate(OnePassword)
  kafkaSaslPassword?: string;

  /** A file holding the password (a Docker secret, a mounted volume): kept out of the environment. */
  @Env('KAFKA_SASL_PASSWORD_FILE')
  @Validate(OnlyWithSaslSsl, ['KAFKA_SASL_PASSWORD_FILE'])
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  kafkaSaslPasswordFile?: string;

  /** The CA that signed the brokers' certificates (PEM); the system's CAs when unset. */
  @Env('KAFKA_SSL_CA_FILE')
  @Validate(OnlyWithSaslSsl, ['KAFKA_SSL_CA_FILE'])
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  kafkaSslCaFile?: string;
}

/** What every service needs: where Kafka and Postgres are, its HTTP port, its topic prefix. */
export class ServiceConfig extends KafkaConfig {
  @Env('DATABASE_URL')
  @Secret()
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  databaseUrl = 'postgres://postgres@127.0.0.1:5432/lnbx';

  @Env('HTTP_PORT')
  @IsInt()
  @Min(0)
  @Max(65535)
  httpPort = 0;

  @Env('HTTP_HOST')
  @IsString()
  @IsNotEmpty()
  httpHost = '127.0.0.1';

  @Env('LOG_LEVEL')
  @IsIn(['debug', 'info', 'warn', 'error'])
  logLevel: 'debug' | 'info' | 'warn' | 'error' = 'info';

  /** Consumer retries of a retriable handler failure before the message goes to the dead-letter topic. */
  @Env('CONSUMER_MAX_ATTEMPTS')
  @IsInt()
  @Min(1)
  @Max(50)
  consumerMaxAttempts = 5;

  @Env('CONSUMER_RETRY_BASE_MS')
  @IsInt()
  @Min(1)
  consumerRetryBaseMs = 200;

  @Env('INSTANCE_ID')
  @IsOptional()
  @IsString()
  instanceId?: string;

  /**
   * The bearer token GET /metrics asks for (Prometheus sends it). Unset, an internal service's /metrics is open (its
   * port is never published) and monitor-api's takes an admin API key only (docs/security.md).
   */
  @Env('METRICS_TOKEN')
  @Secret()
  @IsOptional()
  @Matches(/^\S{32,}$/, { message: 'METRICS_TOKEN must be at least 32 characters, without spaces (e.g. openssl rand -hex 32)' })
  metricsToken?: string;
}
