import {
  ConfigError,
  describeConfig,
  JsonLogger,
  KAFKA,
  kafkaConnectionOptions,
  kafkaSecurityOf,
  loadConfig,
  METRICS,
  plaintextWarning,
  ServiceConfig,
} from '@lnbx/platform';
import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Kafka } from 'kafkajs';
import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { Registry } from 'prom-client';
import { EventPublisher } from './publisher';
import { KafkaEventTransport } from './transport';

export interface ServiceDefinition<C extends ServiceConfig> {
  /** e.g. 'lnb-poller'; also its consumer group and its log/metric label. */
  name: string;
  configClass: new () => C;
  module: (config: C, logger: JsonLogger) => DynamicModule;
  /** Consume Kafka (false for a service that only produces). */
  consumes?: boolean;
  configure?: (app: INestApplication, config: C) => void | Promise<void>;
}

export interface RunningService<C> {
  app: INestApplication;
  config: C;
  url: string;
  close(): Promise<void>;
}

/**
 * One Nest app per service: HTTP (health, metrics, its API) plus our Kafka transport. Config is read
 * and validated before anything starts; a bad variable ends the process with its name.
 */
export async function startService<C extends ServiceConfig>(def: ServiceDefinition<C>, env: NodeJS.ProcessEnv = process.env): Promise<RunningService<C>> {
  const config = loadConfig(def.configClass, env);
  const logger = new JsonLogger(def.name, config.logLevel);
  const kafkaSecurity = kafkaSecurityOf(config, def.name);
  // Before anything starts: an unset KAFKA_SECURITY (or an unreadable secret) stops the process with its name.
  kafkaConnectionOptions(config, def.name);
  const warning = plaintextWarning(config);
  if (warning) logger.warn(warning, { kafkaBrokers: config.kafkaBrokers, kafkaSecurity: config.kafkaSecurity });
  // A deployment of the single-connection release upgraded in place still has it set: said once, never read.
  if (env.CONNECTION_ID !== undefined) {
    logger.warn(
      'CONNECTION_ID is set but no longer read: every service serves every connection, routed by each event (docs/upgrading.md says what replaces it)',
      { connectionId: env.CONNECTION_ID },
    );
  }
  const app = await NestFactory.create(def.module(config, logger), { logger, abortOnError: false });
  app.enableShutdownHooks();
  await def.configure?.(app, config);
  if (def.consumes !== false) {
    const transport = new KafkaEventTransport({
      kafka: app.get<Kafka>(KAFKA),
      groupId: `${config.topicPrefix}${def.name}`,
      topicPrefix: config.topicPrefix,
      logger: logger.child({ component: 'consumer' }),
      publisher: app.get(EventPublisher),
      metrics: app.get<Registry>(METRICS),
      maxAttempts: config.consumerMaxAttempts,
      retryBaseMs: config.consumerRetryBaseMs,
      service: def.name,
      // On a secured broker the admin's setup step made the topics; the service holds no CREATE.
      createTopics: kafkaSecurity.mode === 'plaintext',
    });
    app.connectMicroservice({ strategy: transport });
    await app.startAllMicroservices();
  }
  await app.listen(config.httpPort, config.httpHost);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  logger.info('service started', {
    url,
    instance: config.instanceId ?? `${hostname()}-${process.pid}`,
    kafka: { security: kafkaSecurity.mode, principal: kafkaSecurity.username ? `User:${kafkaSecurity.username}` : null },
    config: describeConfig(config),
  });
  return { app, config, url, close: () => app.close() };
}

/**
 * How far V8 lets the old generation grow past what survived the last full collection before the next
 * one. By default, in a process whose heap may reach 4 GB, up to four times: the services keep 40-70 MB
 * alive, yet in `bench:pipeline` the exporter's and the monitor's heaps reached 155-185 MB, garbage waiting
 * for a collection, and their peak RSS 253-292 MB. 2.5 times (150%) kept the mapper, the exporter and the
 * monitor under 250 MB at the same rate (docs/benchmarks.md, measured side by side). V8 reads it at every full collection, so setting
 * it at start works wherever the service is started (Docker, the demo, tests); the command line wins.
 */
export const HEAP_GROWING_PERCENT = 150;

/** main.ts of every service: start, or print why not and exit 1. */
export function runService<C extends ServiceConfig>(def: ServiceDefinition<C>): void {
  if (!process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  startService(def).catch((err) => {
    const msg = err instanceof ConfigError ? err.message : `failed to start: ${(err as Error)?.stack ?? err}`;
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', service: def.name, msg }) + '\n');
    process.exit(1);
  });
}
