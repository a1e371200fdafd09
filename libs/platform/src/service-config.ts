import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { Env, Secret } from './config';

/** What every service needs: where Kafka and Postgres are, its HTTP port, its topic prefix. */
export class ServiceConfig {
  @Env('KAFKA_BROKERS') @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port...]' })
  kafkaBrokers = '127.0.0.1:19092';

  /** Prepended to every topic name: one per environment, or one per test run. */
  @Env('KAFKA_TOPIC_PREFIX') @IsString() @Matches(/^[a-zA-Z0-9._-]*$/, { message: 'KAFKA_TOPIC_PREFIX may hold letters, digits, dot, dash, underscore' })
  topicPrefix = '';

  @Env('DATABASE_URL') @Secret() @IsString() @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  databaseUrl = 'postgres://postgres@127.0.0.1:5432/lnbx';

  @Env('HTTP_PORT') @IsInt() @Min(0) @Max(65535)
  httpPort = 0;

  @Env('HTTP_HOST') @IsString() @IsNotEmpty()
  httpHost = '127.0.0.1';

  /** The LNB connection (tenant) this deployment serves. */
  @Env('CONNECTION_ID') @IsString() @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'CONNECTION_ID must be lowercase letters, digits and dashes' })
  connectionId = 'default';

  @Env('LOG_LEVEL') @IsIn(['debug', 'info', 'warn', 'error'])
  logLevel: 'debug' | 'info' | 'warn' | 'error' = 'info';

  /** Consumer retries of a retriable handler failure before the message goes to the dead-letter topic. */
  @Env('CONSUMER_MAX_ATTEMPTS') @IsInt() @Min(1) @Max(50)
  consumerMaxAttempts = 5;

  @Env('CONSUMER_RETRY_BASE_MS') @IsInt() @Min(1)
  consumerRetryBaseMs = 200;

  @Env('INSTANCE_ID') @IsOptional() @IsString()
  instanceId?: string;
}
